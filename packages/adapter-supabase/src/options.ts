/**
 * Options of createEhrSyncHandler, their defaults, and how they are read from an Edge Function's
 * environment. Every problem is reported with the name of the option (or variable) at fault.
 */
import { type BudgetOptions, validateBudgetOptions } from "@ehr-sync/core";
import { type EhrbaseClientOptions, ehrbaseAuthFromEnv } from "@ehr-sync/ehrbase-client";

/** An Edge Function's wall-clock limit on Supabase, by plan. */
export const PLAN_WALL_CLOCK_MS = { free: 150_000, paid: 400_000 } as const;
export type SupabasePlan = keyof typeof PLAN_WALL_CLOCK_MS;

/**
 * Where EHRbase is and how to log in: @ehr-sync/ehrbase-client's own options. `fetch` is supplied by
 * the handler, which ties every request to the invocation's deadline.
 */
export type EhrbaseConnectionOptions = Omit<EhrbaseClientOptions, "fetch">;

export interface EhrSyncAuthOptions {
  /** The project's JWT secret: requests bearing a valid service_role JWT are accepted. */
  jwtSecret?: string | undefined;
  /** Secrets accepted verbatim as `Authorization: Bearer …` (e.g. SUPABASE_SERVICE_ROLE_KEY). */
  sharedSecrets?: string[] | undefined;
  /**
   * Name of a Vault secret (read through the database connection) that is also accepted; the cron job
   * and the doorbell send it. Default `ehr_sync_function_key`; `false` turns the lookup off.
   */
  vaultSecretName?: string | false | undefined;
  /** When set, a JWT's `iss` must equal it (Supabase's own tokens say `supabase`). */
  jwtIssuer?: string | undefined;
  /** When set, a JWT's `aud` must contain it. */
  jwtAudience?: string | undefined;
  /** Clock leeway for `exp`/`nbf`, in seconds. Default 30. A JWT without `exp` is always refused. */
  jwtLeewaySeconds?: number | undefined;
}

export interface EhrSyncHandlerOptions {
  /** Postgres connection string; on Supabase, SUPABASE_DB_URL (direct or transaction pooler). */
  databaseUrl: string;
  ehrbase: EhrbaseConnectionOptions;
  auth: EhrSyncAuthOptions;
  /** Sets the wall-clock budget: 150 s (free) or 400 s (paid). Default free. */
  plan?: SupabasePlan | undefined;
  budget?: Partial<BudgetOptions> | undefined;
  /** Items processed at the same time within one invocation. Default 4. */
  concurrency?: number | undefined;
  /**
   * How long a doorbell invocation keeps looking for a just-queued item when its first claim finds
   * nothing. Default 0: pg_net sends only after the signing transaction commits, so the item is
   * already visible. Raise it only for a caller that can ring before its commit.
   */
  doorbellSettleMs?: number | undefined;
  /** Largest request body accepted; bigger ones get 413 before any database work. Default 8 192. */
  maxBodyBytes?: number | undefined;
  /**
   * Keeps the instance alive while a run continues after the 202. Default: Supabase's
   * `EdgeRuntime.waitUntil` when present; elsewhere the handler tracks the run itself (`idle()`).
   */
  waitUntil?: ((work: Promise<unknown>) => void) | undefined;
  /** Max connections this function instance opens. Default concurrency + 1. */
  maxConnections?: number | undefined;
  /** Identifies this invocation's leases in the queue; default `supabase-edge:<random>`. */
  workerName?: string | undefined;
  /** Where the per-invocation summary line goes; default console.log. Counts only, never PHI. */
  log?: ((line: string) => void) | undefined;
}

export interface ResolvedOptions extends EhrSyncHandlerOptions {
  budget: BudgetOptions;
  concurrency: number;
  doorbellSettleMs: number;
  maxBodyBytes: number;
  maxConnections: number;
  workerName: string;
  log: (line: string) => void;
}

