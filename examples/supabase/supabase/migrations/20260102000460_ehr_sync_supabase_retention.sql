-- Retention: ehr_sync.queue keeps a copy of every signed note (the payload) and ehr_sync.attempts a row
-- per attempt, until they are pruned. Once a day, pg_cron drops the note copies of jobs delivered more
-- than 7 days ago and the attempt rows of finished jobs older than 30 days (ehr_sync.prune; dead jobs
-- keep their copy so they can be requeued). Change the periods in the command to suit your policy.
DO $retention$
BEGIN
  IF to_regnamespace('cron') IS NULL THEN
    RAISE NOTICE 'ehr-sync: pg_cron is not installed in database %; retention was not scheduled (run select ehr_sync.prune() yourself)',
      current_database();
    RETURN;
  END IF;
  -- cron.schedule updates a job of the same name in place, so re-running this migration is a no-op.
  PERFORM cron.schedule(
    'ehr-sync-prune',
    '37 3 * * *',
    $$select ehr_sync.prune(interval '7 days', interval '30 days')$$
  );
END
$retention$;
