-- An honest record of every invocation. pg_cron's history says "succeeded" as soon as a request is
-- queued, and pg_net's response to the function's 202 only says "accepted"; what a run really did is
-- written here by the function itself. Two tables, joined by the `runs` view (see _runs_view.sql):
--   calls    one row per request the database asked pg_net to send (doorbell, cron), with pg_net's
--            request id, so its response (or its connection error) can be found in net._http_response;
--   run_log  one row per invocation the function accepted: trigger, counts, why it stopped, duration.
-- Counts, ids and classes only: never a note, a patient or an error text.

CREATE SEQUENCE IF NOT EXISTS ehr_sync_supabase.calls_id_seq;

CREATE TABLE IF NOT EXISTS ehr_sync_supabase.calls (
  id bigint PRIMARY KEY,
  trigger text NOT NULL,
  net_request_id bigint,
  called_at timestamptz NOT NULL DEFAULT now()
);
-- The smallest queue job id a doorbell rang for (NULL for cron): the function claims from it first.
ALTER TABLE ehr_sync_supabase.calls ADD COLUMN IF NOT EXISTS first_job_id bigint;
CREATE INDEX IF NOT EXISTS calls_called_at_idx ON ehr_sync_supabase.calls (called_at);
COMMENT ON TABLE ehr_sync_supabase.calls IS 'ehr-sync: requests to the Edge Function handed to pg_net (doorbell, cron)';

CREATE TABLE IF NOT EXISTS ehr_sync_supabase.run_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The call that started the run (NULL when the function was called by hand).
  call_id bigint,
  trigger text NOT NULL CHECK (trigger IN ('doorbell', 'cron', 'manual')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  claimed integer,
  -- Items the first claim found: a doorbell run that found its note at once shows >= 1 here.
  first_claim integer,
  delivered integer,
  retried integer,
  dead integer,
  released integer,
  skipped integer,
  errors integer,
  rounds integer,
  -- queue_empty | deadline | cpu_budget | failed
  stopped_because text,
  -- A machine-readable class when the run failed (e.g. a SQLSTATE), never a message.
  error_code text,
  duration_ms integer
);
-- Whether the run's first claim included a job the doorbell rang for (NULL when it rang for none).
ALTER TABLE ehr_sync_supabase.run_log ADD COLUMN IF NOT EXISTS first_claim_rung_for boolean;
CREATE INDEX IF NOT EXISTS run_log_started_at_idx ON ehr_sync_supabase.run_log (started_at);
CREATE INDEX IF NOT EXISTS run_log_call_id_idx ON ehr_sync_supabase.run_log (call_id);
COMMENT ON TABLE ehr_sync_supabase.run_log IS 'ehr-sync: one row per Edge Function invocation, written by the function';

-- Called by the function when it accepts a request; returns the run id it answers with.
CREATE OR REPLACE FUNCTION ehr_sync_supabase.begin_run(p_trigger text, p_call_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = ''
AS $$
  INSERT INTO ehr_sync_supabase.run_log (trigger, call_id) VALUES (p_trigger, p_call_id) RETURNING id;
$$;

-- Called by the function right after its first claim, so a run that drains for minutes already shows
-- whether it found what its doorbell rang for (finish_run writes the same values again at the end).
CREATE OR REPLACE FUNCTION ehr_sync_supabase.record_first_claim(p_id bigint, p_first_claim integer, p_rung_for boolean)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = ''
AS $$
  UPDATE ehr_sync_supabase.run_log SET first_claim = p_first_claim, first_claim_rung_for = p_rung_for
   WHERE id = p_id AND finished_at IS NULL;
$$;

-- Called by the function when the run is over, with its summary (counts and timings only).
CREATE OR REPLACE FUNCTION ehr_sync_supabase.finish_run(p_id bigint, p_summary jsonb)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = ''
AS $$
  UPDATE ehr_sync_supabase.run_log
     SET finished_at = now(),
         claimed = (p_summary ->> 'claimed')::integer,
         first_claim = (p_summary ->> 'firstClaim')::integer,
         first_claim_rung_for = (p_summary ->> 'firstClaimRungFor')::boolean,
         delivered = (p_summary ->> 'succeeded')::integer,
         retried = (p_summary ->> 'retried')::integer,
         dead = (p_summary ->> 'dead')::integer,
         released = (p_summary ->> 'released')::integer,
         skipped = (p_summary ->> 'skipped')::integer,
         errors = (p_summary ->> 'errors')::integer,
         rounds = (p_summary ->> 'rounds')::integer,
         stopped_because = p_summary ->> 'stoppedBecause',
         error_code = left(p_summary ->> 'errorCode', 40),
         duration_ms = (p_summary #>> '{durations,totalMs}')::integer
   WHERE id = p_id AND finished_at IS NULL;
$$;

-- Keeps the record bounded, like pg_cron's history (scheduled daily by _runs_view.sql).
CREATE OR REPLACE FUNCTION ehr_sync_supabase.prune_history(p_keep interval DEFAULT interval '7 days')
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  DELETE FROM ehr_sync_supabase.run_log WHERE started_at < now() - p_keep;
  DELETE FROM ehr_sync_supabase.calls WHERE called_at < now() - p_keep;
  IF to_regclass('cron.job_run_details') IS NOT NULL THEN
    EXECUTE 'DELETE FROM cron.job_run_details WHERE end_time < now() - $1' USING p_keep;
  END IF;
END
$$;
