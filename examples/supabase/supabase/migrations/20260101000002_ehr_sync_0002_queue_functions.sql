-- ehr-sync 0002: every queue transition as a SQL function. Each one checks the lease token (a worker
-- whose lease was taken over is fenced out), reads time only from the database clock, and is a
-- single statement's worth of work: no transaction stays open across an HTTP call, and nothing
-- depends on session state, so the functions work through a transaction-mode pooler.

-- Mirrors the job's state onto the app's note row, for the version the job carries.
CREATE OR REPLACE FUNCTION ehr_sync.write_back(p_job ehr_sync.queue, p_status text)
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF p_job.source_table IS NULL THEN
    RETURN;
  END IF;
  EXECUTE format(
    'UPDATE %s AS t SET ehr_sync_status = $1, ehr_sync_error = $2, retry_count = $3, '
    'ehr_composition_uid = coalesce($4, t.ehr_composition_uid), '
    'ehr_synced_at = CASE WHEN $1 = ''completed'' THEN now() ELSE t.ehr_synced_at END '
    'WHERE t.id::text = $5 AND coalesce((to_jsonb(t) ->> ''version'')::int, 1) = $6',
    p_job.source_table)
  USING p_status, p_job.last_error, p_job.attempts, p_job.composition_uid, p_job.note_id, p_job.note_version;
END;
$$;

-- Queues one version of a note (idempotent per note version) and rings the doorbell.
CREATE OR REPLACE FUNCTION ehr_sync.enqueue(
  p_note_id text, p_note_version integer, p_patient_key text, p_payload jsonb, p_source_table regclass DEFAULT NULL
) RETURNS bigint LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_id bigint;
  v_ordering text;
BEGIN
  INSERT INTO ehr_sync.queue (note_id, note_version, patient_key, idempotency_key, payload, source_table)
  VALUES (p_note_id, p_note_version, p_patient_key, p_note_id || ':' || p_note_version, p_payload, p_source_table)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    RETURN NULL;
  END IF;

  SELECT ordering INTO v_ordering FROM ehr_sync.destination WHERE id = 'default';
  IF v_ordering = 'supersede' THEN
    -- Older versions of the same note that nobody is working on are skipped: the newer version carries
    -- the content, and the engine creates or updates the composition as needed.
    UPDATE ehr_sync.queue
       SET state = 'succeeded', superseded_by = v_id, last_error_class = 'superseded', last_error = NULL,
           completed_at = now(), updated_at = now()
     WHERE note_id = p_note_id AND note_version < p_note_version AND state IN ('pending', 'retry_scheduled');
    -- A stale version queued after a newer one is superseded at once.
    UPDATE ehr_sync.queue q
       SET state = 'succeeded', superseded_by = newer.id, last_error_class = 'superseded',
           completed_at = now(), updated_at = now()
      FROM (SELECT id FROM ehr_sync.queue
             WHERE note_id = p_note_id AND note_version > p_note_version ORDER BY note_version DESC LIMIT 1) newer
     WHERE q.id = v_id;
  END IF;

  PERFORM pg_notify('ehr_sync', v_id::text);
  RETURN v_id;
END;
$$;

-- Expired leases go back to the queue. The holder may have sent the request, so one attempt is
-- counted and the next holder looks the composition up before sending again.
CREATE OR REPLACE FUNCTION ehr_sync.rescue_expired_leases()
RETURNS integer LANGUAGE sql SET search_path = '' AS $$
  WITH rescued AS (
    UPDATE ehr_sync.queue
       SET state = 'pending', attempts = attempts + 1, reconcile_first = true, lease_token = NULL,
           lease_expires_at = NULL, leased_by = NULL, last_error_class = 'lease-expired',
           last_error = 'the worker holding the lease stopped answering', next_attempt_at = now(), updated_at = now()
     WHERE state = 'leased' AND lease_expires_at < now()
    RETURNING 1
  )
  SELECT count(*)::integer FROM rescued;
$$;

-- Claims up to p_limit runnable jobs with fresh fencing tokens. SKIP LOCKED lets many workers claim at
-- once without waiting on each other; the ordering policy decides which of a patient's jobs may run.
CREATE OR REPLACE FUNCTION ehr_sync.claim_batch(p_worker text, p_limit integer, p_lease_seconds integer)
RETURNS SETOF ehr_sync.queue LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_ordering text;
  v_paused_until timestamptz;
