/**
 * createEhrSyncHandler: the Edge Function's request handler.
 *
 *   body larger than maxBodyBytes ─▶ 413 (before any database work)
 *   authenticate ─▶ 401 (nothing touched)
 *        │
 *        ▼
 *   record the run (ehr_sync_supabase.begin_run) ─▶ answer 202 {runId} AT ONCE
 *        │  (in the background, kept alive by EdgeRuntime.waitUntil on Supabase)
 *        ▼
 *   budget from the request's arrival ─▶ drain: claim a round sized to the time and CPU left,
 *   run each item through the shared sync engine, repeat ─▶ release unfinished leases
 *   ─▶ record the outcome (ehr_sync_supabase.finish_run) and log the JSON summary
 *
 * Every caller (doorbell, cron, manual) gets its answer in milliseconds: pg_net's single worker
 * finishes a whole batch before it takes new requests, so a caller waiting for the drain would hold
 * up every other net.http_* request of the project. What the run did is in ehr_sync_supabase.runs.
 */
import {
  deadlineAfter,
  drainQueue,
  InvocationBudget,
  type InvocationSummary,
  systemClock,
} from "@ehr-sync/core";
import { createAuthenticator } from "./auth.js";
import {
  beginRun,
  connectDatabase,
  finishRun,
  readVaultSecret,
  recordFirstClaim,
  type Sql,
} from "./database.js";
import { type EhrSyncHandlerOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { createQueuePorts } from "./queue-ports.js";
import { readBodyWithin } from "./request-body.js";
import { cachedVaultSecret } from "./vault-secret.js";

export type InvocationTrigger = "cron" | "doorbell" | "manual";

export type EhrSyncHandler = ((request: Request) => Promise<Response>) & {
  /** Resolves when every run started so far has finished (tests, graceful shutdown). */
  idle(): Promise<void>;
  /** Waits for running runs, then closes the database pool. */
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
    jwtChecks: {
      issuer: resolved.auth.jwtIssuer,
      audience: resolved.auth.jwtAudience,
      leewaySeconds: resolved.auth.jwtLeewaySeconds,
    },
    sharedSecrets: async () => {
      // If Vault cannot be read, only the statically configured credentials count.
      const fromVault = vaultSecret
        ? await vaultSecret().catch((error: unknown) => {
            resolved.log(JSON.stringify({ event: "ehr_sync.vault_unreadable", code: errorCode(error) }));
            return undefined;
          })
        : undefined;
      return fromVault ? [...staticSecrets, fromVault] : staticSecrets;
    },
  });
  const running = new Set<Promise<unknown>>();
  const keepAlive = (work: Promise<unknown>) => {
    running.add(work);
    void work.finally(() => running.delete(work));
    const waitUntil = resolved.waitUntil ?? edgeRuntimeWaitUntil();
    waitUntil?.(work);
  };
  const idle = async () => {
    while (running.size > 0) await Promise.allSettled([...running]);
  };

  const handler = async (request: Request): Promise<Response> => {
    const arrivedAt = performance.now();
    const body = await readBodyWithin(request, resolved.maxBodyBytes);
    if (body === undefined) {
      return json(413, { error: "payload_too_large", maxBytes: resolved.maxBodyBytes });
    }
    const decision = await authenticate(request);
    if (!decision.ok) return json(401, { error: "unauthorized", reason: decision.reason });
    if (request.method !== "POST") return json(405, { error: "method_not_allowed", allowed: "POST" });
    const call = parseCall(body);
    if (call instanceof Error) return json(400, { error: "bad_request", message: call.message });

    let runId: number;
    try {
      runId = await beginRun(database(), call.trigger, call.callId);
    } catch (error) {
      resolved.log(JSON.stringify({ event: "ehr_sync.run_not_started", code: errorCode(error) }));
      return json(503, { error: "queue_unavailable", code: errorCode(error) });
    }
    keepAlive(runInvocation(resolved, database(), arrivedAt, call, runId));
    return json(202, { accepted: true, trigger: call.trigger, runId });
  };
  return Object.assign(handler, {
    idle,
    close: async () => {
      await idle();
      await sql?.end({ timeout: 5 });
      sql = undefined;
    },
  });
}

