-- The doorbell: right after a note is queued, ask the Edge Function to run, so a signed note reaches
-- EHRbase in seconds instead of waiting for the next pg_cron tick. pg_net sends the request after the
-- transaction commits and never blocks or fails the signing transaction; the queue table stays the
-- truth, so a lost doorbell only means the cron safety net picks the note up later.
--
-- The function URL and the key it is called with live in Vault, never in this file:
--   select ehr_sync_supabase.configure_function(
--     'https://<project-ref>.supabase.co/functions/v1/process-ehr-sync-queue', '<secret>');

CREATE OR REPLACE FUNCTION ehr_sync_supabase.configure_function(function_url text, function_key text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  setting record;
  existing uuid;
BEGIN
  IF function_url IS NULL OR function_url !~ '^https?://' THEN
    RAISE EXCEPTION 'function_url must be an http(s) URL';
  END IF;
  IF function_key IS NULL OR length(function_key) < 16 THEN
    RAISE EXCEPTION 'function_key must be at least 16 characters';
  END IF;
  FOR setting IN
    SELECT * FROM (VALUES
      ('ehr_sync_function_url', function_url, 'ehr-sync: URL of the process-ehr-sync-queue Edge Function'),
      ('ehr_sync_function_key', function_key, 'ehr-sync: bearer key the cron job and the doorbell send')
    ) AS s(name, value, description)
  LOOP
    SELECT id INTO existing FROM vault.secrets WHERE name = setting.name;
    IF existing IS NULL THEN
      PERFORM vault.create_secret(setting.value, setting.name, setting.description);
    ELSE
      PERFORM vault.update_secret(existing, setting.value);
    END IF;
  END LOOP;
END
$$;

-- The Edge Function reads the key it accepts through this, never Vault itself: its least-privilege
-- role may execute this function and nothing else of Vault. Only ehr-sync's own secrets are readable.
CREATE OR REPLACE FUNCTION ehr_sync_supabase.function_secret(secret_name text)
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT decrypted_secret FROM vault.decrypted_secrets
   WHERE name = secret_name AND secret_name LIKE 'ehr\_sync\_%'
   LIMIT 1;
$$;

-- Calls the Edge Function once. Returns pg_net's request id, or NULL when Vault holds no URL/key yet.
-- pg_net only queues the request: it leaves after this transaction commits (never on rollback). The
-- function answers at once (202) and works in the background, so pg_net's worker is never held up.
-- Each call is recorded in ehr_sync_supabase.calls and its id travels in the body, so the `runs`
-- view can tie the call, pg_net's response and the function's own record of the run together.
-- first_job_id (the doorbell's: the smallest queue id it rang for) travels as `firstJobId`: the
-- function's first claim takes the jobs from that id on ahead of any backlog (ehr_sync.claim_batch).
DROP FUNCTION IF EXISTS ehr_sync_supabase.ring_doorbell(text, integer);
CREATE OR REPLACE FUNCTION ehr_sync_supabase.ring_doorbell(
  reason text DEFAULT 'doorbell',
  timeout_milliseconds integer DEFAULT 5000,
  first_job_id bigint DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  url text;
  key text;
  call_id bigint;
  request_id bigint;
BEGIN
  SELECT decrypted_secret INTO url FROM vault.decrypted_secrets WHERE name = 'ehr_sync_function_url';
  SELECT decrypted_secret INTO key FROM vault.decrypted_secrets WHERE name = 'ehr_sync_function_key';
  IF url IS NULL OR key IS NULL THEN
    RAISE WARNING 'ehr-sync: Vault secrets ehr_sync_function_url / ehr_sync_function_key are not set; '
      'run ehr_sync_supabase.configure_function(url, key)';
    RETURN NULL;
  END IF;
  call_id := nextval('ehr_sync_supabase.calls_id_seq');
  request_id := net.http_post(
    url := url,
    body := jsonb_build_object('trigger', reason, 'callId', call_id)
            || CASE WHEN first_job_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('firstJobId', first_job_id) END,
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || key),
    timeout_milliseconds := timeout_milliseconds
  );
  INSERT INTO ehr_sync_supabase.calls (id, trigger, net_request_id, first_job_id)
  VALUES (call_id, reason, request_id, first_job_id);
  RETURN request_id;
END
$$;

-- Statement-level, and at most once per transaction: signing 500 notes in one transaction rings once.
CREATE OR REPLACE FUNCTION ehr_sync_supabase.ring_doorbell_after_enqueue()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM enqueued)
     OR current_setting('ehr_sync_supabase.doorbell_rung', true) = 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('ehr_sync_supabase.doorbell_rung', 'on', true);
  BEGIN
    -- The first statement's smallest id: every job this transaction queues later has a larger one.
    PERFORM ehr_sync_supabase.ring_doorbell('doorbell', 5000, (SELECT min(id) FROM enqueued));
  EXCEPTION WHEN OTHERS THEN
    -- Signing a note must never fail because the doorbell could not ring; the cron job will catch up.
    RAISE WARNING 'ehr-sync: the doorbell could not ring (%); the cron safety net will pick the note up', SQLSTATE;
  END;
  RETURN NULL;
END
$$;
