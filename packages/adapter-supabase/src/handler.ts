/**
 * createEhrSyncHandler: the Edge Function's request handler.
 *
 *   authenticate ─▶ (401, nothing touched)
 *        │
 *        ▼
 *   budget from the request's arrival ─▶ drain: claim a round sized to the time and CPU left,
 *   run each item through the shared sync engine, repeat ─▶ release unfinished leases ─▶ JSON summary
 *
 * A cron call waits for the summary; a doorbell call is answered 202 at once and drains in the
 * background (EdgeRuntime.waitUntil on Supabase), so the signing transaction never waits on EHRbase.
 */
import { createAuthenticator } from "./auth.js";
import { InvocationBudget, systemClock } from "./budget.js";
import { connectDatabase, readVaultSecret, type Sql } from "./database.js";
import { deadlineAfter } from "./deadline.js";
import { drainQueue } from "./drain.js";
import { type EhrSyncHandlerOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { createQueuePorts } from "./queue-ports.js";
import type { InvocationSummary } from "./summary.js";
import { cachedVaultSecret } from "./vault-secret.js";

export type InvocationTrigger = "cron" | "doorbell" | "manual";

export type EhrSyncHandler = ((request: Request) => Promise<Response>) & {
  /** Closes the database pool (tests, graceful shutdown). */
  close(): Promise<void>;
};

export function createEhrSyncHandler(options: EhrSyncHandlerOptions): EhrSyncHandler {
  const resolved = resolveOptions(options);
  let sql: Sql | undefined;
  const database = () => {
    sql ??= connectDatabase(resolved.databaseUrl, resolved.maxConnections);
    return sql;
  };
  const vaultName = resolved.auth.vaultSecretName;
  const vaultSecret = vaultName
    ? cachedVaultSecret((name) => readVaultSecret(database(), name), vaultName)
    : undefined;
  const staticSecrets = (resolved.auth.sharedSecrets ?? []).filter(Boolean);
  const authenticate = createAuthenticator({
    jwtSecret: resolved.auth.jwtSecret,
    sharedSecrets: async () => {
      // If Vault cannot be read, only the statically configured credentials count.
      const fromVault = vaultSecret ? await vaultSecret().catch(() => undefined) : undefined;
      return fromVault ? [...staticSecrets, fromVault] : staticSecrets;
    },
  });

  const handler = async (request: Request): Promise<Response> => {
    const arrivedAt = performance.now();
    const decision = await authenticate(request);
    if (!decision.ok) return json(401, { error: "unauthorized", reason: decision.reason });
    if (request.method !== "POST") return json(405, { error: "method_not_allowed", allowed: "POST" });
    const trigger = await readTrigger(request);
    if (trigger instanceof Error) return json(400, { error: "bad_request", message: trigger.message });

    const invocation = runInvocation(resolved, database(), arrivedAt, trigger);
    if (trigger === "doorbell") {
      keepAliveUntil(invocation.catch(() => undefined));
      return json(202, { accepted: true, trigger });
    }
    try {
      return json(200, await invocation);
    } catch (error) {
      return json(503, { error: "queue_unavailable", code: errorCode(error) });
    }
  };
  return Object.assign(handler, {
    close: async () => {
      await sql?.end({ timeout: 5 });
      sql = undefined;
    },
  });
}

async function runInvocation(
  options: ResolvedOptions,
  sql: Sql,
  arrivedAt: number,
  trigger: InvocationTrigger,
): Promise<InvocationSummary> {
  const budget = new InvocationBudget(options.budget, systemClock, arrivedAt);
  const deadline = deadlineAfter(budget.deadlineMs - performance.now());
  try {
    const ports = createQueuePorts(sql, options, deadline.signal);
    const builder = await drainQueue(ports, budget, deadline, {
      concurrency: options.concurrency,
      minLeaseSeconds: 1,
      settleMs: trigger === "doorbell" ? options.doorbellSettleMs : 0,
      settlePollMs: 250,
      cpuMs: systemClock.cpuMs,
    });
    const summary = builder.build({
      totalMs: performance.now() - arrivedAt,
      budgetMs: options.budget.wallClockBudgetMs,
      deadlineMs: budget.deadlineMs - arrivedAt,
    });
    options.log(JSON.stringify({ event: "ehr_sync.invocation", trigger, ...summary }));
    return summary;
  } catch (error) {
    options.log(JSON.stringify({ event: "ehr_sync.invocation_failed", trigger, code: errorCode(error) }));
    throw error;
  } finally {
    deadline.dispose();
  }
}

async function readTrigger(request: Request): Promise<InvocationTrigger | Error> {
  const text = await request.text();
  if (text.trim() === "") return "manual";
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Error('body must be JSON, e.g. {"trigger":"cron"}');
  }
  if (!body || typeof body !== "object" || Array.isArray(body))
    return new Error("body must be a JSON object");
  const trigger = (body as { trigger?: unknown }).trigger;
  if (trigger === undefined) return "manual";
  if (trigger === "cron" || trigger === "doorbell" || trigger === "manual") return trigger;
  return new Error('trigger must be "cron", "doorbell" or "manual"');
}

/** On Supabase, EdgeRuntime.waitUntil keeps the instance alive for background work; plain Deno needs nothing. */
function keepAliveUntil(work: Promise<unknown>): void {
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil?: (p: Promise<unknown>) => void } }).EdgeRuntime;
  runtime?.waitUntil?.(work);
}

/** A machine-readable error class, never the message (messages can echo data). */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[A-Za-z0-9_]{1,40}$/.test(code)) return code;
  return error instanceof Error ? error.name : "unknown";
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}
