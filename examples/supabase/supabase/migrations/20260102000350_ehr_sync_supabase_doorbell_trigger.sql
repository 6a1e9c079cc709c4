-- Ring the doorbell whenever something is queued, whoever queued it (the soap_notes trigger, a
-- backfill, an amendment). Statement-level: one enqueue statement rings at most once, and the
-- function itself rings at most once per transaction.
CREATE OR REPLACE TRIGGER ring_ehr_sync_doorbell
  AFTER INSERT ON ehr_sync.queue
  REFERENCING NEW TABLE AS enqueued
  FOR EACH STATEMENT
  EXECUTE FUNCTION ehr_sync_supabase.ring_doorbell_after_enqueue();