BEGIN
  PERFORM ehr_sync.rescue_expired_leases();
  SELECT ordering, paused_until INTO v_ordering, v_paused_until FROM ehr_sync.destination WHERE id = 'default';
  IF v_paused_until IS NOT NULL AND v_paused_until > now() THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH candidates AS (
    SELECT q.id
      FROM ehr_sync.queue q
     WHERE q.state IN ('pending', 'retry_scheduled')
       AND q.next_attempt_at <= now()
       -- strict: wait for the patient's older unfinished jobs (dead ones never block).
       AND (v_ordering <> 'strict' OR NOT EXISTS (
             SELECT 1 FROM ehr_sync.queue o
              WHERE o.patient_key = q.patient_key AND o.id < q.id
                AND o.state IN ('pending', 'leased', 'retry_scheduled')))
       -- supersede and strict: versions of one note go in order.
       AND (v_ordering = 'independent' OR NOT EXISTS (
             SELECT 1 FROM ehr_sync.queue o
              WHERE o.note_id = q.note_id AND o.note_version < q.note_version
                AND o.state IN ('pending', 'leased', 'retry_scheduled')))
     ORDER BY q.next_attempt_at, q.id
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED
  )
  UPDATE ehr_sync.queue q
     SET state = 'leased', lease_token = gen_random_uuid(), leased_by = p_worker,
         lease_expires_at = now() + make_interval(secs => p_lease_seconds), updated_at = now()
    FROM candidates c
   WHERE q.id = c.id
  RETURNING q.*;
END;
$$;

CREATE OR REPLACE FUNCTION ehr_sync.heartbeat(p_id bigint, p_token uuid, p_lease_seconds integer)
RETURNS boolean LANGUAGE sql SET search_path = '' AS $$
  WITH extended AS (
    UPDATE ehr_sync.queue SET lease_expires_at = now() + make_interval(secs => p_lease_seconds), updated_at = now()
     WHERE id = p_id AND lease_token = p_token AND state = 'leased'
    RETURNING 1
  )
  SELECT count(*) = 1 FROM extended;
$$;

CREATE OR REPLACE FUNCTION ehr_sync.complete(p_id bigint, p_token uuid, p_ehr_id uuid, p_composition_uid text)
RETURNS boolean LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_job ehr_sync.queue;
BEGIN
  UPDATE ehr_sync.queue
     SET state = 'succeeded', attempts = attempts + 1, ehr_id = p_ehr_id, composition_uid = p_composition_uid,
         last_error_class = NULL, last_error = NULL, reconcile_first = false, lease_token = NULL,
         lease_expires_at = NULL, completed_at = now(), updated_at = now()
   WHERE id = p_id AND lease_token = p_token AND state = 'leased'
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  -- A success proves the destination works again.
  UPDATE ehr_sync.destination SET paused_until = NULL, pause_reason = NULL, consecutive_pauses = 0, updated_at = now()
   WHERE id = 'default' AND (paused_until IS NOT NULL OR consecutive_pauses > 0);
  PERFORM ehr_sync.write_back(v_job, 'completed');
  RETURN true;
END;
$$;

-- An attempt failed and will be tried again after p_delay_ms (decided by @ehr-sync/core).
CREATE OR REPLACE FUNCTION ehr_sync.reschedule(
  p_id bigint, p_token uuid, p_delay_ms integer, p_error_class text, p_error text, p_reconcile_first boolean
) RETURNS boolean LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_job ehr_sync.queue;
  v_newer bigint;
BEGIN
  UPDATE ehr_sync.queue
     SET state = 'retry_scheduled', attempts = attempts + 1, last_error_class = p_error_class, last_error = p_error,
         reconcile_first = p_reconcile_first, next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0),
         lease_token = NULL, lease_expires_at = NULL, updated_at = now()
   WHERE id = p_id AND lease_token = p_token AND state = 'leased'
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  -- Under 'supersede', a newer version that arrived meanwhile takes over from this one.
  SELECT q.id INTO v_newer FROM ehr_sync.queue q, ehr_sync.destination d
   WHERE d.id = 'default' AND d.ordering = 'supersede' AND q.note_id = v_job.note_id
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
CREATE OR REPLACE FUNCTION ehr_sync.bury(p_id bigint, p_token uuid, p_error_class text, p_error text)
RETURNS boolean LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_job ehr_sync.queue;
BEGIN
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