export function resolveOptions(options: EhrSyncHandlerOptions): ResolvedOptions {
  if (!options || typeof options !== "object") throw new Error("createEhrSyncHandler: options are required");
  requireString(options.databaseUrl, "databaseUrl");
  if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    throw new Error("databaseUrl must be a postgres:// or postgresql:// connection string");
  }
  if (!options.ehrbase || typeof options.ehrbase !== "object") throw new Error("ehrbase is required");
  requireString(options.ehrbase.baseUrl, "ehrbase.baseUrl");
  if (!/^https?:\/\//.test(options.ehrbase.baseUrl))
    throw new Error("ehrbase.baseUrl must be an http(s) URL");
  const auth = options.auth ?? {};
  const anyCredential =
    Boolean(auth.jwtSecret) || (auth.sharedSecrets ?? []).some(Boolean) || auth.vaultSecretName !== false;
  if (!anyCredential) {
    throw new Error(
      "auth: set jwtSecret, sharedSecrets or vaultSecretName; refusing to run an open endpoint",
    );
  }
  if (auth.jwtLeewaySeconds !== undefined) nonNegative(auth.jwtLeewaySeconds, "auth.jwtLeewaySeconds");
  for (const secret of auth.sharedSecrets ?? []) {
    if (secret && secret.length < 16)
      throw new Error("auth.sharedSecrets entries must be at least 16 characters");
  }
  const plan = options.plan ?? "free";
  if (!(plan in PLAN_WALL_CLOCK_MS)) throw new Error(`plan must be "free" or "paid"`);
  const wallClockBudgetMs = options.budget?.wallClockBudgetMs ?? PLAN_WALL_CLOCK_MS[plan];
  const budget = validateBudgetOptions({
    wallClockBudgetMs,
    safetyMarginMs: options.budget?.safetyMarginMs ?? Math.min(10_000, Math.round(wallClockBudgetMs * 0.1)),
    cpuBudgetMs: options.budget?.cpuBudgetMs ?? 2_000,
    maxBatchSize: options.budget?.maxBatchSize ?? 50,
    initialItemWallMs: options.budget?.initialItemWallMs ?? 1_000,
    initialItemCpuMs: options.budget?.initialItemCpuMs ?? 20,
  });
  const concurrency = positiveInteger(options.concurrency ?? 4, "concurrency");
  return {
    ...options,
    auth: { ...auth, vaultSecretName: auth.vaultSecretName ?? "ehr_sync_function_key" },
    plan,
    budget,
    concurrency,
    doorbellSettleMs: nonNegative(options.doorbellSettleMs ?? 0, "doorbellSettleMs"),
    maxBodyBytes: positiveInteger(options.maxBodyBytes ?? 8_192, "maxBodyBytes"),
    maxConnections: positiveInteger(options.maxConnections ?? concurrency + 1, "maxConnections"),
    workerName: options.workerName ?? `supabase-edge:${crypto.randomUUID().slice(0, 8)}`,
    log: options.log ?? ((line) => console.log(line)),
  };
}

/**
 * Builds the options from an Edge Function's environment. Supabase provides SUPABASE_DB_URL and
 * SUPABASE_SERVICE_ROLE_KEY; the rest are function secrets (`supabase secrets set …`). Secret names
 * starting with SUPABASE_ are reserved on the platform, hence the EHR_SYNC_ prefix.
 */
export function ehrSyncOptionsFromEnv(env: Record<string, string | undefined>): EhrSyncHandlerOptions {
  const databaseUrl = env.EHR_SYNC_DATABASE_URL || env.SUPABASE_DB_URL;
  if (!databaseUrl) throw new Error("environment: SUPABASE_DB_URL (or EHR_SYNC_DATABASE_URL) is not set");
  const ehrbaseUrl = env.EHRBASE_URL;
  if (!ehrbaseUrl) throw new Error("environment: EHRBASE_URL is not set");
  const vaultName = env.EHR_SYNC_VAULT_SECRET_NAME;
  return {
    databaseUrl,
    ehrbase: {
      baseUrl: ehrbaseUrl,
      auth: ehrbaseAuthFromEnv(env),
      systemId: env.EHRBASE_SYSTEM_ID || undefined,
    },
    auth: {
      jwtSecret: env.EHR_SYNC_JWT_SECRET || env.SUPABASE_JWT_SECRET || undefined,
      sharedSecrets: [env.EHR_SYNC_SHARED_SECRET, env.SUPABASE_SERVICE_ROLE_KEY].filter(
        (value): value is string => Boolean(value),
      ),
      vaultSecretName: vaultName === "off" ? false : vaultName || undefined,
      jwtIssuer: env.EHR_SYNC_JWT_ISSUER || undefined,
      jwtAudience: env.EHR_SYNC_JWT_AUDIENCE || undefined,
      jwtLeewaySeconds: numberFromEnv(env, "EHR_SYNC_JWT_LEEWAY_SECONDS"),
    },
    plan: env.EHR_SYNC_PLAN === "paid" ? "paid" : env.EHR_SYNC_PLAN === "free" ? "free" : undefined,
    budget: {
      wallClockBudgetMs: numberFromEnv(env, "EHR_SYNC_WALL_CLOCK_BUDGET_MS"),
      safetyMarginMs: numberFromEnv(env, "EHR_SYNC_SAFETY_MARGIN_MS"),
      cpuBudgetMs: numberFromEnv(env, "EHR_SYNC_CPU_BUDGET_MS"),
      maxBatchSize: numberFromEnv(env, "EHR_SYNC_MAX_BATCH_SIZE"),
    },
    concurrency: numberFromEnv(env, "EHR_SYNC_CONCURRENCY"),
    doorbellSettleMs: numberFromEnv(env, "EHR_SYNC_DOORBELL_SETTLE_MS"),
    maxBodyBytes: numberFromEnv(env, "EHR_SYNC_MAX_BODY_BYTES"),
  };
}

function numberFromEnv(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`environment: ${name} must be a number`);
  return value;
}

function requireString(value: unknown, field: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) throw new Error(`${field} is required`);
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${field} must be a positive integer`);
  return value;
}

function nonNegative(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${field} must be zero or a positive number`);
  return value;
}
