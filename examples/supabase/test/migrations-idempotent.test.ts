/**
 * `supabase db reset` applies the migrations to an empty database; people also re-run them by hand.
 * Both must work: a fresh database takes them cleanly, and a second application changes nothing
 * (same schema, same privileges, same Vault and queue contents).
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyFiles,
  createSupabaseTestDatabase,
  migrationFiles,
  type SupabaseTestDatabase,
} from "./supabase-database.js";

let db: SupabaseTestDatabase;

beforeAll(async () => {
  db = await createSupabaseTestDatabase("sb_migrate", { migrate: false });
});

afterAll(async () => {
  await db?.drop();
});

function schemaDump(): string {
  // --no-owner keeps the comparison about structure and grants, not about who ran it.
  const dump = execFileSync("pg_dump", ["--schema-only", "--no-owner", db.url], { encoding: "utf8" });
  // pg_dump ≥ 15.14 fences its output with a random \restrict key; that line differs on every run.
  return dump.replace(/^\\(un)?restrict .*$/gm, "");
}

async function contents(): Promise<string> {
  const { rows } = await db.client.query(
    `select (select count(*) from vault.secrets) as secrets,
            (select json_agg(json_build_object('state', state, 'attempts', attempts)) from ehr_sync.queue) as queue,
            (select json_agg(ehr_sync_status) from public.soap_notes) as notes,
            (select json_agg(d) from ehr_sync.destination d) as destination,
            (select json_agg(t order by t) from (select table_schema || '.' || table_name as t
               from information_schema.tables where table_schema like 'ehr_sync%') x) as tables`,
  );
  return JSON.stringify(rows);
}

describe("the example's migrations", () => {
  it("apply cleanly to a fresh database", async () => {
    await applyFiles(db.client, migrationFiles());
    const { rows } = await db.client.query<{ n: number }>(
      "select count(*)::int as n from pg_namespace where nspname in ('ehr_sync', 'ehr_sync_supabase')",
    );
    expect(rows[0]?.n).toBe(2);
  });

  it("change nothing when applied a second time", async () => {
    await db.client.query(
      "select ehr_sync_supabase.configure_function('http://127.0.0.1:9/functions/v1/x', 'a-key-of-at-least-16-chars')",
    );
    await db.client.query(
      `insert into public.soap_notes (patient_id, provider_id, provider_name, status, signed_at)
       values ('p-idem', 'prov', 'Dr Idem', 'signed', now())`,
    );
    const schemaBefore = schemaDump();
    const contentsBefore = await contents();
    await applyFiles(db.client, migrationFiles());
    expect(schemaDump()).toBe(schemaBefore);
    expect(await contents()).toBe(contentsBefore);
  });
});
