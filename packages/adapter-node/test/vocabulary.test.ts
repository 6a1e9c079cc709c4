/**
 * Core's vocabulary is the SQL's: the queue states of the CHECK constraint, the states the status
 * view lists, the unfinished states the partial indexes cover, and the app-facing status that the
 * write-back derives (ehr_sync.app_status), all read from a freshly migrated database.
 */
import { APP_SYNC_STATUSES, appStatusOf, QUEUE_STATES, UNFINISHED_QUEUE_STATES } from "@ehr-sync/core";
import { describe, expect } from "vitest";
import { nodeBedTest } from "./helpers/bed.js";

/** The quoted literals of a constraint or index definition, in order. */
function literals(definition: string): string[] {
  return [...definition.matchAll(/'([^']*)'/g)].map((m) => m[1] as string);
}

const it = nodeBedTest("ehrsync_vocabulary");

describe("the vocabulary of @ehr-sync/core against the migrated schema", () => {
  it("QUEUE_STATES are exactly the states ehr_sync.queue's CHECK allows, in its order", async ({ bed }) => {
    const { rows } = await bed.pool.query<{ definition: string }>(
      `select pg_get_constraintdef(c.oid) as definition
         from pg_constraint c
        where c.conrelid = 'ehr_sync.queue'::regclass and c.contype = 'c'
          and pg_get_constraintdef(c.oid) like '%state%'`,
    );
    expect(rows).toHaveLength(1);
    expect(literals(rows[0]?.definition ?? "")).toEqual([...QUEUE_STATES]);
  });

  it("ehr_sync.queue_status lists every queue state", async ({ bed }) => {
    const { rows } = await bed.pool.query<{ state: string }>("select state from ehr_sync.queue_status");
    expect(rows.map((r) => r.state).sort()).toEqual([...QUEUE_STATES].sort());
  });

  it("UNFINISHED_QUEUE_STATES are the states the active-job indexes cover", async ({ bed }) => {
    const { rows } = await bed.pool.query<{ definition: string }>(
      `select pg_get_indexdef(i.indexrelid) as definition
         from pg_index i join pg_class c on c.oid = i.indexrelid
        where c.relname in ('queue_active_by_patient_idx', 'queue_active_by_note_idx')`,
    );
    expect(rows).toHaveLength(2);
    for (const row of rows)
      expect(literals(row.definition).sort()).toEqual([...UNFINISHED_QUEUE_STATES].sort());
  });

  it("appStatusOf is ehr_sync.app_status for every state, and its values are APP_SYNC_STATUSES", async ({
    bed,
  }) => {
    const { rows } = await bed.pool.query<{ state: string; status: string }>(
      "select s as state, ehr_sync.app_status(s) as status from unnest($1::text[]) as s",
      [[...QUEUE_STATES]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.state, r.status]))).toEqual(
      Object.fromEntries(QUEUE_STATES.map((state) => [state, appStatusOf(state)])),
    );
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(APP_SYNC_STATUSES));
  });
});
