-- ehr-sync + pg_cron: safety nets around the Node worker. Run in the database pg_cron is installed in
-- (cron.database_name, usually `postgres`); replace `app` with the database holding the ehr_sync schema.
-- Re-running is safe: cron.schedule_in_database updates a job with the same name.

-- 1. Ring the doorbell every minute. The worker wakes on NOTIFY; if a notification was missed (the
--    listener was reconnecting), jobs that are due (retries, paused destination resuming) are claimed
--    within a minute even with a long poll interval.
SELECT cron.schedule_in_database(
  'ehr-sync-doorbell', '* * * * *',
  $$SELECT pg_notify('ehr_sync', 'cron')
      WHERE EXISTS (SELECT 1 FROM ehr_sync.queue
                     WHERE state IN ('pending', 'retry_scheduled') AND next_attempt_at <= now())$$,
  'app');

-- 2. Hand back leases whose worker died, even while no worker is claiming (claim_batch also does it).
SELECT cron.schedule_in_database(
  'ehr-sync-rescue-leases', '* * * * *',
  $$SELECT ehr_sync.rescue_expired_leases()$$,
  'app');

-- 3. pg_cron logs every run in cron.job_run_details, which grows forever: keep a week.
SELECT cron.schedule(
  'ehr-sync-prune-cron-history', '17 3 * * *',
  $$DELETE FROM cron.job_run_details WHERE end_time < now() - interval '7 days'$$);

-- 4. Retention: drop the note copies of jobs delivered more than 7 days ago and the attempt rows of
--    finished jobs older than 30 days (dead jobs keep their copy so they can be requeued).
SELECT cron.schedule_in_database(
  'ehr-sync-prune', '37 3 * * *',
  $$SELECT ehr_sync.prune(interval '7 days', interval '30 days')$$,
  'app');

-- To remove: SELECT cron.unschedule('ehr-sync-doorbell'); SELECT cron.unschedule('ehr-sync-rescue-leases');
--            SELECT cron.unschedule('ehr-sync-prune-cron-history'); SELECT cron.unschedule('ehr-sync-prune');
