/**
 * One test scenario = one fresh Supabase-like database + the example function served by real Deno,
 * configured like a deployed project: the function URL and key are in Vault, and the function reads
 * that same key from Vault to authenticate the cron job and the doorbell.
 */
import { createSupabaseTestDatabase, type TestDatabase } from "./database.ts";
import { ehrbase, requireEhrbase } from "./ehrbase.ts";
import { type FunctionServer, startFunctionServer } from "./function-server.ts";
import { type RunRow, waitForRun } from "./runs.ts";

export interface Scenario {
  db: TestDatabase;
  server: FunctionServer;
  /** The bearer key stored in Vault (what pg_cron and the doorbell send). */
  functionKey: string;
  /** POSTs to the function as the cron job would, with an optional body and key. */
  invoke(body?: unknown, key?: string | null): Promise<{ status: number; body: Record<string, unknown> }>;
  /** invoke(), expecting 202, then waits for the run the function recorded to finish. */
  run(body?: unknown, key?: string | null): Promise<RunRow>;
  dispose(): Promise<void>;
}

export interface ScenarioOptions {
  prefix: string;
  /** Where the function sends EHRbase calls (a proxy in front of the real server); default the real one. */
  ehrbaseUrl?: string;
  env?: Record<string, string>;
}

export async function startScenario(options: ScenarioOptions): Promise<Scenario> {
  await requireEhrbase();
  const db = await createSupabaseTestDatabase(options.prefix);
  const functionKey = `ehr-sync-test-${crypto.randomUUID()}`;
  let server: FunctionServer | undefined;
  try {
    server = await startFunctionServer({
      // As deployed: SUPABASE_DB_URL is the platform's (postgres); the function uses its own role.
      SUPABASE_DB_URL: db.url,
      EHR_SYNC_DATABASE_URL: db.functionUrl,
      EHRBASE_URL: options.ehrbaseUrl ?? ehrbase.baseUrl,
      EHRBASE_USER: ehrbase.user,
      EHRBASE_PASSWORD: ehrbase.password,
      ...options.env,
    });
    await db.sql`select ehr_sync_supabase.configure_function(${server.url}, ${functionKey})`;
  } catch (error) {
    await server?.stop();
    await db.drop();
    throw error;
  }
  const running = server;
  const invoke = async (body: unknown = { trigger: "cron" }, key: string | null = functionKey) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const response = await fetch(running.url, { method: "POST", headers, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return {
    db,
    server: running,
    functionKey,
    invoke,
    run: async (body, key) => {
      const answer = await invoke(body, key);
      if (answer.status !== 202)
        throw new Error(`expected 202, got ${answer.status}: ${JSON.stringify(answer.body)}`);
      return await waitForRun(db.sql, Number(answer.body.runId));
    },
    dispose: async () => {
      await running.stop();
      await db.drop();
    },
  };
}