async function runInvocation(
  options: ResolvedOptions,
  sql: Sql,
  arrivedAt: number,
  { trigger, firstJobId }: Call,
  runId: number,
): Promise<void> {
  const budget = new InvocationBudget(options.budget, systemClock, arrivedAt);
  const deadline = deadlineAfter(budget.deadlineMs - performance.now());
  let outcome:
    | InvocationSummary
    | { stoppedBecause: "failed"; errorCode: string; durations: { totalMs: number } };
  try {
    const ports = createQueuePorts(sql, options, deadline.signal);
    const builder = await drainQueue(ports, budget, deadline, {
      concurrency: options.concurrency,
      minLeaseSeconds: 1,
      settleMs: trigger === "doorbell" ? options.doorbellSettleMs : 0,
      settlePollMs: 250,
      preferFromId: firstJobId ?? undefined,
      // Only a record: a failure to write it never stops the run (finish_run writes it again).
      onFirstClaim: (claimed, rungFor) =>
        recordFirstClaim(sql, runId, claimed, rungFor).catch((error: unknown) => {
          options.log(JSON.stringify({ event: "ehr_sync.run_not_recorded", runId, code: errorCode(error) }));
        }),
      cpuMs: systemClock.cpuMs,
    });
    outcome = builder.build({
      totalMs: performance.now() - arrivedAt,
      budgetMs: options.budget.wallClockBudgetMs,
      deadlineMs: budget.deadlineMs - arrivedAt,
    });
    options.log(JSON.stringify({ event: "ehr_sync.invocation", trigger, runId, ...outcome }));
  } catch (error) {
    outcome = {
      stoppedBecause: "failed",
      errorCode: errorCode(error),
      durations: { totalMs: Math.round(performance.now() - arrivedAt) },
    };
    options.log(
      JSON.stringify({ event: "ehr_sync.invocation_failed", trigger, runId, code: outcome.errorCode }),
    );
  } finally {
    deadline.dispose();
  }
  try {
    await finishRun(sql, runId, outcome);
  } catch (error) {
    options.log(JSON.stringify({ event: "ehr_sync.run_not_recorded", runId, code: errorCode(error) }));
  }
}

interface Call {
  trigger: InvocationTrigger;
  /** ehr_sync_supabase.calls id sent by the doorbell / cron job, tying the run to pg_net's request. */
  callId: number | null;
  /** The smallest queue id the doorbell rang for (ehr_sync.claim_batch claims from it first). */
  firstJobId: string | null;
}

function parseCall(text: string): Call | Error {
  if (text.trim() === "") return { trigger: "manual", callId: null, firstJobId: null };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Error('body must be JSON, e.g. {"trigger":"cron"}');
  }
  if (!body || typeof body !== "object" || Array.isArray(body))
    return new Error("body must be a JSON object");
  const {
    trigger = "manual",
    callId = null,
    firstJobId = null,
  } = body as { trigger?: unknown; callId?: unknown; firstJobId?: unknown };
  if (trigger !== "cron" && trigger !== "doorbell" && trigger !== "manual")
    return new Error('trigger must be "cron", "doorbell" or "manual"');
  if (callId !== null && !(Number.isSafeInteger(callId) && (callId as number) > 0))
    return new Error("callId must be a positive integer");
  if (firstJobId !== null && !(Number.isSafeInteger(firstJobId) && (firstJobId as number) > 0))
    return new Error("firstJobId must be a positive integer (a queue job id)");
  return {
    trigger,
    callId: callId as number | null,
    firstJobId: firstJobId === null ? null : String(firstJobId),
  };
}

/** On Supabase, EdgeRuntime.waitUntil keeps the instance alive for background work. */
function edgeRuntimeWaitUntil(): ((work: Promise<unknown>) => void) | undefined {
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil?: (p: Promise<unknown>) => void } }).EdgeRuntime;
  return runtime?.waitUntil ? (work) => runtime.waitUntil?.(work) : undefined;
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
