-- `select * from ehr_sync_supabase.runs` shows what each call to the Edge Function really did, newest
-- first: the call the database made (doorbell or cron), what pg_net got back (the 202, a 401, or a
-- connection error), the function's own record of the run (counts, why it stopped, how long), and,
-- for the safety net, the pg_cron run that made the call. A run started by hand has no call; a call
-- refused with 401 (wrong key) or never delivered has no run. Built from what exists here: without
-- pg_net or pg_cron the corresponding columns are NULL.
DO $runs$
DECLARE
  has_net boolean := to_regclass('net._http_response') IS NOT NULL AND to_regclass('net.http_request_queue') IS NOT NULL;
  has_cron boolean := to_regclass('cron.job_run_details') IS NOT NULL;
BEGIN
  EXECUTE format($view$
    CREATE OR REPLACE VIEW ehr_sync_supabase.runs WITH (security_invoker = true) AS
    SELECT coalesce(c.called_at, r.started_at) AS at,
           coalesce(r.trigger, c.trigger) AS trigger,
           CASE
             -- No run outlives the platform's 400 s wall-clock limit: one without an end was killed.
             WHEN r.id IS NOT NULL AND r.finished_at IS NULL AND r.started_at < now() - interval '10 minutes'
               THEN 'no end recorded'
             WHEN r.id IS NOT NULL AND r.finished_at IS NULL THEN 'running'
             WHEN r.id IS NOT NULL THEN r.stopped_because
             WHEN %1$s THEN 'waiting in pg_net'
             WHEN %2$s IS NOT NULL THEN 'refused: HTTP ' || %2$s
             WHEN %3$s THEN 'timed out'
             WHEN %4$s IS NOT NULL THEN 'not delivered'
             ELSE 'no answer recorded'
           END AS outcome,
           %2$s AS http_status,
           %4$s AS net_error,
           r.claimed, r.first_claim, r.delivered, r.retried, r.dead, r.released, r.skipped, r.errors,
           r.stopped_because, r.error_code, r.duration_ms, r.finished_at,
           %5$s AS cron_status,
           c.id AS call_id, c.net_request_id, r.id AS run_id,
           -- Appended (CREATE OR REPLACE VIEW only adds columns at the end): the doorbell's first job
           -- and whether the run's first claim took it (see ehr_sync.claim_batch's prefer_from_id).
           c.first_job_id, r.first_claim_rung_for
      FROM ehr_sync_supabase.calls c
      FULL JOIN ehr_sync_supabase.run_log r ON r.call_id = c.id
      %6$s
      %7$s
     ORDER BY 1 DESC, r.id DESC NULLS LAST
  $view$,
    CASE WHEN has_net THEN 'EXISTS (SELECT FROM net.http_request_queue q WHERE q.id = c.net_request_id)' ELSE 'false' END,
    CASE WHEN has_net THEN 'resp.status_code' ELSE 'NULL::integer' END,
    CASE WHEN has_net THEN 'coalesce(resp.timed_out, false)' ELSE 'false' END,
    CASE WHEN has_net THEN 'resp.error_msg' ELSE 'NULL::text' END,
    CASE WHEN has_cron THEN 'cr.status' ELSE 'NULL::text' END,
    CASE WHEN has_net THEN 'LEFT JOIN net._http_response resp ON resp.id = c.net_request_id' ELSE '' END,
    CASE WHEN has_cron THEN $cron$
      LEFT JOIN LATERAL (
        SELECT d.status FROM cron.job_run_details d JOIN cron.job j ON j.jobid = d.jobid
         WHERE c.trigger = 'cron' AND j.command LIKE '%%run_safety_net%%'
           AND d.start_time <= c.called_at AND c.called_at <= coalesce(d.end_time, 'infinity')
         ORDER BY d.start_time DESC LIMIT 1) cr ON true
    $cron$ ELSE '' END);
  COMMENT ON VIEW ehr_sync_supabase.runs IS
    'ehr-sync: every call to the Edge Function and what it really did (pg_net response, run counts, pg_cron run), newest first';
END
$runs$;
