-- ehr-sync 0001: the outbox queue, its attempt log, the patient → EHR map and the destination switch.
-- Plain SQL that a Supabase project can copy into supabase/migrations. Idempotent: applying it twice
-- changes nothing.

CREATE SCHEMA IF NOT EXISTS ehr_sync;

-- One row per (note, version) to deliver. Its `state` names match @ehr-sync/core's JobState.
CREATE TABLE IF NOT EXISTS ehr_sync.queue (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  note_id text NOT NULL,
  note_version integer NOT NULL CHECK (note_version >= 1),
  -- Opaque key of the patient in the app; orders a patient's jobs and keys the EHR map. Never logged.
  patient_key text NOT NULL,
  idempotency_key text NOT NULL UNIQUE,
  -- The signed note as it was when it was queued, so the version that was signed is the one sent.
  payload jsonb NOT NULL,
  -- The app table the note lives in, for status write-back (NULL: no write-back).
  source_table regclass,
  state text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'leased', 'succeeded', 'retry_scheduled', 'dead')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- attempts at the start of the current retry window (an operator requeue opens a new window).
  attempts_at_window_start integer NOT NULL DEFAULT 0,
  -- When the job was queued, and when its current retry window began (a requeue restarts it).
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  first_enqueued_at timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_token uuid,
  lease_expires_at timestamptz,
  leased_by text,
  -- The previous attempt may have reached EHRbase: look the composition up before sending again.
  reconcile_first boolean NOT NULL DEFAULT false,
  last_error_class text,
  -- PHI-free by construction: error classes, field names and FLAT paths only.
  last_error text,
  ehr_id uuid,
  composition_uid text,
  superseded_by bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);

-- Claiming only ever looks at runnable rows; the partial index stays small however much history grows.
CREATE INDEX IF NOT EXISTS queue_runnable_idx
  ON ehr_sync.queue (next_attempt_at, id) WHERE state IN ('pending', 'retry_scheduled');
CREATE INDEX IF NOT EXISTS queue_active_by_patient_idx
  ON ehr_sync.queue (patient_key, id) WHERE state IN ('pending', 'leased', 'retry_scheduled');
CREATE INDEX IF NOT EXISTS queue_active_by_note_idx
  ON ehr_sync.queue (note_id, note_version) WHERE state IN ('pending', 'leased', 'retry_scheduled');
CREATE INDEX IF NOT EXISTS queue_leases_idx
  ON ehr_sync.queue (lease_expires_at) WHERE state = 'leased';
CREATE INDEX IF NOT EXISTS queue_dead_idx ON ehr_sync.queue (id) WHERE state = 'dead';

-- A hot, update-heavy table: vacuum and analyse early, and leave room for HOT updates.
ALTER TABLE ehr_sync.queue SET (
  fillfactor = 80,
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_analyze_scale_factor = 0.02,
  autovacuum_vacuum_cost_delay = 1
);

-- Append-only log of every attempt: who held the lease, what was sent, what came back.
CREATE TABLE IF NOT EXISTS ehr_sync.attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id bigint NOT NULL,
  worker_id text NOT NULL,
  lease_token uuid NOT NULL,
  -- create | update | reconcile | validate
  action text NOT NULL,
  http_status integer,
  duration_ms integer NOT NULL,
  outcome text NOT NULL,
  error_class text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS attempts_job_idx ON ehr_sync.attempts (job_id, id);

CREATE OR REPLACE FUNCTION ehr_sync.forbid_attempt_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  RAISE EXCEPTION 'ehr_sync.attempts is append-only';
END;
$$;
DROP TRIGGER IF EXISTS attempts_append_only ON ehr_sync.attempts;
CREATE TRIGGER attempts_append_only BEFORE UPDATE ON ehr_sync.attempts
  FOR EACH ROW EXECUTE FUNCTION ehr_sync.forbid_attempt_update();

-- Each patient's EHR is ensured once and remembered.
CREATE TABLE IF NOT EXISTS ehr_sync.patient_ehr (
  patient_key text PRIMARY KEY,
  ehr_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Systemic failures (401/403, missing template) pause the destination instead of spending attempts.
CREATE TABLE IF NOT EXISTS ehr_sync.destination (
  id text PRIMARY KEY DEFAULT 'default',
  paused_until timestamptz,
  pause_reason text,
  consecutive_pauses integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ehr_sync.destination (id) VALUES ('default') ON CONFLICT (id) DO NOTHING;

-- Per-patient ordering (see @ehr-sync/core queue/ordering.ts): 'strict', 'supersede' or 'independent'.
ALTER TABLE ehr_sync.destination ADD COLUMN IF NOT EXISTS ordering text NOT NULL DEFAULT 'supersede';
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'destination_ordering_check') THEN
    ALTER TABLE ehr_sync.destination ADD CONSTRAINT destination_ordering_check
      CHECK (ordering IN ('strict', 'supersede', 'independent'));
  END IF;
END;
$$;
