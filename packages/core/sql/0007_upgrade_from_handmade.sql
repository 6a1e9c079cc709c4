-- ehr-sync 0007: upgrade in place from the hand-made setup ehr-sync replaces.
--
-- That setup: `public.soap_notes` (status, ehr_sync_status 'pending' | 'completed' | 'failed' | 'error',
-- ehr_sync_error, retry_count), a trigger that inserts each signed note into `public.ehrbase_sync_queue`
-- (table_name, the note's id, sync_status, created_at), and the pg_cron job
-- `process-ehr-sync-queue-every-5-minutes` calling an Edge Function through pgsql-http's http_post.
-- This file only defines the upgrade; it changes nothing until it is called:
--
--   SELECT * FROM ehr_sync.upgrade_from_handmade(p_dry_run => true);   -- what it would do
--   SELECT * FROM ehr_sync.upgrade_from_handmade(p_dry_run => false, p_job_command => '…');
--
-- One call is one transaction: all of it happens or none of it. A second call finds nothing to do.
-- Both modes return the same rows (action, target, items): a dry run reports what the real run does.

-- The columns ehr-sync needs on a note table that lacks them (version, patient_namespace and the
-- write-back columns); existing rows get version 1 and the namespace their EHRs were created in.
-- Returns how many were (or, in a dry run, would be) added.
CREATE OR REPLACE FUNCTION ehr_sync.add_note_sync_columns(
  p_table regclass, p_namespace text DEFAULT 'patients', p_dry_run boolean DEFAULT false
) RETURNS integer LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_missing integer;
BEGIN
  SELECT count(*)::integer INTO v_missing
    FROM (VALUES ('version'), ('patient_namespace'), ('ehr_composition_uid'), ('ehr_synced_at')) AS c(name)
   WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = p_table AND a.attname = c.name AND a.attnum > 0 AND NOT a.attisdropped);
  IF NOT p_dry_run AND v_missing > 0 THEN
    EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1, '
                   'ADD COLUMN IF NOT EXISTS patient_namespace text NOT NULL DEFAULT %L, '
                   'ADD COLUMN IF NOT EXISTS ehr_composition_uid text, '
                   'ADD COLUMN IF NOT EXISTS ehr_synced_at timestamptz', p_table, p_namespace);
  END IF;
  RETURN v_missing;
END;
$$;

CREATE OR REPLACE FUNCTION ehr_sync.upgrade_from_handmade(
  p_dry_run boolean DEFAULT true,
  -- The job's new command; NULL only unschedules the old job.
  p_job_command text DEFAULT NULL,
  p_job_name text DEFAULT 'process-ehr-sync-queue-every-5-minutes',
  p_job_schedule text DEFAULT '*/5 * * * *',
  p_notes text DEFAULT 'public.soap_notes',
  p_old_queue text DEFAULT 'public.ehrbase_sync_queue',
  -- The subject namespace of the patients' EHRs the old path created (soap_notes.patient_namespace).
  p_namespace text DEFAULT 'patients'
) RETURNS TABLE (action text, target text, items integer)
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_notes regclass := pg_catalog.to_regclass(p_notes);
  v_old regclass := pg_catalog.to_regclass(p_old_queue);
  v_old_is_table boolean;
  v_note_column text;
  v_view_note_column text;
  v_table_name text;
  v_id_type text;
  v_cron boolean := pg_catalog.to_regnamespace('cron') IS NOT NULL;
  v_old_jobs integer := 0;
  v_new_jobs integer := 0;
  v_trigger record;
  v_item record;
  v_job_id bigint;
  v_job ehr_sync.queue;
  v_imported ehr_sync.queue[] := '{}';
  v_counts jsonb := '{}';
  v_columns_added integer := 0;
  v_to_pending integer := 0;
  v_to_succeeded integer := 0;
  v_errors integer := 0;
  v_already integer := 0;
  v_unmarked integer := 0;
  v_skipped integer := 0;
  v_delivered ehr_sync.queue[] := '{}';
  v_attach integer := 0;
  v_view integer := 0;
