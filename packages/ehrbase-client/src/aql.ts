import type { HttpTransport } from "./http.js";
import type { AqlResultSet } from "./types.js";

export interface AqlOptions {
  /** Values for `$name` placeholders; EHRbase substitutes them safely (no string building). */
  parameters?: Record<string, unknown>;
  offset?: number;
  fetch?: number;
  signal?: AbortSignal;
}

export class AqlApi {
  constructor(private readonly http: HttpTransport) {}

  /** Ad-hoc AQL (POST /query/aql). A read, so it is retried like a GET on transient failures. */
  async query<Row extends unknown[] = unknown[]>(
    q: string,
    options: AqlOptions = {},
  ): Promise<AqlResultSet<Row>> {
    const body: Record<string, unknown> = { q };
    if (options.parameters) body.query_parameters = options.parameters;
    if (options.offset !== undefined) body.offset = options.offset;
    if (options.fetch !== undefined) body.fetch = options.fetch;
    const response = await this.http.request({
      method: "POST",
      path: "/query/aql",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      safe: true,
      signal: options.signal,
    });
    const raw = JSON.parse(response.text) as AqlResultSet<Row>["raw"];
    return { columns: raw.columns ?? [], rows: raw.rows ?? [], raw };
  }
}
