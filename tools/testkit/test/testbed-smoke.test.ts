/**
 * Proves the test bed: the real EHRbase accepts a template, an EHR and a FLAT composition,
 * returns it, and finds it by AQL. Uses raw fetch on purpose, so it does not depend on our client.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  basicAuthHeader,
  type EhrbaseTestConfig,
  fixturesPresent,
  readFixture,
  requireEhrbase,
} from "../src/index.js";

let eb: EhrbaseTestConfig;
let auth: string;

async function call(
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${eb.restUrl}${path}`, {
    method,
    body: init.body,
    headers: { authorization: auth, ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

beforeAll(async () => {
  eb = await requireEhrbase();
  auth = basicAuthHeader(eb.user, eb.password);
});

// Its template and composition come from the fixture corpus (skipped, and counted, without it).
describe.runIf(fixturesPresent())("test bed smoke test against the real EHRbase", () => {
  it("uploads a template, creates an EHR, commits FLAT, reads it back and finds it by AQL", async () => {
    const opt = await readFixture("templates", "ehrn_vital_signs.v2.opt");
    const upload = await call("POST", "/definition/template/adl1.4", {
      body: opt,
      headers: { "content-type": "application/xml" },
    });
    // 409 means an earlier run already uploaded it, which is what we want.
    expect([201, 409]).toContain(upload.status);

    const subject = `smoke-${randomUUID()}`;
    const ehr = await call("POST", "/ehr", {
      headers: { "content-type": "application/json", prefer: "return=representation" },
      body: JSON.stringify({
        _type: "EHR_STATUS",
        archetype_node_id: "openEHR-EHR-EHR_STATUS.generic.v1",
        name: { value: "EHR Status" },
        subject: {
          external_ref: {
            id: { _type: "GENERIC_ID", value: subject, scheme: "ehr-sync-smoke" },
            namespace: "ehr-sync-smoke",
            type: "PERSON",
          },
        },
        is_modifiable: true,
        is_queryable: true,
      }),
    });
    expect(ehr.status).toBe(201);
    const ehrId = JSON.parse(ehr.text).ehr_id.value as string;

    const flat = await readFixture("flat", "ehrn_vital_signs.v2__.json");
    const created = await call(
      "POST",
      `/ehr/${ehrId}/composition?format=FLAT&templateId=ehrn_vital_signs.v2`,
      {
        headers: { "content-type": "application/json" },
        body: flat,
      },
    );
    expect(created.status, created.text).toBe(204);
    const versionUid = created.headers.get("etag")!.replaceAll('"', "");
    expect(versionUid).toMatch(/^[0-9a-f-]{36}::local\.ehrbase\.org::1$/);

    const read = await call(
      "GET",
      `/ehr/${ehrId}/composition/${versionUid}?format=FLAT&templateId=ehrn_vital_signs.v2`,
      {
        headers: { accept: "application/json" },
      },
    );
    expect(read.status).toBe(200);
    const back = JSON.parse(read.text) as Record<string, unknown>;
    expect(back["ehrn_vital_signs.v2/vital_signs:0/blood_pressure:0/any_event:0/systolic|magnitude"]).toBe(
      120,
    );

    const aql = await call("POST", "/query/aql", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        q: "SELECT c/uid/value FROM EHR e CONTAINS COMPOSITION c WHERE e/ehr_id/value = $ehr",
        query_parameters: { ehr: ehrId },
      }),
    });
    expect(aql.status).toBe(200);
    expect(JSON.parse(aql.text).rows).toEqual([[versionUid]]);
  });
});
