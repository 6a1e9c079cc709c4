/**
 * createForSubject: one round trip for a new patient (POST first, look up only on 409), race-safe.
 * Outcomes are read back from EHRbase with AQL by subject.
 */
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { EhrbaseClient, type Subject } from "../src/index.js";
import { newSubject, realClient } from "./helpers.js";

let client: EhrbaseClient;

beforeAll(async () => {
  client = await realClient();
});

async function ehrsOf(subject: Subject): Promise<string[]> {
  const result = await client.aql.query<[string]>(
    "SELECT e/ehr_id/value FROM EHR e WHERE e/ehr_status/subject/external_ref/id/value = $id " +
      "AND e/ehr_status/subject/external_ref/namespace = $namespace",
    { parameters: { id: subject.id, namespace: subject.namespace } },
  );
  return result.rows.map(([ehrId]) => ehrId);
}

/** A client whose requests to EHRbase are listed (method and path), to count round trips. */
function countingClient(): { client: EhrbaseClient; requests: string[] } {
  const eb = ehrbaseTestConfig();
  const requests: string[] = [];
  const counted = new EhrbaseClient({
    baseUrl: eb.baseUrl,
    auth: { type: "basic", username: eb.user, password: eb.password },
    fetch: (input, init) => {
      requests.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    },
  });
  return { client: counted, requests };
}

describe("ehrs.createForSubject", () => {
  it("creates a new subject's EHR in one round trip, and finds an existing one in two", async () => {
    const { client: counted, requests } = countingClient();
    const subject = newSubject();
    const first = await counted.ehrs.createForSubject(subject);
    expect(first.created).toBe(true);
    expect(requests).toEqual(["POST /ehrbase/rest/openehr/v1/ehr"]);
    expect(await ehrsOf(subject)).toEqual([first.ehrId]);

    requests.length = 0;
    expect(await counted.ehrs.createForSubject(subject)).toEqual({ ehrId: first.ehrId, created: false });
    expect(requests).toEqual(["POST /ehrbase/rest/openehr/v1/ehr", "GET /ehrbase/rest/openehr/v1/ehr"]);
    expect(await ehrsOf(subject)).toEqual([first.ehrId]);
  });

  it("leaves exactly one EHR when ten callers race for one new subject", async () => {
    const subject = newSubject();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => client.ehrs.createForSubject(subject)),
    );
    const stored = await ehrsOf(subject);
    expect(stored).toHaveLength(1);
    expect(new Set(results.map((r) => r.ehrId))).toEqual(new Set(stored));
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it("rejects a namespace with dots before sending", async () => {
    const { client: counted, requests } = countingClient();
    await expect(
      counted.ehrs.createForSubject({ id: "p-1", namespace: "org.example" }),
    ).rejects.toMatchObject({
      field: "subject.namespace",
    });
    expect(requests).toEqual([]);
  });
});
