-- ehr-sync 0008: a failed attempt is logged in the same statement as its transition, as complete_batch
-- (0005) does for a success. reschedule, bury and pause_destination take the worker and the attempt's
-- details (p_attempt: {action, http_status, duration_ms, outcome, error_class}) and write the attempt
-- row themselves, so the audit trail and the job's state can no longer disagree, and a failure costs
-- one statement instead of two. ehr_sync.complete (0002), which nothing calls since complete_batch, is
-- dropped. Re-applicable: every step is CREATE OR REPLACE or DROP … IF EXISTS.

-- Appends a failed attempt, once per lease: a caller whose first call committed but whose answer was
-- lost (a dropped connection) may call again, and the attempt is not logged twice. A lease ends in one
-- failure at most; its look-ups (action 'reconcile', outcome 'success') are logged apart.
CREATE OR REPLACE FUNCTION ehr_sync.log_failed_attempt(p_id bigint, p_token uuid, p_worker text, p_attempt jsonb)
RETURNS void LANGUAGE sql SET search_path = '' AS $$
  INSERT INTO ehr_sync.attempts (job_id, worker_id, lease_token, action, http_status, duration_ms, outcome, error_class)
  SELECT p_id, p_worker, p_token, a.action, a.http_status, coalesce(a.duration_ms, 0), a.outcome, a.error_class
    FROM jsonb_to_record(p_attempt) AS a(action text, http_status integer, duration_ms integer, outcome text, error_class text)
   WHERE NOT EXISTS (SELECT 1 FROM ehr_sync.attempts x
                      WHERE x.job_id = p_id AND x.lease_token = p_token AND x.outcome <> 'success');
$$;

-- Copies who may EXECUTE a function being replaced to its new signature (the Supabase function role,
-- a role given ehr_sync.grant_worker), so an installed worker role keeps working after this upgrade.
CREATE OR REPLACE FUNCTION ehr_sync.copy_execute_grants(p_from regprocedure, p_to regprocedure)
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_grantee name;
BEGIN
  FOR v_grantee IN
    SELECT r.rolname FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) acl
      JOIN pg_catalog.pg_roles r ON r.oid = acl.grantee
     WHERE p.oid = p_from AND acl.privilege_type = 'EXECUTE'
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', p_to, v_grantee);
  END LOOP;
END;
$$;

-- An attempt failed and will be tried again after p_delay_ms (decided by @ehr-sync/core).
CREATE OR REPLACE FUNCTION ehr_sync.reschedule(
  p_id bigint, p_token uuid, p_worker text, p_attempt jsonb,
  p_delay_ms integer, p_error_class text, p_error text, p_reconcile_first boolean
) RETURNS boolean LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_job ehr_sync.queue;
  v_newer bigint;
BEGIN
  -- Logged whether or not the lease still holds: the request did happen.
  PERFORM ehr_sync.log_failed_attempt(p_id, p_token, p_worker, p_attempt);
  UPDATE ehr_sync.queue
     SET state = 'retry_scheduled', attempts = attempts + 1, last_error_class = p_error_class, last_error = p_error,
         reconcile_first = p_reconcile_first, next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0),
         lease_token = NULL, lease_expires_at = NULL, updated_at = now()
   WHERE id = p_id AND lease_token = p_token AND state = 'leased'
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  -- Under 'supersede', a newer version of the same note that arrived meanwhile takes over from this one.
  SELECT q.id INTO v_newer FROM ehr_sync.queue q, ehr_sync.destination d
   WHERE d.id = 'default' AND d.ordering = 'supersede' AND q.note_id = v_job.note_id
     AND q.source_table IS NOT DISTINCT FROM v_job.source_table
     AND q.note_version > v_job.note_version AND q.state IN ('pending', 'retry_scheduled', 'leased')
   ORDER BY q.note_version DESC LIMIT 1;
  IF v_newer IS NOT NULL AND NOT v_job.reconcile_first THEN
    UPDATE ehr_sync.queue SET state = 'succeeded', superseded_by = v_newer, last_error_class = 'superseded',
           completed_at = now(), updated_at = now()
     WHERE id = p_id;
    RETURN true;
  END IF;
  PERFORM ehr_sync.write_back(v_job, 'pending');
  RETURN true;
END;
$$;

