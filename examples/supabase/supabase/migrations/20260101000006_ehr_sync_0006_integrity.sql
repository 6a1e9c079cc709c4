-- ehr-sync 0006: right patient, right note, every time.
--
-- * Identity. A patient is the EHR subject (namespace + id), not the patient column alone: two clinics
--   whose patient ids overlap get two EHRs. The queue's patient_key and the EHR map use
--   ehr_sync.subject_key(namespace, id). The note trigger takes the namespace from a column (default
--   `patient_namespace`) or a constant. The map is a cache and is rebuilt by look-up.
-- * Enqueue only what was written. Notes are queued by an AFTER trigger (an INSERT … ON CONFLICT DO
--   NOTHING that wrote nothing queues nothing); a BEFORE trigger only guards the row and sets its
--   status. The app table is part of a job's identity (two attached tables may share note ids).
-- * A signed note changes only as a new version: an edit of its content without raising `version` is
--   refused with a clear error, so a note can never diverge from its composition, and a row can never be
--   left `pending` with nothing queued.
-- * The write-back columns belong to ehr-sync: only ehr-sync's own write-back may change them.
-- * A refused or blocked write-back never fails a delivery: the job is completed (its composition is in
--   EHRbase) and the write-back is retried on its own (rows another session holds locked are skipped,
--   never waited for); its PHI-free failure is kept on the job.
-- * Poison jobs: a lost lease (the worker died mid-delivery) counts toward max attempts and max age,
--   which the database now knows (ehr_sync.destination), so a note that kills its worker ends dead.
-- * Pauses grow: a pause is counted once (not once per in-flight job), and after a pause the claim
--   sends one probe job before whole batches.
-- * Retention: ehr_sync.prune() drops the payload (the note copy) of finished jobs and old attempt rows.

