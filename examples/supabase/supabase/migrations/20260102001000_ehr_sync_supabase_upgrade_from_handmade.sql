-- Upgrade in place from the hand-made setup ehr-sync replaces (soap_notes + ehrbase_sync_queue + a
-- trigger + the pg_cron job `process-ehr-sync-queue-every-5-minutes` calling http_post): see the
-- README, "Coming from the hand-made setup". On a project that never had it, this finds nothing to do.
-- One statement, so one transaction; re-running it changes nothing. The rows it returns say what it
-- did; `select * from ehr_sync.upgrade_from_handmade(p_dry_run => true, p_job_command => …)` with the
-- same arguments says the same before anything changes.
SELECT * FROM ehr_sync.upgrade_from_handmade(
  p_dry_run => false,
  p_job_command => 'select ehr_sync_supabase.run_safety_net()'
);