-- The job cannot succeed (bad input, permanent rejection, out of attempts or age): it goes dead with
-- a PHI-free reason, and other jobs carry on.
CREATE OR REPLACE FUNCTION ehr_sync.bury(
  p_id bigint, p_token uuid, p_worker text, p_attempt jsonb, p_error_class text, p_error text
) RETURNS boolean LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_job ehr_sync.queue;
BEGIN
  PERFORM ehr_sync.log_failed_attempt(p_id, p_token, p_worker, p_attempt);
  UPDATE ehr_sync.queue
     SET state = 'dead', attempts = attempts + 1, last_error_class = p_error_class, last_error = p_error,
         lease_token = NULL, lease_expires_at = NULL, completed_at = now(), updated_at = now()
   WHERE id = p_id AND lease_token = p_token AND state = 'leased'
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  PERFORM ehr_sync.write_back(v_job, 'failed');
  RETURN true;
END;
$$;

-- The destination itself is failing (wrong credentials, template missing, unreachable): pause it for
-- everyone and hand the job back without spending an attempt. Jobs that fail while a pause is already
-- on (they were in flight) do not count it again, so consecutive_pauses counts probes, and the engine
-- grows the next pause with it.
CREATE OR REPLACE FUNCTION ehr_sync.pause_destination(
  p_id bigint, p_token uuid, p_worker text, p_attempt jsonb, p_delay_ms integer, p_error_class text, p_error text
) RETURNS boolean LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_until timestamptz := now() + make_interval(secs => p_delay_ms / 1000.0);
  v_job ehr_sync.queue;
BEGIN
  PERFORM ehr_sync.log_failed_attempt(p_id, p_token, p_worker, p_attempt);
  UPDATE ehr_sync.queue
     SET state = 'pending', last_error_class = p_error_class, last_error = p_error, next_attempt_at = v_until,
         lease_token = NULL, lease_expires_at = NULL, updated_at = now()
   WHERE id = p_id AND lease_token = p_token AND state = 'leased'
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE ehr_sync.destination
     SET consecutive_pauses = consecutive_pauses
           + CASE WHEN paused_until IS NOT NULL AND paused_until > now() THEN 0 ELSE 1 END,
         paused_since = coalesce(paused_since, now()),
         paused_until = greatest(coalesce(paused_until, v_until), v_until), pause_reason = p_error_class,
         updated_at = now()
   WHERE id = 'default';
  PERFORM ehr_sync.write_back(v_job, 'pending');
  RETURN true;
END;
$$;

-- Whoever could run the old signatures may run the new ones; then the old ones go.
DO $upgrade$
BEGIN
  IF to_regprocedure('ehr_sync.reschedule(bigint, uuid, integer, text, text, boolean)') IS NOT NULL THEN
    PERFORM ehr_sync.copy_execute_grants('ehr_sync.reschedule(bigint, uuid, integer, text, text, boolean)',
      'ehr_sync.reschedule(bigint, uuid, text, jsonb, integer, text, text, boolean)');
  END IF;
  IF to_regprocedure('ehr_sync.bury(bigint, uuid, text, text)') IS NOT NULL THEN
    PERFORM ehr_sync.copy_execute_grants('ehr_sync.bury(bigint, uuid, text, text)',
      'ehr_sync.bury(bigint, uuid, text, jsonb, text, text)');
  END IF;
  IF to_regprocedure('ehr_sync.pause_destination(bigint, uuid, integer, text, text)') IS NOT NULL THEN
    PERFORM ehr_sync.copy_execute_grants('ehr_sync.pause_destination(bigint, uuid, integer, text, text)',
      'ehr_sync.pause_destination(bigint, uuid, text, jsonb, integer, text, text)');
  END IF;
END
$upgrade$;

DROP FUNCTION IF EXISTS ehr_sync.reschedule(bigint, uuid, integer, text, text, boolean);
DROP FUNCTION IF EXISTS ehr_sync.bury(bigint, uuid, text, text);
DROP FUNCTION IF EXISTS ehr_sync.pause_destination(bigint, uuid, integer, text, text);
DROP FUNCTION IF EXISTS ehr_sync.complete(bigint, uuid, uuid, text);
DROP FUNCTION IF EXISTS ehr_sync.copy_execute_grants(regprocedure, regprocedure);
