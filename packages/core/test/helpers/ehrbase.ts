/** Minimal raw-fetch access to the real EHRbase for core's tests (core itself has no I/O). */
import { randomUUID } from "node:crypto";
import { basicAuthHeader, type EhrbaseTestConfig } from "@ehr-sync/testkit";
import { SOAP_TEMPLATE_ID, SOAP_TEMPLATE_OPT } from "../../src/templates/soap-template.js";

export interface HttpResult {
  status: number;
  body: string;
  headers: Headers;
}

export class Ehrbase {
  constructor(private readonly config: EhrbaseTestConfig) {}

  async request(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string> } = {},
  ) {
    const response = await fetch(`${this.config.restUrl}${path}`, {
      method,
      body: init.body,
      headers: { authorization: basicAuthHeader(this.config.user, this.config.password), ...init.headers },
      signal: AbortSignal.timeout(30_000),
    });
    return {
      status: response.status,
      body: await response.text(),
      headers: response.headers,
    } satisfies HttpResult;
  }

  /** Uploads an OPT; 201 (new) and 409 (already there) both mean "available". */
  async uploadTemplate(opt: string): Promise<number> {
    const r = await this.request("POST", "/definition/template/adl1.4", {
      body: opt,
      headers: { "content-type": "application/xml" },
    });
    if (r.status !== 201 && r.status !== 409) throw new Error(`template upload answered ${r.status}`);
    return r.status;
  }

  async ensureSoapTemplate(): Promise<void> {
    await this.uploadTemplate(SOAP_TEMPLATE_OPT);
    void SOAP_TEMPLATE_ID;
  }

  async webTemplate(templateId: string): Promise<unknown> {
    const r = await this.request("GET", `/definition/template/adl1.4/${encodeURIComponent(templateId)}`, {
      headers: { accept: "application/openehr.wt+json" },
    });
    if (r.status !== 200) throw new Error(`web template answered ${r.status}`);
    return JSON.parse(r.body);
  }

  /** Creates an EHR for a fresh random subject; returns its id and the server's system id. */
  async createEhr(
    namespace = "ehr_sync_test",
  ): Promise<{ ehrId: string; systemId: string; subjectId: string }> {
    const subjectId = randomUUID();
    const r = await this.request("POST", "/ehr", {
      body: JSON.stringify({
        _type: "EHR_STATUS",
        archetype_node_id: "openEHR-EHR-EHR_STATUS.generic.v1",
        name: { value: "EHR Status" },
        subject: {
          external_ref: {
            id: { _type: "GENERIC_ID", value: subjectId, scheme: "id_scheme" },
            namespace,
            type: "PERSON",
          },
        },
        is_queryable: true,
        is_modifiable: true,
      }),
      headers: { "content-type": "application/json", prefer: "return=representation" },
    });
    if (r.status !== 201) throw new Error(`EHR create answered ${r.status}`);
    const ehr = JSON.parse(r.body);
    return { ehrId: ehr.ehr_id.value, systemId: ehr.system_id.value, subjectId };
  }

  postFlat(ehrId: string, templateId: string, flat: Record<string, unknown>): Promise<HttpResult> {
    return this.request(
      "POST",
      `/ehr/${ehrId}/composition?templateId=${encodeURIComponent(templateId)}&format=FLAT`,
      {
        body: JSON.stringify(flat),
        headers: { "content-type": "application/json", prefer: "return=minimal" },
      },
    );
  }

  putFlat(ehrId: string, uuid: string, ifMatch: string, templateId: string, flat: Record<string, unknown>) {
    return this.request(
      "PUT",
      `/ehr/${ehrId}/composition/${uuid}?templateId=${encodeURIComponent(templateId)}&format=FLAT`,
      {
        body: JSON.stringify(flat),
        headers: { "content-type": "application/json", "if-match": ifMatch, prefer: "return=minimal" },
      },
    );
  }

  async getFlat(ehrId: string, uid: string): Promise<Record<string, unknown>> {
    const r = await this.request("GET", `/ehr/${ehrId}/composition/${uid}?format=FLAT`, {
      headers: { accept: "application/json" },
    });
    if (r.status !== 200) throw new Error(`composition GET answered ${r.status}`);
    return JSON.parse(r.body);
  }

  async aql(q: string, params: Record<string, unknown> = {}): Promise<unknown[][]> {
    const r = await this.request("POST", "/query/aql", {
      body: JSON.stringify({ q, query_parameters: params }),
      headers: { "content-type": "application/json" },
    });
    if (r.status !== 200) throw new Error(`AQL answered ${r.status}: ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body).rows;
  }
}
