import { randomUUID } from "node:crypto";
import { ehrbaseTestConfig, readFixture, requireEhrbase } from "@ehr-sync/testkit";
import { EhrbaseClient, type EhrbaseClientOptions } from "../src/index.js";

export const VITAL_SIGNS_TEMPLATE = "ehrn_vital_signs.v2";

export async function realClient(overrides: Partial<EhrbaseClientOptions> = {}): Promise<EhrbaseClient> {
  const eb = await requireEhrbase();
  return new EhrbaseClient({
    baseUrl: eb.baseUrl,
    auth: { type: "basic", username: eb.user, password: eb.password },
    ...overrides,
  });
}

export function adminClient(): EhrbaseClient {
  const eb = ehrbaseTestConfig();
  return new EhrbaseClient({
    baseUrl: eb.baseUrl,
    auth: { type: "basic", username: eb.adminUser, password: eb.adminPassword },
  });
}

export function newSubject() {
  return { id: `client-test-${randomUUID()}`, namespace: "ehr-sync-client-tests" };
}

export async function vitalSignsFlat(): Promise<Record<string, string | number>> {
  return JSON.parse(await readFixture("flat", "ehrn_vital_signs.v2__.json"));
}

export async function vitalSignsOpt(): Promise<string> {
  return readFixture("templates", "ehrn_vital_signs.v2.opt");
}
