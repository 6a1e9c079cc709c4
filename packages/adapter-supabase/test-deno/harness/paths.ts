/** Files the Deno tests read, located from this file so the tests run from any working directory. */
const repoRoot = new URL("../../../../", import.meta.url);

export const paths = {
  repoRoot,
  supabaseStandins: new URL("testbed/sql/supabase-standins.sql", repoRoot),
  netHttpPostStandin: new URL("testbed/sql/net-http-post-standin.sql", repoRoot),
  migrationsDir: new URL("examples/supabase/supabase/migrations/", repoRoot),
  functionEntry: new URL("examples/supabase/supabase/functions/process-ehr-sync-queue/index.ts", repoRoot),
  /** The function's deno.lock (generated through localImportMap: the adapter is not on npm yet). */
  functionLock: new URL("examples/supabase/supabase/functions/process-ehr-sync-queue/deno.lock", repoRoot),
  /** Import map that points the function's `@ehr-sync/*` imports at this workspace's built packages. */
  localImportMap: new URL("packages/adapter-supabase/test-deno/deno.json", repoRoot),
};
