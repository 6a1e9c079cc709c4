/** Test-bed helpers: a migrated database of our own, signed sample notes, and EHRbase look-ups. */
import { randomUUID } from "node:crypto";
import { EhrbaseClient } from "@ehr-sync/ehrbase-client";
import {
  ehrbaseTestConfig,
  insertNotes,
  type MigratedDatabase,
  migratedTestDatabase,
  requireEhrbase,
  sampleNoteRow,
} from "@ehr-sync/testkit";
import { bedTest } from "@ehr-sync/testkit/bed";
import type pg from "pg";
import { migrate } from "../../src/migrate.js";

export type TestBed = MigratedDatabase;

/**
 * vitest's `it`/`test` with the bed fixtures: `async ({ bed, ehrbase }) => …` gets this file's own
 * migrated database (`bed.url`, `bed.pool`) and an EHRbase client, made once per file.
 * `requiresEhrbase`: the file's workers talk to EHRbase, so a missing EHRbase fails `bed` first.
 */
export function nodeBedTest(prefix: string, options: { requiresEhrbase?: boolean } = {}) {
  return bedTest({
    prefix,
    ...options,
    migrate,
    ehrbase: (config) =>
      new EhrbaseClient({
        baseUrl: config.baseUrl,
        auth: { type: "basic", username: config.user, password: config.password },
      }),
  });
}

/** A migrated database for files that set the bed up in hooks (see nodeBedTest for the fixture). */
export function migratedDatabase(prefix: string): Promise<TestBed> {
  return migratedTestDatabase(prefix, migrate);
}

export function ehrbaseOptions(overrides: { password?: string; baseUrl?: string } = {}) {
  const config = ehrbaseTestConfig();
  return {
    baseUrl: overrides.baseUrl ?? config.baseUrl,
    username: config.user,
    password: overrides.password ?? config.password,
    timeoutMs: 15_000,
  };
}

export async function ehrbaseClient(): Promise<EhrbaseClient> {
  const config = await requireEhrbase();
  return new EhrbaseClient({
    baseUrl: config.baseUrl,
    auth: { type: "basic", username: config.user, password: config.password },
  });
}

/** The one sample note (testkit), as a row of public.soap_notes. */
/** Inserts rows into public.soap_notes (the trigger queues the signed ones); returns their ids. */
export { insertNotes, sampleNoteRow } from "@ehr-sync/testkit";

/** `count` signed notes spread over `patients` fresh patients. */
export async function signNotes(
  db: pg.Pool,
  count: number,
  patients = Math.ceil(count / 5),
): Promise<string[]> {
  const patientIds = Array.from({ length: patients }, () => `pat-${randomUUID()}`);
  return insertNotes(
    db,
    Array.from({ length: count }, (_, i) => sampleNoteRow(patientIds[i % patients] as string)),
  );
}

/**
 * Compositions in EHRbase per note id, found by AQL on the feeder audit's originating item ids,
 * limited to the EHRs this test created (the server is shared).
 */
export async function compositionsByNoteId(
  client: EhrbaseClient,
  ehrIds: string[],
  noteIds: string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, Set<string>>();
  const wanted = new Set(noteIds);
  for (let i = 0; i < ehrIds.length; i += 50) {
    const chunk = ehrIds.slice(i, i + 50);
    const list = chunk.map((id) => `'${id}'`).join(",");
    const result = await client.aql.query<[string, string]>(
      "SELECT c/uid/value, c/feeder_audit/originating_system_item_ids/id FROM EHR e " +
        "CONTAINS COMPOSITION c[openEHR-EHR-COMPOSITION.encounter.v1] " +
        `WHERE e/ehr_id/value matches {${list}}`,
    );
    for (const [uid, itemId] of result.rows) {
      if (!wanted.has(itemId)) continue;
      const uuid = uid.split("::")[0] as string;
      const set = found.get(itemId) ?? new Set<string>();
      set.add(uuid);
      found.set(itemId, set);
    }
  }
  return new Map([...found].map(([k, v]) => [k, [...v]]));
}

export async function ehrIdsOf(db: pg.Pool): Promise<string[]> {
  const result = await db.query<{ ehr_id: string }>("select ehr_id::text from ehr_sync.patient_ehr");
  return result.rows.map((r) => r.ehr_id);
}
