import { randomUUID } from "node:crypto";
import { ehrbaseTestConfig, readFixture, requireEhrbase } from "@ehr-sync/testkit";
import { type Composition, EhrbaseClient, type EhrbaseClientOptions } from "../src/index.js";

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

/**
 * A canonical composition as EHRbase itself writes it (for contribution tests): the vital-signs
 * fixture FLAT, POSTed once into a new EHR and read back, without its uid.
 */
export async function seedCanonicalVitalSigns(client: EhrbaseClient): Promise<Composition> {
  await client.templates.ensure(await vitalSignsOpt());
  const { ehrId } = await client.ehrs.createForSubject(newSubject());
  const created = await client.compositions.create(ehrId, await vitalSignsFlat(), {
    format: "FLAT",
    templateId: VITAL_SIGNS_TEMPLATE,
  });
  const read = await client.compositions.get<Composition>(ehrId, created.versionUid.value);
  if (!read || read.deleted) throw new Error("the seed composition could not be read back");
  const { uid: _stored, ...body } = read.composition;
  return body as Composition;
}
