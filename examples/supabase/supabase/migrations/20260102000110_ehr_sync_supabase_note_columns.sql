-- A soap_notes table that predates ehr-sync (the hand-made setup it replaces; see the README, "Coming
-- from the hand-made setup") lacks columns the next migrations and the write-back use: add them, with
-- version 1 and the namespace its patients' EHRs were created in. On the reference table: no-op.
SELECT ehr_sync.add_note_sync_columns('public.soap_notes', 'patients');
