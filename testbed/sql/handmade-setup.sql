-- TEST INFRASTRUCTURE ONLY: the hand-made setup ehr-sync replaces, as its users deployed it
-- (supabase/migrations/20260116010000_setup_ehr_sync_cron_job.sql in their projects), so that tests can
-- build a database in the old shape and upgrade it. Needs testbed/sql/pgsql-http-standin.sql (or the
-- real pgsql-http) for http_post. The pg_cron job is scheduled only where pg_cron lives.
CREATE TABLE IF NOT EXISTS public.soap_notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  patient_id text NOT NULL,
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
  ehr_sync_status text CHECK (ehr_sync_status IN ('pending', 'completed', 'failed', 'error')),
  ehr_sync_error text,
  retry_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.ehrbase_sync_queue (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  table_name text NOT NULL,
  record_id uuid NOT NULL,
  sync_status text NOT NULL DEFAULT 'pending',
  error_message text,
  retry_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION public.queue_soap_note_for_ehr_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'signed' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'signed') THEN
    INSERT INTO public.ehrbase_sync_queue (table_name, record_id, sync_status) VALUES ('soap_notes', NEW.id, 'pending');
    NEW.ehr_sync_status := 'pending';
  END IF;
  RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS on_soap_note_signed ON public.soap_notes;
CREATE TRIGGER on_soap_note_signed BEFORE INSERT OR UPDATE ON public.soap_notes
  FOR EACH ROW EXECUTE FUNCTION public.queue_soap_note_for_ehr_sync();

DO $cron$
BEGIN
  IF to_regnamespace('cron') IS NOT NULL THEN
    PERFORM cron.schedule('process-ehr-sync-queue-every-5-minutes', '*/5 * * * *',
      $cmd$SELECT http_post('https://abcdefghijklmnop.supabase.co/functions/v1/process-ehr-sync-queue', '{}', 'application/json')$cmd$);
  END IF;
END
$cron$;
