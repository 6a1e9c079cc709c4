-- The Edge Function's own database role, so it does not work as `postgres` (which can read every
-- table, all of Vault, and change the schema). `ehr_sync_function` may only:
--   * run the queue: the ehr_sync functions, and read/insert/update the ehr_sync tables (no DELETE,
--     no TRUNCATE, no DDL); the note content travels in the queue row, so it needs no app table;
--   * write the sync status back to public.soap_notes: UPDATE of the five ehr_sync columns only, and
--     SELECT of the columns that statement reads (never the note text);
--   * record its runs (begin_run, record_first_claim, finish_run) and read its own key (function_secret), not Vault.
-- Row-level security stays on: the role gets policies of its own, nothing opens to anon/authenticated.
--
-- The role is created without a password (NOLOGIN). To let the function use it:
--   alter role ehr_sync_function with login password '<a long random password>';
--   supabase secrets set EHR_SYNC_DATABASE_URL='postgresql://ehr_sync_function.<ref>:<password>@<pooler host>:6543/postgres'
-- (EHR_SYNC_DATABASE_URL takes precedence over SUPABASE_DB_URL.) Another app table attached with
-- ehr_sync.attach_note_trigger needs the same two column grants and policy as soap_notes below.
DO $role$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ehr_sync_function') THEN
    CREATE ROLE ehr_sync_function NOLOGIN NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- created meanwhile by a concurrent migration of another database: same role
END
$role$;

DO $grants$
DECLARE
  relation record;
BEGIN
  GRANT USAGE ON SCHEMA ehr_sync, ehr_sync_supabase TO ehr_sync_function;
  GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ehr_sync TO ehr_sync_function;
  GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ehr_sync TO ehr_sync_function;
  GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ehr_sync TO ehr_sync_function;
  GRANT EXECUTE ON FUNCTION ehr_sync_supabase.begin_run(text, bigint),
                            ehr_sync_supabase.finish_run(bigint, jsonb),
                            ehr_sync_supabase.record_first_claim(bigint, integer, boolean),
                            ehr_sync_supabase.function_secret(text) TO ehr_sync_function;

  FOR relation IN
    SELECT c.oid::regclass AS name FROM pg_class c
     WHERE c.relnamespace = 'ehr_sync'::regnamespace AND c.relkind IN ('r', 'p')
  LOOP
    EXECUTE format('DROP POLICY IF EXISTS ehr_sync_function_all ON %s', relation.name);
    EXECUTE format('CREATE POLICY ehr_sync_function_all ON %s FOR ALL TO ehr_sync_function USING (true) WITH CHECK (true)',
                   relation.name);
  END LOOP;

  IF to_regclass('public.soap_notes') IS NOT NULL THEN
    GRANT SELECT (id, version, ehr_composition_uid, ehr_synced_at) ON public.soap_notes TO ehr_sync_function;
    GRANT UPDATE (ehr_sync_status, ehr_sync_error, retry_count, ehr_composition_uid, ehr_synced_at)
      ON public.soap_notes TO ehr_sync_function;
    DROP POLICY IF EXISTS soap_notes_ehr_sync_function_select ON public.soap_notes;
    CREATE POLICY soap_notes_ehr_sync_function_select ON public.soap_notes
      FOR SELECT TO ehr_sync_function USING (true);
    DROP POLICY IF EXISTS soap_notes_ehr_sync_function_write_back ON public.soap_notes;
    CREATE POLICY soap_notes_ehr_sync_function_write_back ON public.soap_notes
      FOR UPDATE TO ehr_sync_function USING (true) WITH CHECK (true);
  END IF;
END
$grants$;
