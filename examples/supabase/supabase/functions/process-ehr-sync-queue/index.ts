// Supabase Edge Function: drains the ehr-sync queue into EHRbase.
// Called by the pg_cron safety net (every 5 minutes) and by the doorbell right after a note is signed.
// Configuration comes from the function's environment (see examples/supabase/README.md).
import { createEhrSyncHandler, ehrSyncOptionsFromEnv } from "@ehr-sync/adapter-supabase";

const handler = createEhrSyncHandler(ehrSyncOptionsFromEnv(Deno.env.toObject()));

Deno.serve(handler);
