-- ehr-sync 0005: fewer round trips and less work per delivered note.
--
-- * complete_batch: a worker hands in every finished delivery it has (one or many) in one statement;
--   each item's attempt is logged and its job completed in the same transaction, so the attempt log
--   and the queue can no longer disagree, and N deliveries cost one round trip instead of 2N. A retry
--   of a call that committed but lost its answer is recognised: a completed job keeps the token of the
--   lease that completed it.
-- * write_back compared `id::text` with the note id, which no index can serve: every completion
--   scanned the whole notes table. It now casts the note id to the id column's own type, writes a
--   whole batch per app table in one statement.
-- * claim_batch rescued expired leases through a second function call on every claim; it now looks
--   for an expired lease first (one index probe) and rescues only when there is one. It also hands
--   out the patient's EHR id when ehr_sync.patient_ehr knows it, so a delivery needs no look-up, and
--   skips the look for older versions when a job is a note's first version (most are).

-- Mirrors the state of many jobs of one app table onto their note rows in one statement, for the
-- version each job carries (the note trigger sees a signed note of an unchanged version: no-op).
CREATE OR REPLACE FUNCTION ehr_sync.write_back_many(p_table regclass, p_jobs ehr_sync.queue[], p_status text)
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_id_type text;
  v_has_version boolean;
BEGIN
  SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO v_id_type
    FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = p_table AND a.attname = 'id' AND NOT a.attisdropped;
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = p_table AND a.attname = 'version' AND NOT a.attisdropped)
    INTO v_has_version;
  EXECUTE format(
    'UPDATE %s AS t SET ehr_sync_status = $1, ehr_sync_error = j.last_error, retry_count = j.attempts, '
    'ehr_composition_uid = coalesce(j.composition_uid, t.ehr_composition_uid), '
    'ehr_synced_at = CASE WHEN $1 = ''completed'' THEN now() ELSE t.ehr_synced_at END '
    'FROM unnest($2) AS j '
    'WHERE j.source_table = $3 AND t.id = j.note_id::%s AND %s',
    p_table, coalesce(v_id_type, 'text'),
    -- Only the version the job carries; a table without versions has only version 1.
    CASE WHEN v_has_version THEN 'coalesce(t.version::integer, 1) = j.note_version' ELSE 'j.note_version = 1' END)
  USING p_status, p_jobs, p_table;
END;
$$;

-- The one-job form every other transition uses (0002), now on the same index-friendly statement.
CREATE OR REPLACE FUNCTION ehr_sync.write_back(p_job ehr_sync.queue, p_status text)
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF p_job.source_table IS NOT NULL THEN
    PERFORM ehr_sync.write_back_many(p_job.source_table, ARRAY[p_job], p_status);
  END IF;
END;
$$;

-- p_items: a JSON array of {id, lease_token, ehr_id, composition_uid, action, http_status, duration_ms}.
-- Every item's attempt is logged (a fenced worker's request still happened); only items whose lease
-- token still holds are completed. Returns the ids that were completed. Idempotent: a caller whose
-- first call committed but whose answer was lost (a dropped connection) may call again; the success
-- is not logged twice and the job is reported completed again.
CREATE OR REPLACE FUNCTION ehr_sync.complete_batch(p_worker text, p_items jsonb)
RETURNS SETOF bigint LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_ids bigint[];
  v_tokens uuid[];
  v_done ehr_sync.queue[];
  v_done_ids bigint[];
  v_repeated bigint[] := '{}';
  v_table regclass;
