/**
 * What an attacker on the open internet can make the function do, against the served function and a
 * real database. Every Vault read of the function goes through ehr_sync_supabase.function_secret;
 * the tests wrap it so each call bumps a sequence (sequences are not rolled back, so even a failing
 * read is counted) and, for the flood, fails as an unreadable Vault would.
 *  - an oversized body gets 413 before any database work: no Vault read, no run, nothing claimed;
 *  - 100 requests with made-up bearers while Vault cannot be read cost a handful of Vault queries.
 */
import assert from "node:assert/strict";
import type { Sql } from "./harness/database.ts";
import { setDoorbell, writeAndSignNote } from "./harness/notes.ts";
import { queueRowFor } from "./harness/queue.ts";
import { allRuns } from "./harness/runs.ts";
import { startScenario } from "./harness/scenario.ts";

async function countVaultReads(sql: Sql, failing: boolean): Promise<() => Promise<number>> {
  await sql.unsafe(`
    create sequence if not exists public.test_vault_reads;
    grant usage on sequence public.test_vault_reads to public;
    alter function ehr_sync_supabase.function_secret(text) rename to function_secret_real;
    create function ehr_sync_supabase.function_secret(secret_name text) returns text
    language plpgsql security definer set search_path = '' as $$
    begin
      perform nextval('public.test_vault_reads');
      ${failing ? "raise exception 'permission denied for view decrypted_secrets' using errcode = '42501';" : ""}
      return ehr_sync_supabase.function_secret_real(secret_name);
    end $$;
    grant execute on function ehr_sync_supabase.function_secret(text) to public;
  `);
  return async () => {
    const [row] = await sql<{ n: string }[]>`
      select case when is_called then last_value else 0 end::text as n from public.test_vault_reads`;
    return Number(row?.n);
  };
}

Deno.test({
  name: "an oversized body gets 413 before any database work",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const scenario = await startScenario({ prefix: "sb_e2e_413", env: { EHR_SYNC_MAX_BODY_BYTES: "1024" } });
    try {
      const sql = scenario.db.sql;
      await setDoorbell(sql, false);
      const note = await writeAndSignNote(sql);
      const vaultReads = await countVaultReads(sql, false);
      const padded = { trigger: "cron", padding: "x".repeat(4096) };
      const refused = await scenario.invoke(padded);
      assert.equal(refused.status, 413);
      assert.equal(refused.body.error, "payload_too_large");
      // No Vault read (authentication did not even start), no run, the note untouched.
      assert.equal(await vaultReads(), 0);
      assert.equal((await allRuns(sql)).length, 0);
      assert.equal((await queueRowFor(sql, note.noteId))?.status, "pending");

      // The counter does count: a request of normal size reads Vault and runs.
      const run = await scenario.run({ trigger: "cron" });
      assert.equal(run.delivered, 1);
      assert.ok((await vaultReads()) >= 1);
    } finally {
      await scenario.dispose();
    }
  },
});

Deno.test({
  name: "100 requests with made-up bearers while Vault is unreadable cost a handful of Vault queries",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const scenario = await startScenario({ prefix: "sb_e2e_vault" });
    try {
      const sql = scenario.db.sql;
      const vaultReads = await countVaultReads(sql, true);
      const statuses: number[] = [];
      for (let wave = 0; wave < 10; wave++) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, () =>
            scenario.invoke({ trigger: "cron" }, `bogus-${crypto.randomUUID()}`),
          ),
        );
        statuses.push(...answers.map((a) => a.status));
      }
      assert.deepEqual(
        statuses,
        statuses.map(() => 401),
      );
      const reads = await vaultReads();
      assert.ok(reads >= 1 && reads <= 5, `${reads} Vault queries for 100 requests`);
      assert.equal((await allRuns(sql)).length, 0);
      // The failures are logged by class, never with the bearer.
      assert.match(scenario.server.output(), /"event":"ehr_sync.vault_unreadable","code":"42501"/);
      assert.doesNotMatch(scenario.server.output(), /bogus-/);
    } finally {
      await scenario.dispose();
    }
  },
});