-- ------------------------------------------------------------------------------------ names, keys
-- The EHR subject as one key. '|' cannot occur in an openEHR namespace (OBJECT_REF.namespace is
-- [a-zA-Z][a-zA-Z0-9_.:/&?=+-]*), so the key is unambiguous for every subject EHRbase accepts.
-- Mirrored by ehrSubjectKey() in @ehr-sync/core.
CREATE OR REPLACE FUNCTION ehr_sync.subject_key(p_namespace text, p_id text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(p_namespace, '') || '|' || p_id
$$;

-- A table's name, schema-qualified whatever the search_path (regclass::text is not).
CREATE OR REPLACE FUNCTION ehr_sync.table_key(p_table regclass) RETURNS text
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = p_table
$$;

-- One job per (app table, note, version).
CREATE OR REPLACE FUNCTION ehr_sync.job_key(p_table regclass, p_note_id text, p_note_version integer) RETURNS text
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT coalesce(ehr_sync.table_key(p_table), '') || ':' || p_note_id || ':' || p_note_version
$$;

-- The columns ehr-sync writes on the app's note row; nobody else may change them.
CREATE OR REPLACE FUNCTION ehr_sync.write_back_columns() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['ehr_sync_status', 'ehr_sync_error', 'retry_count', 'ehr_composition_uid', 'ehr_synced_at']
$$;

-- The app-facing status for a queue state (the one mapping; see @ehr-sync/core appStatusOf).
CREATE OR REPLACE FUNCTION ehr_sync.app_status(p_state text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_state WHEN 'succeeded' THEN 'completed' WHEN 'dead' THEN 'failed' ELSE 'pending' END
$$;

-- What of a note row is clinical content: everything but ehr-sync's columns and the app's mutable ones.
CREATE OR REPLACE FUNCTION ehr_sync.note_content(p_row jsonb, p_mutable_columns text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT p_row - ehr_sync.write_back_columns() - coalesce(p_mutable_columns, '{}'::text[])
$$;

-- ------------------------------------------------------------------------------------ the queue
ALTER TABLE ehr_sync.queue ALTER COLUMN payload DROP NOT NULL;
ALTER TABLE ehr_sync.queue
  -- Set when prune() dropped the note copy of a finished job.
  ADD COLUMN IF NOT EXISTS payload_pruned_at timestamptz,
  -- How often the worker holding this job's lease was lost (crash, kill, CPU limit).
  ADD COLUMN IF NOT EXISTS leases_lost integer NOT NULL DEFAULT 0,
  -- The app's status row still has to be written (it was locked or the write was refused).
  ADD COLUMN IF NOT EXISTS writeback_pending boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS writeback_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS writeback_next_at timestamptz,
  -- PHI-free: SQLSTATE and constraint name only.
  ADD COLUMN IF NOT EXISTS writeback_error text,
  -- The app table's uid scope (ehr_sync.note_sources), copied at enqueue.
  ADD COLUMN IF NOT EXISTS uid_scope text;
CREATE INDEX IF NOT EXISTS queue_writeback_due_idx ON ehr_sync.queue (writeback_next_at) WHERE writeback_pending;

ALTER TABLE ehr_sync.destination
  -- The retry limits, here so that lease rescue applies them too (defaults = core's DEFAULT_RETRY_POLICY).
  ADD COLUMN IF NOT EXISTS max_attempts integer NOT NULL DEFAULT 10,
  ADD COLUMN IF NOT EXISTS max_age interval NOT NULL DEFAULT interval '24 hours',
  -- When the current run of pauses began (NULL while not paused).
  ADD COLUMN IF NOT EXISTS paused_since timestamptz;

-- Existing jobs: identity keys with the app table, patient keys with the namespace (legacy rows only,
-- so a second run changes nothing). The EHR map was keyed by the patient column alone and may pair a
-- patient of one namespace with another's EHR: it is a cache, so it is emptied and re-learnt by
-- look-up, and no unfinished job keeps an EHR id learnt from it.
UPDATE ehr_sync.queue
   SET idempotency_key = ehr_sync.job_key(source_table, note_id, note_version),
       patient_key = ehr_sync.subject_key(payload ->> 'patient_namespace', patient_key),
       ehr_id = CASE WHEN state IN ('pending', 'leased', 'retry_scheduled') THEN NULL ELSE ehr_id END
 WHERE idempotency_key = note_id || ':' || note_version;
DELETE FROM ehr_sync.patient_ehr WHERE position('|' IN patient_key) = 0;

-- Every app table ever attached, with its uid scope. The composition uid derives from the note id;
-- two tables whose note ids overlap would share compositions, so every table attached after the first
-- derives its uids from `{its table key}:{note id}` instead. The first keeps plain note ids (and so do
-- tables attached before 0006: their compositions already exist under those uids). Rows are never
-- removed: a uid rule, once used, stays.
CREATE TABLE IF NOT EXISTS ehr_sync.note_sources (
  source text PRIMARY KEY,
  uid_scope text UNIQUE,
  attached_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION ehr_sync.register_note_source(p_table regclass) RETURNS text
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_source text := ehr_sync.table_key(p_table);
BEGIN
  INSERT INTO ehr_sync.note_sources (source, uid_scope)
  SELECT v_source, CASE WHEN EXISTS (SELECT 1 FROM ehr_sync.note_sources) THEN v_source END
  ON CONFLICT (source) DO NOTHING;
  RETURN (SELECT uid_scope FROM ehr_sync.note_sources WHERE source = v_source);
END;
$$;

-- ------------------------------------------------------------------------------------ write-back
-- The write-back could not be done now: try again later (locks soon, refusals slowly).
CREATE OR REPLACE FUNCTION ehr_sync.defer_write_back(p_ids bigint[], p_reason text, p_max_seconds integer)
RETURNS void LANGUAGE sql SET search_path = '' AS $$
  UPDATE ehr_sync.queue
     SET writeback_pending = true, writeback_attempts = writeback_attempts + 1, writeback_error = p_reason,
         writeback_next_at = now() + make_interval(secs => least(p_max_seconds, 2 ^ least(writeback_attempts, 12))),
         updated_at = now()
   WHERE id = ANY (p_ids);
$$;

-- Mirrors the state of many jobs of one app table onto their note rows, for the version each job
-- carries. SECURITY DEFINER: a worker role needs no rights on the app's tables, and the note guard
-- recognises ehr-sync's own write (owner + the ehr_sync.writing_back flag set below). Never waits and
-- never fails the caller: rows another session holds locked are skipped and retried later; a row the
-- app refuses (a CHECK, a trigger) is retried on its own so its neighbours are written, and its
-- PHI-free reason is kept on the job.
CREATE OR REPLACE FUNCTION ehr_sync.write_back_many(p_table regclass, p_jobs ehr_sync.queue[], p_status text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_id_type text;
  v_version_match text;
  v_written bigint[];
  v_locked bigint[];
  v_job ehr_sync.queue;
  v_sqlstate text;
  v_constraint text;
BEGIN
  SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO v_id_type
    FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = p_table AND a.attname = 'id' AND NOT a.attisdropped;
  -- Only the version the job carries; a table without versions has only version 1.
  v_version_match := CASE WHEN EXISTS (
      SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = p_table AND a.attname = 'version' AND NOT a.attisdropped)
    THEN 'coalesce(t.version::integer, 1) = j.note_version' ELSE 'j.note_version = 1' END;
  BEGIN
    PERFORM pg_catalog.set_config('ehr_sync.writing_back', 'on', true);
    EXECUTE format(
      'WITH mine AS (SELECT t.id, j.id AS job_id FROM %1$s AS t JOIN unnest($2) AS j '
      '               ON j.source_table = $3 AND t.id = j.note_id::%2$s AND %3$s '
      '               FOR UPDATE OF t SKIP LOCKED), '
      '     written AS (UPDATE %1$s AS t SET ehr_sync_status = $1, ehr_sync_error = j.last_error, '
      '                   retry_count = j.attempts, ehr_composition_uid = coalesce(j.composition_uid, t.ehr_composition_uid), '
      '                   ehr_synced_at = CASE WHEN $1 = ''completed'' THEN now() ELSE t.ehr_synced_at END '
      '                   FROM mine, unnest($2) AS j WHERE t.id = mine.id AND j.id = mine.job_id RETURNING j.id) '
      'SELECT coalesce(array_agg(id), ''{}'') FROM written',
      p_table, coalesce(v_id_type, 'text'), v_version_match)
    INTO v_written USING p_status, p_jobs, p_table;
    PERFORM pg_catalog.set_config('ehr_sync.writing_back', 'off', true);
    -- Rows that exist at the job's version but were skipped: another session holds them locked.
    -- (Only looked for when some job of this table was not written: most batches write every row.)
    IF cardinality(v_written) < (SELECT count(*) FROM unnest(p_jobs) AS j WHERE j.source_table = p_table) THEN
      EXECUTE format(
        'SELECT coalesce(array_agg(j.id), ''{}'') FROM unnest($1) AS j '
        ' WHERE j.source_table = $2 AND NOT j.id = ANY ($3) '
        '   AND EXISTS (SELECT 1 FROM %1$s AS t WHERE t.id = j.note_id::%2$s AND %3$s)',
        p_table, coalesce(v_id_type, 'text'), v_version_match)
      INTO v_locked USING p_jobs, p_table, v_written;
      IF cardinality(v_locked) > 0 THEN
        PERFORM ehr_sync.defer_write_back(v_locked, 'note row locked by another session', 10);
      END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_jobs) AS j WHERE j.writeback_pending) THEN
      UPDATE ehr_sync.queue SET writeback_pending = false, writeback_error = NULL, writeback_next_at = NULL
       WHERE id = ANY (v_written) AND writeback_pending;
    END IF;
  EXCEPTION WHEN OTHERS THEN
    IF cardinality(p_jobs) > 1 THEN
      FOREACH v_job IN ARRAY p_jobs LOOP
        IF v_job.source_table = p_table THEN
          PERFORM ehr_sync.write_back_many(p_table, ARRAY[v_job], p_status);
        END IF;
      END LOOP;
    ELSE
      -- The message may quote the row (an app trigger's RAISE, a constraint's detail): keep only codes.
      GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_constraint = CONSTRAINT_NAME;
      PERFORM ehr_sync.defer_write_back(
        ARRAY[p_jobs[1].id],
        'write-back refused by the database: SQLSTATE ' || v_sqlstate
          || CASE WHEN coalesce(v_constraint, '') <> '' THEN ' (constraint ' || v_constraint || ')' ELSE '' END,
        300);
    END IF;
  END;
END;
$$;

-- Writes the status of jobs whose write-back is due again (called by claim_batch; never waits).
CREATE OR REPLACE FUNCTION ehr_sync.catch_up_write_backs(p_limit integer DEFAULT 50)
RETURNS integer LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_jobs ehr_sync.queue[];
  v_group record;
BEGIN
  SELECT array_agg(q) INTO v_jobs FROM (
    SELECT * FROM ehr_sync.queue WHERE writeback_pending AND writeback_next_at <= now()
     ORDER BY writeback_next_at LIMIT p_limit FOR UPDATE SKIP LOCKED) q;
  IF v_jobs IS NULL THEN
    RETURN 0;
  END IF;
  FOR v_group IN
    SELECT j.source_table AS app_table, ehr_sync.app_status(j.state) AS status, array_agg(j) AS jobs
      FROM unnest(v_jobs) AS j WHERE j.source_table IS NOT NULL GROUP BY 1, 2
  LOOP
    PERFORM ehr_sync.write_back_many(v_group.app_table, v_group.jobs, v_group.status);
  END LOOP;
  -- Neither written nor deferred again: the row is gone or has moved on to a newer version.
  UPDATE ehr_sync.queue SET writeback_pending = false, writeback_next_at = NULL
   WHERE id = ANY (ARRAY(SELECT j.id FROM unnest(v_jobs) AS j)) AND writeback_pending AND writeback_next_at <= now();
  RETURN cardinality(v_jobs);
END;
$$;

-- ------------------------------------------------------------------------------------ enqueue
CREATE OR REPLACE FUNCTION ehr_sync.enqueue(
  p_note_id text, p_note_version integer, p_patient_key text, p_payload jsonb, p_source_table regclass DEFAULT NULL
) RETURNS bigint LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_id bigint;
  v_ordering text;
BEGIN
  INSERT INTO ehr_sync.queue (note_id, note_version, patient_key, idempotency_key, payload, source_table, uid_scope)
  VALUES (p_note_id, p_note_version, p_patient_key, ehr_sync.job_key(p_source_table, p_note_id, p_note_version),
          p_payload, p_source_table,
          (SELECT ns.uid_scope FROM ehr_sync.note_sources ns WHERE ns.source = ehr_sync.table_key(p_source_table)))
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    RETURN NULL;
  END IF;

  SELECT ordering INTO v_ordering FROM ehr_sync.destination WHERE id = 'default';
  IF v_ordering = 'supersede' THEN
    -- Older versions of the same note (same app table) that nobody is working on are skipped: the
    -- newer version carries the content, and the engine creates or updates the composition as needed.
    UPDATE ehr_sync.queue
       SET state = 'succeeded', superseded_by = v_id, last_error_class = 'superseded', last_error = NULL,
           completed_at = now(), updated_at = now()
     WHERE note_id = p_note_id AND source_table IS NOT DISTINCT FROM p_source_table
       AND note_version < p_note_version AND state IN ('pending', 'retry_scheduled');
    -- A stale version queued after a newer one is superseded at once.
    UPDATE ehr_sync.queue q
       SET state = 'succeeded', superseded_by = newer.id, last_error_class = 'superseded',
           completed_at = now(), updated_at = now()
      FROM (SELECT id FROM ehr_sync.queue
             WHERE note_id = p_note_id AND source_table IS NOT DISTINCT FROM p_source_table
               AND note_version > p_note_version ORDER BY note_version DESC LIMIT 1) newer
     WHERE q.id = v_id;
  END IF;

  PERFORM pg_notify('ehr_sync', v_id::text);
  RETURN v_id;
END;
$$;

-- The configuration a table's note trigger was attached with (defaults when none is attached).
CREATE OR REPLACE FUNCTION ehr_sync.note_trigger_config(
  p_table regclass, OUT patient_column text, OUT namespace_column text, OUT namespace text, OUT mutable_columns text[]
) LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT coalesce(a[1], 'patient_id'), coalesce(nullif(a[2], ''), CASE WHEN a IS NULL THEN 'patient_namespace' END),
         nullif(a[3], ''), coalesce(nullif(a[4], '')::text[], '{updated_at,created_at}')
    FROM (SELECT NULL) AS one
    LEFT JOIN LATERAL (
      SELECT (pg_catalog.string_to_array(pg_catalog.encode(t.tgargs, 'escape'), '\000'))[1:t.tgnargs] AS a
        FROM pg_catalog.pg_trigger t
       WHERE t.tgrelid = p_table AND t.tgname = 'ehr_sync_enqueue' AND t.tgnargs >= 4) args ON true
$$;

-- Queues one signed note row of p_table (the trigger and backfill share it). The payload is the row,
-- with `patient_namespace` set to the namespace the subject was keyed with. NULL: already queued.
CREATE OR REPLACE FUNCTION ehr_sync.queue_note(
  p_table regclass, p_row jsonb, p_patient_column text, p_namespace_column text, p_namespace text
) RETURNS bigint LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_namespace text := coalesce(p_namespace, p_row ->> p_namespace_column);
  v_payload jsonb := p_row;
BEGIN
  IF p_row ->> 'id' IS NULL OR p_row ->> p_patient_column IS NULL THEN
    RAISE EXCEPTION 'ehr_sync: a signed note needs id and %', p_patient_column USING ERRCODE = 'not_null_violation';
  END IF;
  IF v_namespace IS NOT NULL THEN
    v_payload := v_payload || jsonb_build_object('patient_namespace', v_namespace);
  END IF;
  RETURN ehr_sync.enqueue(p_row ->> 'id', coalesce((p_row ->> 'version')::integer, 1),
                          ehr_sync.subject_key(v_namespace, p_row ->> p_patient_column), v_payload, p_table);
END;
$$;

-- ------------------------------------------------------------------------------------ note triggers
-- BEFORE INSERT OR UPDATE: guards the row, sets the status of a note about to be queued. Runs as the
-- app's role (SECURITY INVOKER), so it can tell the app's writes from ehr-sync's own write-back; app
-- roles have no rights on schema ehr_sync, so it uses pg_catalog only (its column list and content
-- rule are those of ehr_sync.write_back_columns() and ehr_sync.note_content(); the tests check both).
-- Arguments: patient column, namespace column, namespace constant, mutable columns (as text[]).
CREATE OR REPLACE FUNCTION ehr_sync.guard_note_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_write_back_columns constant text[] :=
    ARRAY['ehr_sync_status', 'ehr_sync_error', 'retry_count', 'ehr_composition_uid', 'ehr_synced_at'];
  v_new jsonb;
  v_old jsonb;
  v_mutable text[] := coalesce(nullif(TG_ARGV[3], '')::text[], '{}');
  v_version integer;
  v_old_version integer;
  v_column text;
  v_changed text[];
BEGIN
  -- ehr-sync's own write-back changes only its own columns. It runs as the owner of ehr-sync's
  -- functions (write_back_many is SECURITY DEFINER) and flags the statement; an app role can set the
  -- flag but is not the owner, and an app connecting as the owner does not set it. Checked before any
  -- other work: it is the hot path (every delivered note's status write).
  IF coalesce(pg_catalog.current_setting('ehr_sync.writing_back', true), '') = 'on'
     AND pg_catalog.pg_has_role(current_user, (
           SELECT p.proowner FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'ehr_sync' AND p.proname = 'write_back_many' LIMIT 1), 'MEMBER') THEN
    RETURN NEW;
  END IF;
  v_new := pg_catalog.to_jsonb(NEW);
  v_old := CASE WHEN TG_OP = 'UPDATE' THEN pg_catalog.to_jsonb(OLD) END;
  v_version := coalesce((v_new ->> 'version')::integer, 1);
  v_old_version := coalesce((v_old ->> 'version')::integer, 1);
  FOREACH v_column IN ARRAY v_write_back_columns LOOP
    IF (TG_OP = 'UPDATE' AND (v_new -> v_column) IS DISTINCT FROM (v_old -> v_column))
       OR (TG_OP = 'INSERT' AND coalesce(v_new -> v_column, 'null') NOT IN ('null', '0')) THEN
      RAISE EXCEPTION 'ehr_sync: %.% is written by ehr-sync only', TG_TABLE_NAME, v_column
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Leave the sync status columns out of the app''s inserts and updates.';
    END IF;
  END LOOP;

  IF TG_OP = 'UPDATE' AND v_old ->> 'status' = 'signed' THEN
    IF v_version < v_old_version THEN
      RAISE EXCEPTION 'ehr_sync: the version of a signed note of % cannot go down (% to %)',
        TG_TABLE_NAME, v_old_version, v_version USING ERRCODE = 'check_violation';
    END IF;
    -- Its composition is (or will be) in the EHR: it changes only as a new version, delivered as
    -- a new version of the same composition. Never silently diverging from what was sent.
    IF v_version = v_old_version
       AND (v_new - v_write_back_columns - v_mutable) IS DISTINCT FROM (v_old - v_write_back_columns - v_mutable) THEN
      SELECT pg_catalog.array_agg(k ORDER BY k) INTO v_changed
        FROM pg_catalog.jsonb_object_keys(v_new - v_write_back_columns - v_mutable) AS k
       WHERE (v_new -> k) IS DISTINCT FROM (v_old -> k);
      RAISE EXCEPTION 'ehr_sync: a signed note of % changes only as a new version', TG_TABLE_NAME
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = 'Changed without raising version: ' || pg_catalog.array_to_string(v_changed, ', ') || '.',
              HINT = 'Raise the note''s version to amend it; ehr-sync delivers the amendment as a new version of its composition.';
    END IF;
  END IF;

  IF v_new ->> 'status' = 'signed'
     AND (TG_OP = 'INSERT' OR v_old ->> 'status' IS DISTINCT FROM 'signed' OR v_version > v_old_version) THEN
    NEW := pg_catalog.jsonb_populate_record(NEW, pg_catalog.jsonb_build_object('ehr_sync_status', 'pending', 'ehr_sync_error', NULL));
  END IF;
  RETURN NEW;
END;
$$;

-- AFTER INSERT OR UPDATE: queues what was written. SECURITY DEFINER: apps sign notes as roles that have
-- no rights on ehr_sync (e.g. Supabase's `authenticated`); it queues on their behalf and nothing else.
CREATE OR REPLACE FUNCTION ehr_sync.enqueue_written_note() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_new jsonb;
  v_old jsonb;
  v_version integer;
  v_mutable text[] := coalesce(nullif(TG_ARGV[3], '')::text[], '{}');
  v_job ehr_sync.queue;
BEGIN
  v_new := to_jsonb(NEW);
  v_old := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
  v_version := coalesce((v_new ->> 'version')::integer, 1);
  IF v_new ->> 'status' IS DISTINCT FROM 'signed' THEN
    RETURN NULL;
  END IF;
  -- Already signed and not amended: nothing new to deliver (also the path of the status write-back).
  IF TG_OP = 'UPDATE' AND v_old ->> 'status' = 'signed' AND coalesce((v_old ->> 'version')::integer, 1) >= v_version THEN
    RETURN NULL;
  END IF;
  IF ehr_sync.queue_note(TG_RELID::regclass, v_new, TG_ARGV[0], nullif(TG_ARGV[1], ''), nullif(TG_ARGV[2], '')) IS NULL THEN
    -- This version was queued before (the row was deleted and written again, or signed, unsigned and
    -- signed again at one version): the same content keeps the job and its status; other content is
    -- refused, since it would never be delivered.
    SELECT * INTO v_job FROM ehr_sync.queue
     WHERE idempotency_key = ehr_sync.job_key(TG_RELID::regclass, v_new ->> 'id', v_version);
    IF v_job.payload IS NULL OR ehr_sync.note_content(v_job.payload, v_mutable || '{patient_namespace}')
         IS DISTINCT FROM ehr_sync.note_content(v_new, v_mutable || '{patient_namespace}') THEN
      RAISE EXCEPTION 'ehr_sync: version % of this note of % was queued before with other content', v_version, TG_TABLE_NAME
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Raise the note''s version to sign changed content.';
    END IF;
    PERFORM ehr_sync.write_back(v_job, ehr_sync.app_status(v_job.state));
  END IF;
  RETURN NULL;
END;
$$;

-- Attaches ehr-sync to an app table with columns `id`, `status` ('signed' when signed), an optional
-- integer `version` (raise it to amend a signed note), the patient column, the namespace column (or
-- a constant namespace for the whole table), and the write-back columns. p_mutable_columns may change
-- on a signed note without a new version (bookkeeping such as updated_at, created_at). With neither a
-- namespace column nor a constant, the mapping alone knows the subject: the queue then orders by the
-- patient column, and the engine looks each patient's EHR up by the subject the mapping gives.
--   SELECT ehr_sync.attach_note_trigger('public.my_notes', 'patient_id', 'clinic_namespace');
--   SELECT ehr_sync.attach_note_trigger('public.my_notes', 'mrn', NULL, 'clinic-a');
CREATE OR REPLACE FUNCTION ehr_sync.attach_note_trigger(
  p_table regclass, p_patient_column text, p_namespace_column text, p_namespace text DEFAULT NULL,
  p_mutable_columns text[] DEFAULT '{updated_at,created_at}'
) RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_column text;
  v_args text;
BEGIN
  IF p_namespace_column IS NOT NULL AND p_namespace IS NOT NULL THEN
    RAISE EXCEPTION 'ehr_sync.attach_note_trigger: give p_namespace_column or p_namespace, not both'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_namespace IS NOT NULL AND p_namespace !~ '^[a-zA-Z][a-zA-Z0-9_.:/&?=+-]*$' THEN
    RAISE EXCEPTION 'ehr_sync.attach_note_trigger: p_namespace must be an openEHR namespace ([a-zA-Z][a-zA-Z0-9_.:/&?=+-]*)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOREACH v_column IN ARRAY ARRAY['id', 'status', p_patient_column, coalesce(p_namespace_column, 'id')] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = p_table AND a.attname = v_column AND a.attnum > 0 AND NOT a.attisdropped) THEN
      RAISE EXCEPTION 'ehr_sync.attach_note_trigger: % has no column %', p_table, v_column
        USING ERRCODE = 'undefined_column';
    END IF;
  END LOOP;
  PERFORM ehr_sync.register_note_source(p_table);
  v_args := format('%L, %L, %L, %L', p_patient_column, coalesce(p_namespace_column, ''), coalesce(p_namespace, ''),
                   coalesce(p_mutable_columns, '{}')::text);
  EXECUTE format('DROP TRIGGER IF EXISTS ehr_sync_guard ON %s', p_table);
  EXECUTE format('DROP TRIGGER IF EXISTS ehr_sync_enqueue ON %s', p_table);
  EXECUTE format('CREATE TRIGGER ehr_sync_guard BEFORE INSERT OR UPDATE ON %s FOR EACH ROW '
                 'EXECUTE FUNCTION ehr_sync.guard_note_row(%s)', p_table, v_args);
  -- Only a write of status or version can queue a note, so only those fire it: ehr-sync's own
  -- status write-back (every delivered note) does not.
  EXECUTE format('CREATE TRIGGER ehr_sync_enqueue AFTER INSERT OR UPDATE OF %s ON %s FOR EACH ROW '
                 'EXECUTE FUNCTION ehr_sync.enqueue_written_note(%s)',
                 CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                    WHERE a.attrelid = p_table AND a.attname = 'version' AND NOT a.attisdropped)
                      THEN 'status, version' ELSE 'status' END,
                 p_table, v_args);
END;
$$;

-- The two-argument form (0003): the namespace from the `patient_namespace` column when there is one.
CREATE OR REPLACE FUNCTION ehr_sync.attach_note_trigger(p_table regclass, p_patient_column text DEFAULT 'patient_id')
RETURNS void LANGUAGE sql SET search_path = '' AS $$
  SELECT ehr_sync.attach_note_trigger(
    p_table, p_patient_column,
    (SELECT 'patient_namespace'::text FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = p_table AND a.attname = 'patient_namespace' AND NOT a.attisdropped),
    NULL, '{updated_at,created_at}');
$$;

-- Queues the signed notes of a table that were signed before ehr-sync was installed (idempotent), keyed
-- the way the table's note trigger keys them.
CREATE OR REPLACE FUNCTION ehr_sync.backfill(p_table regclass, p_patient_column text DEFAULT 'patient_id')
RETURNS integer LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_config record := ehr_sync.note_trigger_config(p_table);
  v_row jsonb;
  v_count integer := 0;
BEGIN
  FOR v_row IN EXECUTE format('SELECT to_jsonb(t) FROM %s t WHERE t.status = ''signed''', p_table) LOOP
    IF ehr_sync.queue_note(p_table, v_row, coalesce(p_patient_column, v_config.patient_column),
                           v_config.namespace_column, v_config.namespace) IS NOT NULL THEN
      v_count := v_count + 1;
    END IF;
  END LOOP;
  RETURN v_count;
END;
$$;

-- Tables attached by 0003 (a BEFORE trigger that queued what might never be written) move to the pair,
-- keeping plain note ids as their uid rule (their compositions exist under it).
DO $$
DECLARE
  v_table regclass;
  v_patient_column text;
BEGIN
  INSERT INTO ehr_sync.note_sources (source, uid_scope)
  SELECT DISTINCT ehr_sync.table_key(t.tgrelid), NULL::text
    FROM pg_catalog.pg_trigger t
   WHERE t.tgname = 'ehr_sync_enqueue' AND t.tgfoid = to_regprocedure('ehr_sync.enqueue_signed_note()')
  ON CONFLICT (source) DO NOTHING;
  FOR v_table, v_patient_column IN
    SELECT t.tgrelid::regclass, split_part(pg_catalog.encode(t.tgargs, 'escape'), '\000', 1)
      FROM pg_catalog.pg_trigger t
     WHERE t.tgname = 'ehr_sync_enqueue' AND t.tgfoid = to_regprocedure('ehr_sync.enqueue_signed_note()')
  LOOP
    PERFORM ehr_sync.attach_note_trigger(v_table, coalesce(nullif(v_patient_column, ''), 'patient_id'));
  END LOOP;
END;
$$;

-- ------------------------------------------------------------------------------------ transitions
-- Expired leases go back to the queue. The holder may have sent the request, so one attempt is counted
-- and the next holder looks the composition up before sending again. A job whose workers keep dying
-- (it crashes them, or exceeds their memory or CPU) runs out of attempts or age like any other: dead.
CREATE OR REPLACE FUNCTION ehr_sync.rescue_expired_leases()
RETURNS integer LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_rescued ehr_sync.queue[];
  v_table regclass;
BEGIN
  WITH limits AS (
    SELECT max_attempts, max_age FROM ehr_sync.destination WHERE id = 'default'
  ), expired AS (
    SELECT q.id, (q.attempts + 1 - q.attempts_at_window_start >= l.max_attempts
                  OR now() - q.first_enqueued_at > l.max_age) AS gives_up
      FROM ehr_sync.queue q, limits l
     WHERE q.state = 'leased' AND q.lease_expires_at < now()
       FOR UPDATE OF q SKIP LOCKED
  ), rescued AS (
    UPDATE ehr_sync.queue q
       SET state = CASE WHEN e.gives_up THEN 'dead' ELSE 'pending' END,
           attempts = q.attempts + 1, leases_lost = q.leases_lost + 1, reconcile_first = true,
           lease_token = NULL, lease_expires_at = NULL, leased_by = NULL,
           last_error_class = CASE WHEN e.gives_up THEN 'worker-lost' ELSE 'lease-expired' END,
           last_error = CASE WHEN e.gives_up
             THEN 'worker lost ' || (q.leases_lost + 1) || ' times while delivering this note (lease expired); gave up after '
                  || (q.attempts + 1 - q.attempts_at_window_start) || ' attempts'
             ELSE 'the worker holding the lease stopped answering' END,
           next_attempt_at = now(), updated_at = now(),
           completed_at = CASE WHEN e.gives_up THEN now() END
      FROM expired e
     WHERE q.id = e.id
    RETURNING q.*
  )
  SELECT array_agg(r) INTO v_rescued FROM rescued r;
  IF v_rescued IS NULL THEN
    RETURN 0;
  END IF;
  FOR v_table IN SELECT DISTINCT j.source_table FROM unnest(v_rescued) AS j WHERE j.state = 'dead' AND j.source_table IS NOT NULL LOOP
    PERFORM ehr_sync.write_back_many(v_table, ARRAY(SELECT j FROM unnest(v_rescued) AS j WHERE j.state = 'dead'), 'failed');
  END LOOP;
  RETURN cardinality(v_rescued);
END;
$$;

-- A job whose worker was lost while holding it (leases_lost > 0) may be what kills workers: it is
-- claimed alone, and the worker runs it alone (QueueJob.solo), so a poison note spends only its own
-- attempts and never those of the jobs claimed with it.
CREATE INDEX IF NOT EXISTS queue_suspects_idx ON ehr_sync.queue (next_attempt_at, id)
  WHERE leases_lost > 0 AND state IN ('pending', 'retry_scheduled');

-- The ordering policy's rule for one runnable job (inlined into claim_batch's look-ups).
CREATE OR REPLACE FUNCTION ehr_sync.may_claim(q ehr_sync.queue, p_ordering text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT
    -- strict: wait for the patient's older unfinished jobs (dead ones never block).
    (p_ordering <> 'strict' OR NOT EXISTS (
       SELECT 1 FROM ehr_sync.queue o
        WHERE o.patient_key = q.patient_key AND o.id < q.id
          AND o.state IN ('pending', 'leased', 'retry_scheduled')))
    -- supersede and strict: versions of one note go in order (a first version has none before it).
    AND (p_ordering = 'independent' OR q.note_version = 1 OR NOT EXISTS (
       SELECT 1 FROM ehr_sync.queue o
        WHERE o.note_id = q.note_id AND o.source_table IS NOT DISTINCT FROM q.source_table
          AND o.note_version < q.note_version AND o.state IN ('pending', 'leased', 'retry_scheduled')))
$$;

CREATE OR REPLACE FUNCTION ehr_sync.claim_batch(p_worker text, p_limit integer, p_lease_seconds integer)
RETURNS SETOF ehr_sync.queue LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_ordering text;
  v_paused_until timestamptz;
  v_pauses integer;
  v_ids bigint[];
BEGIN
  IF EXISTS (SELECT 1 FROM ehr_sync.queue WHERE state = 'leased' AND lease_expires_at < now()) THEN
    PERFORM ehr_sync.rescue_expired_leases();
  END IF;
  IF EXISTS (SELECT 1 FROM ehr_sync.queue WHERE writeback_pending AND writeback_next_at <= now()) THEN
    PERFORM ehr_sync.catch_up_write_backs();
  END IF;
  SELECT ordering, paused_until, consecutive_pauses INTO v_ordering, v_paused_until, v_pauses
    FROM ehr_sync.destination WHERE id = 'default';
  IF v_paused_until IS NOT NULL AND v_paused_until > now() THEN
    RETURN;
  END IF;
  -- After a pause, one job probes the destination before whole batches are sent (half-open circuit).
  IF v_pauses > 0 THEN
    p_limit := least(p_limit, 1);
  END IF;
  -- First a job whose worker was lost (claimed alone; the partial index keeps this look cheap),
  -- else a batch of the others. The two look-ups differ only in their leases_lost predicate, kept
  -- literal so that each uses its own index.
  SELECT array_agg(c.id) INTO v_ids FROM (
    SELECT q.id
      FROM ehr_sync.queue q
     WHERE q.leases_lost > 0 AND q.state IN ('pending', 'retry_scheduled') AND q.next_attempt_at <= now()
       AND ehr_sync.may_claim(q, v_ordering)
     ORDER BY q.next_attempt_at, q.id
     LIMIT 1
     FOR UPDATE SKIP LOCKED) c;
  IF v_ids IS NULL THEN
    SELECT array_agg(c.id) INTO v_ids FROM (
      SELECT q.id
        FROM ehr_sync.queue q
       WHERE q.leases_lost = 0 AND q.state IN ('pending', 'retry_scheduled') AND q.next_attempt_at <= now()
         AND ehr_sync.may_claim(q, v_ordering)
       ORDER BY q.next_attempt_at, q.id
       LIMIT p_limit
       FOR UPDATE SKIP LOCKED) c;
  END IF;
  IF v_ids IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
  UPDATE ehr_sync.queue q
     SET state = 'leased', lease_token = gen_random_uuid(), leased_by = p_worker,
         lease_expires_at = now() + make_interval(secs => p_lease_seconds), updated_at = now(),
         -- The patient's EHR, when already known, travels with the job: no look-up per delivery. The
         -- engine uses it only when the job's subject key is the note's own.
         ehr_id = coalesce(q.ehr_id, (SELECT pe.ehr_id FROM ehr_sync.patient_ehr pe WHERE pe.patient_key = q.patient_key))
   WHERE q.id = ANY (v_ids)
  RETURNING q.*;
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

-- The destination itself is failing (wrong credentials, template missing, unreachable): pause it for
-- everyone and hand the job back without spending an attempt. Jobs that fail while a pause is already
-- on (they were in flight) do not count it again, so consecutive_pauses counts probes, and the engine
-- grows the next pause with it.
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

-- complete_batch (0005) resets the pause on success; paused_since goes with it.
CREATE OR REPLACE FUNCTION ehr_sync.clear_pause_since() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NEW.consecutive_pauses = 0 AND NEW.paused_until IS NULL THEN
    NEW.paused_since := NULL;
  END IF;
  RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS destination_clear_pause_since ON ehr_sync.destination;
CREATE TRIGGER destination_clear_pause_since BEFORE UPDATE ON ehr_sync.destination
  FOR EACH ROW EXECUTE FUNCTION ehr_sync.clear_pause_since();

-- Operator action: dead jobs (all, or the given ids) get a fresh retry window; jobs whose note copy was
-- pruned cannot be sent again and stay dead.
CREATE OR REPLACE FUNCTION ehr_sync.requeue_dead(p_ids bigint[] DEFAULT NULL)
RETURNS integer LANGUAGE sql SET search_path = '' AS $$
  WITH requeued AS (
    UPDATE ehr_sync.queue
       SET state = 'pending', attempts_at_window_start = attempts, first_enqueued_at = now(), next_attempt_at = now(),
           reconcile_first = true, completed_at = NULL, updated_at = now()
     WHERE state = 'dead' AND payload IS NOT NULL AND (p_ids IS NULL OR id = ANY (p_ids))
    RETURNING id
  ), rang AS (
    SELECT pg_notify('ehr_sync', 'requeue') FROM requeued LIMIT 1
  )
  SELECT (SELECT count(*)::integer FROM requeued) + 0 * (SELECT count(*) FROM rang);
$$;

-- The worker's retry limits, for lease rescue (a worker given its own RetryPolicy sets them).
CREATE OR REPLACE FUNCTION ehr_sync.set_retry_limits(p_max_attempts integer, p_max_age_ms bigint)
RETURNS void LANGUAGE sql SET search_path = '' AS $$
  UPDATE ehr_sync.destination SET max_attempts = p_max_attempts, max_age = make_interval(secs => p_max_age_ms / 1000.0),
         updated_at = now()
   WHERE id = 'default' AND (max_attempts, max_age) IS DISTINCT FROM (p_max_attempts, make_interval(secs => p_max_age_ms / 1000.0));
$$;

-- ------------------------------------------------------------------------------------ retention
-- The queue keeps a copy of every note (the payload) and the attempt log grows with every delivery.
-- prune() drops the payload of delivered jobs older than p_payload_after (dead jobs keep theirs so
-- they can be requeued, unless p_dead_payload_after is given) and deletes attempt rows of finished
-- jobs older than p_attempts_after. Job rows stay: they are the record that a version was delivered.
CREATE OR REPLACE FUNCTION ehr_sync.prune(
  p_payload_after interval DEFAULT interval '7 days',
  p_attempts_after interval DEFAULT interval '30 days',
  p_dead_payload_after interval DEFAULT NULL,
  OUT payloads_dropped bigint, OUT attempts_deleted bigint
) LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  WITH dropped AS (
    UPDATE ehr_sync.queue
       SET payload = NULL, payload_pruned_at = now()
     WHERE payload IS NOT NULL AND NOT writeback_pending
       AND ((state = 'succeeded' AND completed_at < now() - p_payload_after)
         OR (state = 'dead' AND p_dead_payload_after IS NOT NULL AND completed_at < now() - p_dead_payload_after))
    RETURNING 1
  )
  SELECT count(*) INTO payloads_dropped FROM dropped;
  WITH deleted AS (
    DELETE FROM ehr_sync.attempts a
     USING ehr_sync.queue q
     WHERE a.job_id = q.id AND q.state IN ('succeeded', 'dead') AND a.created_at < now() - p_attempts_after
    RETURNING 1
  )
  SELECT count(*) INTO attempts_deleted FROM deleted;
END;
$$;

-- ------------------------------------------------------------------------------------ roles
-- What a worker role that does not own the schema needs (the write-back runs as the owner).
CREATE OR REPLACE FUNCTION ehr_sync.grant_worker(p_role name)
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA ehr_sync TO %I', p_role);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ehr_sync TO %I', p_role);
  EXECUTE format('GRANT DELETE ON ehr_sync.attempts TO %I', p_role);
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA ehr_sync TO %I', p_role);
  EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ehr_sync TO %I', p_role);
END;
$$;

-- 0003's BEFORE-trigger function; every table uses the pair above now.
DROP FUNCTION IF EXISTS ehr_sync.enqueue_signed_note();
