-- The safety net: pg_cron calls the Edge Function every 5 minutes, whatever happened to the doorbells
-- (function down, deploy in progress, request lost). The function answers 202 at once and drains in
-- the background, so the call holds pg_net's worker (and every other net.http_* request of the
-- project) for milliseconds, not for the whole drain; what the run did is in ehr_sync_supabase.runs.
-- A second job prunes that record and cron.job_run_details.
--
-- The command is a SQL function so it can be run (and tested) by hand: select ehr_sync_supabase.run_safety_net();
CREATE OR REPLACE FUNCTION ehr_sync_supabase.run_safety_net()
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = ''
AS $$
  -- pg_net's default 5 s: enough for the 202 (a cold start included); the run itself is not awaited.
  SELECT ehr_sync_supabase.ring_doorbell('cron', 5000);
$$;

DO $cron$
BEGIN
  IF to_regnamespace('cron') IS NULL THEN
    RAISE NOTICE 'ehr-sync: pg_cron is not installed in database %; the safety-net job was not scheduled',
      current_database();
    RETURN;
  END IF;
  -- cron.schedule updates a job of the same name in place, so re-running this migration is a no-op.
  PERFORM cron.schedule(
    'process-ehr-sync-queue-every-5-minutes',
    '*/5 * * * *',
    'select ehr_sync_supabase.run_safety_net()'
  );
  PERFORM cron.schedule(
    'ehr-sync-prune-cron-history',
    '17 3 * * *',
    'select ehr_sync_supabase.prune_history()'
  );
  -- Monitoring: the safety net's run history (did the job run, how long, did it fail?). Created here
  -- because it can only exist where pg_cron does.
  EXECUTE $view$
    CREATE OR REPLACE VIEW ehr_sync_supabase.cron_runs WITH (security_invoker = true) AS
    SELECT j.jobname, d.runid, d.status, d.return_message, d.start_time, d.end_time,
           d.end_time - d.start_time AS duration
    FROM cron.job_run_details d
    JOIN cron.job j ON j.jobid = d.jobid
    WHERE j.jobname IN ('process-ehr-sync-queue-every-5-minutes', 'ehr-sync-prune-cron-history')
    ORDER BY d.start_time DESC
  $view$;
  COMMENT ON VIEW ehr_sync_supabase.cron_runs IS 'ehr-sync: pg_cron run history of the safety net, newest first';
END
$cron$;
