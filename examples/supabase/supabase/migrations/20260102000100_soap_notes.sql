-- The application's notes table, public.soap_notes, comes with the shared SQL (0003_note_trigger),
-- together with its enqueue trigger. What Supabase adds is the app's own access rule: providers (Supabase
-- Auth users) see and edit only their own notes, and `anon` gets nothing. On Supabase every new table in
-- `public` is granted to anon and authenticated by default, so without this the notes would be open.
ALTER TABLE public.soap_notes ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.soap_notes FROM anon;
DROP POLICY IF EXISTS soap_notes_providers_own_notes ON public.soap_notes;
CREATE POLICY soap_notes_providers_own_notes ON public.soap_notes
  FOR ALL TO authenticated
  USING (provider_id = (SELECT auth.uid())::text)
  WITH CHECK (provider_id = (SELECT auth.uid())::text);