BEGIN
  -- (Ids first, then `id = ANY`: a join on the JSON items alone can make the planner scan the queue.)
  SELECT array_agg(i.id), array_agg(i.lease_token) INTO v_ids, v_tokens
    FROM jsonb_to_recordset(p_items) AS i(id bigint, lease_token uuid);

  WITH done AS (
    UPDATE ehr_sync.queue q
       SET state = 'succeeded', attempts = q.attempts + 1, ehr_id = i.ehr_id, composition_uid = i.composition_uid,
           last_error_class = NULL, last_error = NULL, reconcile_first = false,
           lease_expires_at = NULL, completed_at = now(), updated_at = now()
      FROM jsonb_to_recordset(p_items) AS i(id bigint, lease_token uuid, ehr_id uuid, composition_uid text)
     WHERE q.id = ANY (v_ids) AND q.id = i.id AND q.lease_token = i.lease_token AND q.state = 'leased'
    RETURNING q.*
  )
  SELECT array_agg(done) INTO v_done FROM done;
  v_done_ids := ARRAY(SELECT j.id FROM unnest(v_done) AS j);

  -- Items that completed nothing were fenced, or repeat a call that already committed: a completed
  -- job keeps the token of the lease that completed it. Only the first kind is logged.
  IF cardinality(v_done_ids) < cardinality(v_ids) THEN
    SELECT coalesce(array_agg(q.id), '{}') INTO v_repeated
      FROM ehr_sync.queue q
     WHERE q.id = ANY (v_ids) AND NOT q.id = ANY (v_done_ids) AND q.state = 'succeeded'
       AND q.lease_token = v_tokens[array_position(v_ids, q.id)];
  END IF;

  INSERT INTO ehr_sync.attempts (job_id, worker_id, lease_token, action, http_status, duration_ms, outcome)
  SELECT i.id, p_worker, i.lease_token, coalesce(i.action, 'create'), i.http_status, coalesce(i.duration_ms, 0),
         'success'
    FROM jsonb_to_recordset(p_items)
      AS i(id bigint, lease_token uuid, action text, http_status integer, duration_ms integer)
   WHERE NOT i.id = ANY (v_repeated);

  IF v_done IS NOT NULL THEN
    FOR v_table IN SELECT DISTINCT j.source_table FROM unnest(v_done) AS j WHERE j.source_table IS NOT NULL LOOP
      PERFORM ehr_sync.write_back_many(v_table, v_done, 'completed');
    END LOOP;
    -- A success proves the destination works again.
    UPDATE ehr_sync.destination SET paused_until = NULL, pause_reason = NULL, consecutive_pauses = 0, updated_at = now()
     WHERE id = 'default' AND (paused_until IS NOT NULL OR consecutive_pauses > 0);
    RETURN QUERY SELECT j.id FROM unnest(v_done) AS j;
  END IF;
  -- Repeats are answered as their first call was: completed.
  RETURN QUERY SELECT unnest(v_repeated);
END;
$$;

-- Same contract as 0002's claim_batch.
CREATE OR REPLACE FUNCTION ehr_sync.claim_batch(p_worker text, p_limit integer, p_lease_seconds integer)
RETURNS SETOF ehr_sync.queue LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_ordering text;
  v_paused_until timestamptz;
BEGIN
  IF EXISTS (SELECT 1 FROM ehr_sync.queue WHERE state = 'leased' AND lease_expires_at < now()) THEN
    PERFORM ehr_sync.rescue_expired_leases();
  END IF;
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
       -- supersede and strict: versions of one note go in order (a first version has none before it).
       AND (v_ordering = 'independent' OR q.note_version = 1 OR NOT EXISTS (
             SELECT 1 FROM ehr_sync.queue o
              WHERE o.note_id = q.note_id AND o.note_version < q.note_version
                AND o.state IN ('pending', 'leased', 'retry_scheduled')))
     ORDER BY q.next_attempt_at, q.id
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED
  )
  UPDATE ehr_sync.queue q
     SET state = 'leased', lease_token = gen_random_uuid(), leased_by = p_worker,
         lease_expires_at = now() + make_interval(secs => p_lease_seconds), updated_at = now(),
         -- The patient's EHR, when already known, travels with the job: no look-up per delivery.
         ehr_id = coalesce(q.ehr_id, (SELECT pe.ehr_id FROM ehr_sync.patient_ehr pe WHERE pe.patient_key = q.patient_key))
    FROM candidates c
   WHERE q.id = c.id
  RETURNING q.*;
END;
$$;
