-- Supabase platform pieces ehr-sync relies on: pg_net (the doorbell), Vault (the function URL and key),
-- pg_cron (the safety net). On Supabase all three are available; each is created only where it can be,
-- so the migrations also apply to a plain PostgreSQL that provides stand-ins (see README, "Stand-ins").
DO $extensions$
BEGIN
  -- pg_net works only when preloaded (CREATE EXTENSION fails otherwise), and never take over a schema
  -- `net` that something else already provides (the real extension, or a test bed's stand-in).
  IF to_regnamespace('net') IS NULL
     AND EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_net')
     AND 'pg_net' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) THEN
    CREATE EXTENSION IF NOT EXISTS pg_net;
  END IF;
  IF to_regprocedure('net.http_post(text,jsonb,jsonb,jsonb,integer)') IS NULL THEN
    RAISE WARNING 'ehr-sync: pg_net is not available in database % (enable it, or add it to '
      'shared_preload_libraries); the doorbell cannot ring until it is', current_database();
  END IF;
  IF EXISTS (SELECT FROM pg_available_extensions WHERE name = 'supabase_vault') THEN
    CREATE EXTENSION IF NOT EXISTS supabase_vault;
  END IF;
  -- pg_cron can only live in the database named by cron.database_name (`postgres` on Supabase).
  IF EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_cron')
     AND current_database() = coalesce(current_setting('cron.database_name', true), 'postgres') THEN
    CREATE EXTENSION IF NOT EXISTS pg_cron;
  END IF;
END
$extensions$;

-- Supabase-specific glue lives in its own schema, away from the shared ehr_sync schema.
CREATE SCHEMA IF NOT EXISTS ehr_sync_supabase;
COMMENT ON SCHEMA ehr_sync_supabase IS
  'ehr-sync glue for Supabase: the doorbell, the pg_cron safety net and the monitoring views.';
