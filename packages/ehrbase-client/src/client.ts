import { AqlApi } from "./aql.js";
import { CompositionsApi } from "./compositions.js";
import type { EhrbaseClientOptions } from "./config.js";
import { ContributionsApi } from "./contributions.js";
import { EhrApi } from "./ehr.js";
import { EhrbaseNotFoundError } from "./errors.js";
import { HttpTransport } from "./http.js";
import { TemplatesApi } from "./templates.js";

/** Marks every client; shared by all copies of this package in a process, unlike `instanceof`. */
const CLIENT_BRAND = Symbol.for("@ehr-sync/ehrbase-client/EhrbaseClient");

/**
 * True for a client made by any copy of this package: the ESM or the CommonJS build, or another
 * installed version. Use it instead of `instanceof EhrbaseClient` where a client crosses packages.
 */
export function isEhrbaseClient(value: unknown): value is EhrbaseClient {
  return (
    typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[CLIENT_BRAND] === true
  );
}

/** A typed client for EHRbase's openEHR REST API. Fetch-based: Node 20+, Deno, edge runtimes. */
export class EhrbaseClient {
  readonly ehrs: EhrApi;
  readonly templates: TemplatesApi;
  readonly compositions: CompositionsApi;
  readonly contributions: ContributionsApi;
  readonly aql: AqlApi;
  private readonly http: HttpTransport;
  private knownSystemId: string | undefined;

  constructor(options: EhrbaseClientOptions) {
    this.http = new HttpTransport(options);
    this.knownSystemId = options.systemId;
    this.ehrs = new EhrApi(this.http, (id) => this.learnSystemId(id));
    this.templates = new TemplatesApi(this.http);
    this.compositions = new CompositionsApi(this.http);
    this.contributions = new ContributionsApi(this.http, () => this.systemId());
    this.aql = new AqlApi(this.http);
    Object.defineProperty(this, CLIENT_BRAND, { value: true });
  }

  /** The openEHR REST base this client talks to, e.g. http://host:8080/ehrbase/rest/openehr/v1. */
  get openehrUrl(): string {
    return this.http.openehrUrl;
  }

  /**
   * EHRbase's system id (`server.nodename`), part of every version uid. Configured, or learnt from an
   * EHR this client has seen, or read with AQL from any EHR on the server.
   */
  async systemId(): Promise<string> {
    if (this.knownSystemId) return this.knownSystemId;
    const result = await this.aql.query<[string]>("SELECT e/system_id/value FROM EHR e LIMIT 1");
    const found = result.rows[0]?.[0];
    if (typeof found !== "string" || !found) {
      throw new EhrbaseNotFoundError({
        method: "POST",
        path: new URL(`${this.http.openehrUrl}/query/aql`).pathname,
        serverMessage: "the server has no EHR yet to read its system id from; pass systemId in the options",
      });
    }
    this.knownSystemId = found;
    return found;
  }

  /** GET /ehrbase/rest/status: versions of EHRbase, the SDK, the JVM and PostgreSQL. */
  async status(): Promise<Record<string, string>> {
    const response = await this.http.request({
      method: "GET",
      path: "/rest/status",
      serverRelative: true,
      headers: { accept: "application/json" },
      safe: true,
    });
    return JSON.parse(response.text) as Record<string, string>;
  }

  private learnSystemId(id: string | undefined): void {
    if (id && !this.knownSystemId) this.knownSystemId = id;
  }
}
