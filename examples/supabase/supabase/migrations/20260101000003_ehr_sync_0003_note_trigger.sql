-- ehr-sync 0003: queue notes from the app's own table, in the transaction that signs them.
--
-- Attach to any table with columns `id`, `status` ('signed' when signed), an optional integer
-- `version` (raise it when a signed note is amended), a patient column, and the write-back columns
-- `ehr_sync_status`, `ehr_sync_error`, `retry_count`, `ehr_composition_uid`, `ehr_synced_at`:
--
--   SELECT ehr_sync.attach_note_trigger('public.my_notes', 'patient_id');

CREATE OR REPLACE FUNCTION ehr_sync.enqueue_signed_note() RETURNS trigger
-- SECURITY DEFINER: apps sign notes as roles that have no rights on ehr_sync (e.g. Supabase's
-- `authenticated`); the trigger queues on their behalf and nothing else.
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_new jsonb := to_jsonb(NEW);
  v_old jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
  v_patient_column text := coalesce(TG_ARGV[0], 'patient_id');
  v_version integer := coalesce((v_new ->> 'version')::integer, 1);
BEGIN
  IF v_new ->> 'status' IS DISTINCT FROM 'signed' THEN
    RETURN NEW;
  END IF;
  -- Already signed and not amended (same version): nothing new to deliver (this is also the path of
  -- the status write-back updates).
  IF TG_OP = 'UPDATE' AND v_old ->> 'status' = 'signed'
     AND coalesce((v_old ->> 'version')::integer, 1) >= v_version THEN
    RETURN NEW;
  END IF;
  IF v_new ->> 'id' IS NULL OR v_new ->> v_patient_column IS NULL THEN
    RAISE EXCEPTION 'ehr_sync: a signed note needs id and %', v_patient_column USING ERRCODE = 'not_null_violation';
  END IF;
  PERFORM ehr_sync.enqueue(v_new ->> 'id', v_version, v_new ->> v_patient_column, v_new, TG_RELID::regclass);
  NEW := jsonb_populate_record(NEW, jsonb_build_object('ehr_sync_status', 'pending', 'ehr_sync_error', NULL));
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION ehr_sync.attach_note_trigger(p_table regclass, p_patient_column text DEFAULT 'patient_id')
RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS ehr_sync_enqueue ON %s', p_table);
  EXECUTE format(
    'CREATE TRIGGER ehr_sync_enqueue BEFORE INSERT OR UPDATE ON %s FOR EACH ROW '
    'EXECUTE FUNCTION ehr_sync.enqueue_signed_note(%L)', p_table, p_patient_column);
END;
$$;

-- Queues the signed notes of a table that were signed before ehr-sync was installed (idempotent).
CREATE OR REPLACE FUNCTION ehr_sync.backfill(p_table regclass, p_patient_column text DEFAULT 'patient_id')
RETURNS integer LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_row jsonb;
  v_count integer := 0;
BEGIN
  FOR v_row IN EXECUTE format('SELECT to_jsonb(t) FROM %s t WHERE t.status = ''signed''', p_table) LOOP
    IF ehr_sync.enqueue(v_row ->> 'id', coalesce((v_row ->> 'version')::integer, 1), v_row ->> p_patient_column,
                        v_row, p_table) IS NOT NULL THEN
      v_count := v_count + 1;
    END IF;
  END LOOP;
  RETURN v_count;
END;
$$;

-- The reference notes table: the columns a telehealth app's SOAP note usually has, plus the sync
-- status columns the app's UI shows. Apps with their own table attach the trigger to it instead.
CREATE TABLE IF NOT EXISTS public.soap_notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version integer NOT NULL DEFAULT 1,
  patient_id text NOT NULL,
  patient_namespace text NOT NULL DEFAULT 'patients',
  encounter_id text,
  encounter_start timestamptz,
  encounter_end timestamptz,
  encounter_kind text DEFAULT 'video',
  provider_id text,
  provider_name text,
  facility_id text,
  facility_name text,
  subjective text,
  objective text,
  assessment text,
  plan text,
  diagnoses jsonb,
  vitals jsonb,
  language text NOT NULL DEFAULT 'en',
  territory text NOT NULL DEFAULT 'US',
  status text NOT NULL DEFAULT 'draft',
  signed_at timestamptz,
  ehr_sync_status text,
  ehr_sync_error text,
  retry_count integer NOT NULL DEFAULT 0,
  ehr_composition_uid text,
  ehr_synced_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Notes are patient data: no role but the owner sees a row until the app writes its own policies
-- (on Supabase, `anon` could otherwise read the table through the Data API).
ALTER TABLE public.soap_notes ENABLE ROW LEVEL SECURITY;

SELECT FROM ehr_sync.attach_note_trigger('public.soap_notes', 'patient_id');
