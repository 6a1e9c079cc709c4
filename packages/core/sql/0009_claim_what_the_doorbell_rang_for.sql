-- ehr-sync 0009: claim what the doorbell rang for.
--
-- Claims are first-in-first-out: with a backlog of 600 notes, the note a doorbell rang for waited its
-- turn behind all of them (15 s measured against the real pg_net), although the doorbell itself left in
-- milliseconds. claim_batch now takes the smallest job id a caller was woken for (p_prefer_from_id) and
-- claims the claimable jobs from that id on first, then fills the batch in the usual order. Every claim
-- rule stays: per-patient order (may_claim: a patient's older unfinished note is never overtaken), the
-- pause switch and its one-job probe, leases, and a suspect job (its worker was lost) claimed alone.
-- A preferred job is never a suspect by its leases; if one is, it waits for the suspect look-up.
-- Re-applying this file changes nothing.

CREATE OR REPLACE FUNCTION ehr_sync.claim_batch(
  p_worker text, p_limit integer, p_lease_seconds integer, p_prefer_from_id bigint
) RETURNS SETOF ehr_sync.queue LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_ordering text;
  v_paused_until timestamptz;
  v_pauses integer;
  v_ids bigint[];
  v_more bigint[];
  v_suspect boolean := false;
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
  -- The jobs the caller was woken for (ids from p_prefer_from_id on; the primary key finds them).
  IF p_prefer_from_id IS NOT NULL THEN
    SELECT array_agg(c.id) INTO v_ids FROM (
      SELECT q.id
        FROM ehr_sync.queue q
       WHERE q.id >= p_prefer_from_id
         AND q.leases_lost = 0 AND q.state IN ('pending', 'retry_scheduled') AND q.next_attempt_at <= now()
         AND ehr_sync.may_claim(q, v_ordering)
       ORDER BY q.id
       LIMIT p_limit
       FOR UPDATE SKIP LOCKED) c;
  END IF;
  -- Else first a job whose worker was lost (claimed alone; the partial index keeps this look cheap).
  -- The look-ups differ only in their leases_lost predicate, kept literal so that each uses its index.
  IF v_ids IS NULL THEN
    SELECT array_agg(c.id) INTO v_ids FROM (
      SELECT q.id
        FROM ehr_sync.queue q
       WHERE q.leases_lost > 0 AND q.state IN ('pending', 'retry_scheduled') AND q.next_attempt_at <= now()
         AND ehr_sync.may_claim(q, v_ordering)
       ORDER BY q.next_attempt_at, q.id
       LIMIT 1
       FOR UPDATE SKIP LOCKED) c;
    v_suspect := v_ids IS NOT NULL;
  END IF;
  -- Else, or to fill the batch after the preferred jobs, the others in the usual order. Rows this
  -- transaction already locked are not skipped by SKIP LOCKED, hence the explicit exclusion.
  IF NOT v_suspect AND coalesce(cardinality(v_ids), 0) < p_limit THEN
    SELECT array_agg(c.id) INTO v_more FROM (
      SELECT q.id
        FROM ehr_sync.queue q
       WHERE q.leases_lost = 0 AND q.state IN ('pending', 'retry_scheduled') AND q.next_attempt_at <= now()
         AND q.id <> ALL (coalesce(v_ids, '{}'))
         AND ehr_sync.may_claim(q, v_ordering)
       ORDER BY q.next_attempt_at, q.id
       LIMIT p_limit - coalesce(cardinality(v_ids), 0)
       FOR UPDATE SKIP LOCKED) c;
    v_ids := coalesce(v_ids, '{}') || coalesce(v_more, '{}');
  END IF;
  IF v_ids IS NULL OR cardinality(v_ids) = 0 THEN
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

-- The 3-argument form (every caller before 0009) claims in the usual order.
CREATE OR REPLACE FUNCTION ehr_sync.claim_batch(p_worker text, p_limit integer, p_lease_seconds integer)
RETURNS SETOF ehr_sync.queue LANGUAGE sql SET search_path = '' AS $$
  SELECT * FROM ehr_sync.claim_batch(p_worker, p_limit, p_lease_seconds, NULL::bigint)
$$;

-- Whoever may claim may claim preferred jobs: the new form gets the grants of the old one (a worker
-- role granted before 0009, a platform that revoked PUBLIC's EXECUTE), so nobody loses the claim.
DO $$
DECLARE
  v_old regprocedure := 'ehr_sync.claim_batch(text, integer, integer)'::regprocedure;
  v_new regprocedure := 'ehr_sync.claim_batch(text, integer, integer, bigint)'::regprocedure;
  v_grantee text;
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     WHERE p.oid = v_old AND a.grantee = 0 AND a.privilege_type = 'EXECUTE')
  THEN
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_new);
  END IF;
  FOR v_grantee IN
    SELECT DISTINCT r.rolname
      FROM pg_catalog.pg_proc p, aclexplode(p.proacl) a, pg_catalog.pg_roles r
     WHERE p.oid = v_old AND a.privilege_type = 'EXECUTE' AND r.oid = a.grantee
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', v_new, v_grantee);
  END LOOP;
END;
$$;