BEGIN
  IF v_notes IS NULL THEN
    RAISE EXCEPTION 'ehr_sync.upgrade_from_handmade: table % does not exist', p_notes USING ERRCODE = 'undefined_table';
  END IF;
  SELECT c.relkind = 'r' INTO v_old_is_table FROM pg_catalog.pg_class c WHERE c.oid = v_old;
  v_old_is_table := coalesce(v_old_is_table, false);
  SELECT c.relname INTO v_table_name FROM pg_catalog.pg_class c WHERE c.oid = v_notes;
  SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO v_id_type
    FROM pg_catalog.pg_attribute a WHERE a.attrelid = v_notes AND a.attname = 'id' AND NOT a.attisdropped;

  -- ---------------------------------------------------------------- pg_cron: the old job, by name
  IF v_cron THEN
    EXECUTE 'SELECT count(*)::integer FROM cron.job WHERE jobname = $1 AND command IS DISTINCT FROM $2'
      INTO v_old_jobs USING p_job_name, p_job_command;
    IF p_job_command IS NOT NULL THEN
      EXECUTE 'SELECT count(*)::integer FROM cron.job WHERE jobname = $1 AND command = $2 AND schedule = $3'
        INTO v_new_jobs USING p_job_name, p_job_command, p_job_schedule;
      v_new_jobs := 1 - v_new_jobs;
    END IF;
    IF NOT p_dry_run AND v_old_jobs > 0 THEN
      EXECUTE 'SELECT cron.unschedule($1::name)' USING p_job_name;
    END IF;
    IF NOT p_dry_run AND v_new_jobs > 0 THEN
      EXECUTE 'SELECT cron.schedule($1::name, $2, $3)' USING p_job_name, p_job_schedule, p_job_command;
    END IF;
  END IF;
  action := CASE WHEN v_cron THEN 'unschedule pg_cron job' ELSE 'unschedule pg_cron job (pg_cron is not in this database)' END;
  target := p_job_name; items := v_old_jobs; RETURN NEXT;
  action := CASE WHEN v_cron THEN 'schedule pg_cron job' ELSE 'schedule pg_cron job (pg_cron is not in this database)' END;
  target := coalesce(p_job_command, '(none)'); items := v_new_jobs; RETURN NEXT;

  -- ---------------------------------------------------------------- the note table's columns
  v_columns_added := ehr_sync.add_note_sync_columns(v_notes, p_namespace, p_dry_run);
  action := 'add ehr-sync columns'; target := p_notes; items := v_columns_added; RETURN NEXT;

  -- ---------------------------------------------------------------- triggers
  -- The old enqueue trigger: any trigger on the note table (not ehr-sync's) whose function writes the old queue.
  FOR v_trigger IN
    SELECT t.tgname FROM pg_catalog.pg_trigger t
     WHERE t.tgrelid = v_notes AND NOT t.tgisinternal AND t.tgname NOT LIKE 'ehr\_sync\_%'
       AND pg_catalog.pg_get_functiondef(t.tgfoid) ILIKE '%ehrbase_sync_queue%'
     ORDER BY t.tgname
  LOOP
    IF NOT p_dry_run THEN
      EXECUTE format('DROP TRIGGER %I ON %s', v_trigger.tgname, v_notes);
    END IF;
    action := 'drop old trigger'; target := v_trigger.tgname; items := 1; RETURN NEXT;
  END LOOP;
  -- ehr-sync's pair, attached (again) once the namespace column exists, so its subjects are the old path's.
  -- Re-attached only when missing or attached with no namespace at all (before the column existed); a
  -- table attached with a namespace column or constant of its own keeps it.
  SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = v_notes AND t.tgname = 'ehr_sync_guard')
                OR (c.namespace_column IS NULL AND c.namespace IS NULL) THEN 1 ELSE 0 END
    INTO v_attach FROM ehr_sync.note_trigger_config(v_notes) c;
  IF NOT p_dry_run AND v_attach > 0 THEN
    PERFORM ehr_sync.attach_note_trigger(v_notes, 'patient_id');
  END IF;
  action := 'attach ehr-sync trigger'; target := 'ehr_sync_guard, ehr_sync_enqueue'; items := v_attach; RETURN NEXT;

  -- ---------------------------------------------------------------- the old queue's items
  IF v_old_is_table THEN
    SELECT a.attname INTO v_note_column FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = v_old AND a.attname IN ('record_id', 'note_id', 'soap_note_id', 'source_id') AND NOT a.attisdropped
     ORDER BY array_position(ARRAY['record_id', 'note_id', 'soap_note_id', 'source_id'], a.attname::text) LIMIT 1;
    IF v_note_column IS NULL THEN
      RAISE EXCEPTION 'ehr_sync.upgrade_from_handmade: % has none of the note id columns record_id, note_id, soap_note_id, source_id', p_old_queue
        USING ERRCODE = 'undefined_column';
    END IF;
    EXECUTE format('SELECT coalesce(jsonb_object_agg(s, n), ''{}'') FROM (SELECT sync_status AS s, count(*) AS n FROM %s '
                   'WHERE table_name = %L GROUP BY 1) c', v_old, v_table_name)
      INTO v_counts;
    -- Items whose note is gone or no longer signed: nothing to send.
    EXECUTE format('SELECT count(*)::integer FROM %1$s o WHERE o.table_name = %4$L AND NOT EXISTS ('
                   'SELECT 1 FROM %2$s n WHERE n.id::text = o.%3$I::text AND n.status = ''signed'')',
                   v_old, v_notes, v_note_column, v_table_name)
      INTO v_skipped;
    -- One job per signed note. A note counts as delivered when the old queue or the note says so:
    -- its composition is in EHRbase (without ehr-sync's uid), and it is never sent again.
    FOR v_item IN EXECUTE format(
      'SELECT to_jsonb(n) AS note, o.completed OR n.ehr_sync_status = ''completed'' AS delivered, o.queued_at, '
      '       greatest(o.retries, coalesce((to_jsonb(n) ->> ''retry_count'')::integer, 0)) AS retries '
      '  FROM (SELECT o.%3$I::text AS note_id, bool_or(o.sync_status = ''completed'') AS completed, '
      '               min(o.created_at) AS queued_at, max(coalesce((to_jsonb(o) ->> ''retry_count'')::integer, 0)) AS retries '
      '          FROM %1$s o WHERE o.table_name = %4$L GROUP BY 1) o '
      '  JOIN %2$s n ON n.id::text = o.note_id '
      ' WHERE n.status = ''signed'' ORDER BY o.queued_at, o.note_id', v_old, v_notes, v_note_column, v_table_name)
    LOOP
      -- Signed after ehr-sync was installed next to the old trigger: ehr-sync has it already. If the
      -- old path delivered it meanwhile, ehr-sync's job (not yet started) becomes history instead.
      SELECT * INTO v_job FROM ehr_sync.queue q WHERE q.idempotency_key = ehr_sync.job_key(
        v_notes, v_item.note ->> 'id', coalesce((v_item.note ->> 'version')::integer, 1));
      IF FOUND THEN
        IF v_item.delivered AND v_job.state IN ('pending', 'retry_scheduled') THEN
          v_to_succeeded := v_to_succeeded + 1;
          IF NOT p_dry_run THEN
            UPDATE ehr_sync.queue SET state = 'succeeded', payload = NULL, payload_pruned_at = now(),
                   completed_at = now(), updated_at = now()
             WHERE id = v_job.id;
          END IF;
        ELSE
          v_already := v_already + 1;
          -- Queued before the table had a namespace column: the subject is the old path's.
          IF NOT p_dry_run AND v_job.state IN ('pending', 'retry_scheduled') AND v_job.payload IS NOT NULL
             AND v_job.payload ->> 'patient_namespace' IS NULL THEN
            UPDATE ehr_sync.queue
               SET payload = payload || jsonb_build_object('patient_namespace', p_namespace),
                   patient_key = ehr_sync.subject_key(p_namespace, payload ->> 'patient_id'), ehr_id = NULL
             WHERE id = v_job.id;
          END IF;
        END IF;
        CONTINUE;
      END IF;
      IF NOT v_item.delivered AND v_item.note ->> 'ehr_sync_status' = 'error' THEN
        v_errors := v_errors + 1;
      END IF;
      IF v_item.delivered THEN v_to_succeeded := v_to_succeeded + 1; ELSE v_to_pending := v_to_pending + 1; END IF;
      IF v_item.delivered AND v_item.note ->> 'ehr_sync_status' IS DISTINCT FROM 'completed' THEN
        v_unmarked := v_unmarked + 1;
      END IF;
      CONTINUE WHEN p_dry_run;
      v_job_id := ehr_sync.queue_note(v_notes,
        v_item.note || jsonb_build_object('version', coalesce((v_item.note ->> 'version')::integer, 1),
                                          'patient_namespace', coalesce(v_item.note ->> 'patient_namespace', p_namespace)),
        'patient_id', 'patient_namespace', NULL);
      CONTINUE WHEN v_job_id IS NULL;
      IF v_item.delivered THEN
        -- History only: no note copy (nothing to send), no composition uid (the old path kept none).
        UPDATE ehr_sync.queue SET state = 'succeeded', payload = NULL, payload_pruned_at = now(),
               enqueued_at = coalesce(v_item.queued_at, enqueued_at), completed_at = now(), updated_at = now()
         WHERE id = v_job_id
        RETURNING * INTO v_job;
        IF v_item.note ->> 'ehr_sync_status' IS DISTINCT FROM 'completed' THEN
          v_delivered := v_delivered || v_job;
        END IF;
      ELSE
        -- The old function may have sent it before failing: look it up before sending.
        UPDATE ehr_sync.queue SET reconcile_first = true, attempts = v_item.retries, attempts_at_window_start = v_item.retries,
               enqueued_at = coalesce(v_item.queued_at, enqueued_at)
         WHERE id = v_job_id
        RETURNING * INTO v_job;
        v_imported := v_imported || v_job;
      END IF;
    END LOOP;
  END IF;
  FOR v_item IN SELECT s FROM unnest(ARRAY['pending', 'failed', 'error', 'completed']) AS s LOOP
    action := CASE WHEN v_item.s = 'completed' THEN 'leave old queue items alone (delivered)' ELSE 'import old queue items' END;
    target := 'sync_status = ' || v_item.s; items := coalesce((v_counts ->> v_item.s)::integer, 0); RETURN NEXT;
  END LOOP;
  action := 'create ehr-sync jobs (look-up before send)'; target := 'pending'; items := v_to_pending; RETURN NEXT;
  action := 'record delivered notes as history'; target := 'succeeded'; items := v_to_succeeded; RETURN NEXT;
  action := 'keep notes ehr-sync queued already'; target := 'ehr_sync.queue'; items := v_already; RETURN NEXT;
  action := 'skip old queue items whose note is gone or not signed'; target := p_old_queue; items := v_skipped; RETURN NEXT;

  -- ---------------------------------------------------------------- the notes' status
  -- 'pending' for every imported note ('failed' and 'error' included): ehr-sync's own write-back.
  IF NOT p_dry_run AND cardinality(v_imported) > 0 THEN
    PERFORM ehr_sync.write_back_many(v_notes, v_imported, 'pending');
  END IF;
  -- Delivered by the old path (its queue says so) but the note was never marked: 'completed'.
  IF NOT p_dry_run AND cardinality(v_delivered) > 0 THEN
    PERFORM ehr_sync.write_back_many(v_notes, v_delivered, 'completed');
  END IF;
  action := 'normalise ehr_sync_status = ''error'''; target := 'pending'; items := v_errors; RETURN NEXT;
  action := 'mark notes the old queue completed'; target := 'completed'; items := v_unmarked; RETURN NEXT;

  -- ---------------------------------------------------------------- the old queue, as a view
  -- The old table is kept (renamed) for a rollback; its name becomes a deprecated view over ehr-sync's
  -- queue in the old vocabulary, so the old monitoring queries keep answering truthfully.
  IF v_old_is_table THEN
    v_view := 1;
    IF NOT p_dry_run THEN
      EXECUTE format('ALTER TABLE %s RENAME TO %I', v_old, (SELECT c.relname || '_before_ehr_sync' FROM pg_catalog.pg_class c WHERE c.oid = v_old));
      EXECUTE format(
        'CREATE VIEW %s WITH (security_invoker = true) AS '
        'SELECT q.id, c.relname::text AS table_name, q.note_id::%s AS %I, q.note_version, '
        '       ehr_sync.app_status(q.state) AS sync_status, q.last_error AS error_message, q.attempts AS retry_count, '
        '       q.composition_uid, q.enqueued_at AS created_at, q.updated_at, q.completed_at AS processed_at '
        '  FROM ehr_sync.queue q JOIN pg_catalog.pg_class c ON c.oid = q.source_table '
        ' WHERE q.source_table = %L::regclass', p_old_queue,
        coalesce(v_id_type, 'text'), v_note_column, ehr_sync.table_key(v_notes));
      -- Note ids and errors: not for the API roles (Supabase grants new objects in public to them).
      FOR v_item IN SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.rolname IN ('anon', 'authenticated') LOOP
        EXECUTE format('REVOKE ALL ON %s, %s FROM %I', p_old_queue, p_old_queue || '_before_ehr_sync', v_item.rolname);
      END LOOP;
      EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', p_old_queue);
      EXECUTE format('COMMENT ON VIEW %s IS %L', p_old_queue,
        'DEPRECATED (ehr-sync upgrade): the hand-made queue, now a view over ehr_sync.queue in the old vocabulary. '
        'Use ehr_sync_supabase.queue_counts / ehr_sync.queue_status. The old rows are in '
        || p_old_queue || '_before_ehr_sync.');
    END IF;
  END IF;
  action := 'replace old queue by a deprecated view'; target := p_old_queue; items := v_view; RETURN NEXT;
END;
$$;
