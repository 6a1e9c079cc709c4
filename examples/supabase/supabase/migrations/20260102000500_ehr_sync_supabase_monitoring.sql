-- Monitoring views: how much is waiting, what arrived, what failed and why. Counts, ids, classes and
-- field paths only: the stored errors are PHI-free by construction (see packages/core/sql).
-- security_invoker: a view reads with the privileges of whoever queries it, never the owner's.

CREATE OR REPLACE VIEW ehr_sync_supabase.queue_counts WITH (security_invoker = true) AS
SELECT count(*) FILTER (WHERE state IN ('pending', 'retry_scheduled'))::integer AS pending,
       count(*) FILTER (WHERE state = 'leased')::integer AS in_progress,
       count(*) FILTER (WHERE state = 'retry_scheduled')::integer AS retrying,
       count(*) FILTER (WHERE state = 'succeeded')::integer AS completed,
       count(*) FILTER (WHERE state = 'dead')::integer AS failed,
       extract(epoch FROM now() - min(enqueued_at) FILTER (WHERE state IN ('pending', 'leased', 'retry_scheduled')))
         ::double precision AS oldest_unsynced_age_seconds
  FROM ehr_sync.queue;
COMMENT ON VIEW ehr_sync_supabase.queue_counts IS 'ehr-sync: pending, in progress, retrying, completed and failed counts';

CREATE OR REPLACE VIEW ehr_sync_supabase.completed_syncs WITH (security_invoker = true) AS
SELECT q.id AS job_id, q.note_id, q.note_version, q.ehr_id, q.composition_uid, q.attempts,
       q.superseded_by, q.enqueued_at, q.completed_at, q.completed_at - q.enqueued_at AS queued_to_synced
  FROM ehr_sync.queue q
 WHERE q.state = 'succeeded'
 ORDER BY q.completed_at DESC NULLS LAST;
COMMENT ON VIEW ehr_sync_supabase.completed_syncs IS 'ehr-sync: delivered notes, newest first';

CREATE OR REPLACE VIEW ehr_sync_supabase.failed_syncs WITH (security_invoker = true) AS
SELECT q.id AS job_id, q.note_id, q.note_version, q.state, q.attempts, q.last_error_class, q.last_error,
       q.next_attempt_at, q.enqueued_at, q.updated_at
  FROM ehr_sync.queue q
 WHERE q.state = 'dead' OR (q.state = 'retry_scheduled' AND q.last_error_class IS NOT NULL)
 ORDER BY q.updated_at DESC;
COMMENT ON VIEW ehr_sync_supabase.failed_syncs IS 'ehr-sync: dead and retrying notes with their PHI-free errors';
