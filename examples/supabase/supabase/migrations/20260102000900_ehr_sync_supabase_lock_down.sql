-- Keep the queue away from the Data API roles. On Supabase, `anon` and `authenticated` reach the
-- database through PostgREST with whatever privileges they hold, and PostgreSQL grants EXECUTE on
-- every new function to PUBLIC. So: no schema usage, no table, sequence or function privileges, and
-- row-level security switched on with no policy (deny by default) as a second wall, for every table
-- of both ehr-sync schemas, present and future. `service_role` (server-side only) keeps access for
-- the supabase-js RPC variant and for the monitoring views; the Edge Function itself connects as
-- `postgres` through SUPABASE_DB_URL.
DO $lock$
DECLARE
  target_schema text;
  relation record;
BEGIN
  FOREACH target_schema IN ARRAY ARRAY['ehr_sync', 'ehr_sync_supabase'] LOOP
    IF to_regnamespace(target_schema) IS NULL THEN
      CONTINUE;
    END IF;
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC, anon, authenticated', target_schema);
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM PUBLIC, anon, authenticated', target_schema);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM PUBLIC, anon, authenticated', target_schema);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM PUBLIC, anon, authenticated', target_schema);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM PUBLIC, anon, authenticated', target_schema);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM PUBLIC, anon, authenticated', target_schema);
    -- (EXECUTE for PUBLIC is a global default that a per-schema rule cannot take away; without USAGE on
    -- the schema, anon and authenticated cannot reach a future function anyway.)

    EXECUTE format('GRANT USAGE ON SCHEMA %I TO service_role', target_schema);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO service_role', target_schema);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO service_role', target_schema);

    FOR relation IN
      SELECT c.oid::regclass AS name
      FROM pg_class c
      WHERE c.relnamespace = to_regnamespace(target_schema) AND c.relkind IN ('r', 'p')
    LOOP
      EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', relation.name);
    END LOOP;
  END LOOP;
END
$lock$;