-- The destination itself is failing (wrong credentials, template missing): pause it for everyone and
-- hand the job back without spending an attempt.
CREATE OR REPLACE FUNCTION ehr_sync.pause_destination(
  p_id bigint, p_token uuid, p_delay_ms integer, p_error_class text, p_error text
) RETURNS boolean LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_until timestamptz := now() + make_interval(secs => p_delay_ms / 1000.0);
  v_job ehr_sync.queue;
BEGIN
  UPDATE ehr_sync.queue
     SET state = 'pending', last_error_class = p_error_class, last_error = p_error, next_attempt_at = v_until,
         lease_token = NULL, lease_expires_at = NULL, updated_at = now()
   WHERE id = p_id AND lease_token = p_token AND state = 'leased'
  RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE ehr_sync.destination
     SET paused_until = greatest(coalesce(paused_until, v_until), v_until), pause_reason = p_error_class,
         consecutive_pauses = consecutive_pauses + 1, updated_at = now()
   WHERE id = 'default';
  PERFORM ehr_sync.write_back(v_job, 'pending');
  RETURN true;
END;
$$;

-- Hands a leased job back untouched (shutdown, deadline): no attempt is counted.
CREATE OR REPLACE FUNCTION ehr_sync.release(p_id bigint, p_token uuid)
RETURNS boolean LANGUAGE sql SET search_path = '' AS $$
  WITH released AS (
    UPDATE ehr_sync.queue
       SET state = 'pending', lease_token = NULL, lease_expires_at = NULL, leased_by = NULL,
           next_attempt_at = now(), updated_at = now()
     WHERE id = p_id AND lease_token = p_token AND state = 'leased'
    RETURNING 1
  )
  SELECT count(*) = 1 FROM released;
$$;

-- Operator action: dead jobs (all, or the given ids) get a fresh retry window. The earlier attempt
-- may have reached EHRbase, so the composition is looked up before any resend.
CREATE OR REPLACE FUNCTION ehr_sync.requeue_dead(p_ids bigint[] DEFAULT NULL)
RETURNS integer LANGUAGE sql SET search_path = '' AS $$
  WITH requeued AS (
    UPDATE ehr_sync.queue
       SET state = 'pending', attempts_at_window_start = attempts, first_enqueued_at = now(), next_attempt_at = now(),
           reconcile_first = true, completed_at = NULL, updated_at = now()
     WHERE state = 'dead' AND (p_ids IS NULL OR id = ANY (p_ids))
    RETURNING id
  ), rang AS (
    SELECT pg_notify('ehr_sync', 'requeue') FROM requeued LIMIT 1
  )
  SELECT (SELECT count(*)::integer FROM requeued) + 0 * (SELECT count(*) FROM rang);
$$;

CREATE OR REPLACE FUNCTION ehr_sync.record_attempt(
  p_job_id bigint, p_worker text, p_token uuid, p_action text, p_http_status integer, p_duration_ms integer,
  p_outcome text, p_error_class text
) RETURNS void LANGUAGE sql SET search_path = '' AS $$
  INSERT INTO ehr_sync.attempts (job_id, worker_id, lease_token, action, http_status, duration_ms, outcome, error_class)
  VALUES (p_job_id, p_worker, p_token, p_action, p_http_status, p_duration_ms, p_outcome, p_error_class);
$$;

CREATE OR REPLACE FUNCTION ehr_sync.remember_ehr(p_patient_key text, p_ehr_id uuid)
RETURNS void LANGUAGE sql SET search_path = '' AS $$
  INSERT INTO ehr_sync.patient_ehr (patient_key, ehr_id) VALUES (p_patient_key, p_ehr_id)
  ON CONFLICT (patient_key) DO NOTHING;
$$;

-- Counts by state and the age of the oldest runnable job, for dashboards and `ehr-sync status`.
CREATE OR REPLACE VIEW ehr_sync.queue_status AS
SELECT s.state,
       count(q.id)::integer AS jobs,
       extract(epoch FROM now() - min(q.enqueued_at))::double precision AS oldest_age_seconds
  FROM (VALUES ('pending'), ('leased'), ('retry_scheduled'), ('succeeded'), ('dead')) AS s(state)
  LEFT JOIN ehr_sync.queue q ON q.state = s.state
 GROUP BY s.state;
