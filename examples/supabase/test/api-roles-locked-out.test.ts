/**
 * As `anon` and `authenticated` (the roles Supabase's Data API runs requests as), the ehr-sync
 * tables, views and functions can be neither read nor changed. The test connects as `authenticator`
 * (like PostgREST) and switches role with SET ROLE, so it exercises the same privilege checks.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSupabaseTestDatabase, type SupabaseTestDatabase } from "./supabase-database.js";

let db: SupabaseTestDatabase;
let relations: { schema: string; name: string; kind: string; column: string }[];
let functions: { signature: string; call: string }[];

beforeAll(async () => {
  db = await createSupabaseTestDatabase("sb_rls");
  relations = (
    await db.client.query<{ schema: string; name: string; kind: string; column: string }>(
      // column: one real column per relation, for an UPDATE whose only possible refusal is privilege
      `select n.nspname as schema, c.relname as name, c.relkind::text as kind,
              (select a.attname from pg_attribute a
                where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                order by a.attnum limit 1)::text as column
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('ehr_sync', 'ehr_sync_supabase') and c.relkind in ('r', 'p', 'v', 'm')
        order by 1, 2`,
    )
  ).rows;
  functions = (
    await db.client.query<{ signature: string; call: string }>(
      `select p.oid::regprocedure::text as signature,
              format('select %I.%I(%s)', n.nspname, p.proname,
                     (select string_agg('null::' || format_type(t, null), ', ')
                        from unnest(p.proargtypes) as t)) as call
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('ehr_sync', 'ehr_sync_supabase') and p.prokind = 'f'`,
    )
  ).rows;
});

afterAll(async () => {
  await db?.drop();
});

async function asRole<T>(role: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(db.url);
  url.username = "authenticator";
  url.password = "authenticator";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`set role ${role}`);
    return await work(client);
  } finally {
    await client.end();
  }
}

async function errorOf(client: pg.Client, statement: string): Promise<string | undefined> {
  try {
    await client.query("begin");
    await client.query(statement);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await client.query("rollback");
  }
}

// 42501 insufficient_privilege
const DENIED = "42501";

describe("the queue is invisible to the Data API roles", () => {
  it("has queue tables to protect (the migrations created them)", () => {
    expect(
      relations.filter((r) => r.schema === "ehr_sync" && (r.kind === "r" || r.kind === "p")).length,
    ).toBeGreaterThan(0);
    expect(
      relations.filter((r) => r.schema === "ehr_sync_supabase" && r.kind === "v").length,
    ).toBeGreaterThan(0);
  });

  for (const role of ["anon", "authenticated"]) {
    it(`${role} can neither read nor modify any ehr-sync table or view`, async () => {
      await asRole(role, async (client) => {
        for (const { schema, name, kind, column } of relations) {
          const target = `"${schema}"."${name}"`;
          expect(await errorOf(client, `select * from ${target} limit 1`), `select ${target}`).toBe(DENIED);
          if (kind === "r" || kind === "p") {
            expect(await errorOf(client, `delete from ${target}`), `delete ${target}`).toBe(DENIED);
            // a real column (assigning ctid is refused while parsing, before privileges); `= default` reads
            // nothing, so UPDATE is the only privilege checked
            expect(
              await errorOf(client, `update ${target} set "${column}" = default`),
              `update ${target}`,
            ).toBe(DENIED);
            expect(await errorOf(client, `insert into ${target} default values`), `insert ${target}`).toBe(
              DENIED,
            );
            expect(await errorOf(client, `truncate ${target}`), `truncate ${target}`).toBe(DENIED);
          }
        }
      });
    });

    it(`${role} cannot call any ehr-sync function (claim, complete, doorbell, …)`, async () => {
      expect(functions.length).toBeGreaterThan(0);
      await asRole(role, async (client) => {
        for (const { signature, call } of functions) {
          expect(await errorOf(client, call), signature).toBe(DENIED);
        }
      });
      for (const { signature } of functions) {
        const { rows } = await db.client.query<{ allowed: boolean }>(
          "select has_function_privilege($1, $2::regprocedure, 'execute') as allowed",
          [role, signature],
        );
        expect(rows[0]?.allowed, `${role} holds EXECUTE on ${signature}`).toBe(false);
      }
    });

    it(`${role} cannot read the Vault secrets that hold the function key`, async () => {
      await asRole(role, async (client) => {
        expect(await errorOf(client, "select * from vault.decrypted_secrets")).toBe(DENIED);
      });
    });
  }

  it("a provider signing through the Data API (authenticated) still queues the note", async () => {
    const providerId = "5b0f6c1e-3a57-4d7e-9a51-2f3c8f1d9e01";
    const noteId = await asRole("authenticated", async (client) => {
      await client.query("select set_config('request.jwt.claims', $1, false)", [
        JSON.stringify({ sub: providerId, role: "authenticated" }),
      ]);
      const inserted = await client.query<{ id: string }>(
        `insert into public.soap_notes (patient_id, provider_id, provider_name, subjective)
         values ('patient-rls-1', $1, 'Dr RLS', 'text') returning id`,
        [providerId],
      );
      const id = inserted.rows[0]?.id;
      await client.query("update public.soap_notes set status = 'signed', signed_at = now() where id = $1", [
        id,
      ]);
      // the provider sees the sync status column the trigger set, but not the queue
      const own = await client.query<{ ehr_sync_status: string }>(
        "select ehr_sync_status from public.soap_notes where id = $1",
        [id],
      );
      expect(own.rows[0]?.ehr_sync_status).toBe("pending");
      expect(await errorOf(client, "select * from ehr_sync.queue")).toBe(DENIED);
      return id;
    });
    const queued = await db.client.query("select state from ehr_sync.queue where note_id = $1", [noteId]);
    expect(queued.rows).toEqual([{ state: "pending" }]);
    // another provider cannot see that note
    await asRole("authenticated", async (client) => {
      await client.query("select set_config('request.jwt.claims', $1, false)", [
        JSON.stringify({ sub: "0d4b5c55-9a7e-4a43-8f3e-6a1f2b7c9d10", role: "authenticated" }),
      ]);
      const other = await client.query("select id from public.soap_notes where id = $1", [noteId]);
      expect(other.rowCount).toBe(0);
    });
  });

  it("row-level security is on for every ehr-sync table, as a second wall", async () => {
    const { rows } = await db.client.query<{ name: string; rls: boolean }>(
      `select c.oid::regclass::text as name, c.relrowsecurity as rls
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('ehr_sync', 'ehr_sync_supabase') and c.relkind in ('r', 'p')`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => !r.rls)).toEqual([]);
  });
});
