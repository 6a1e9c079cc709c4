/**
 * The operator's queue calls (CLI, dashboard, start-up), over the same `(text, values)` query function
 * and statement catalogue as the engine's store.
 */
import { queueStatements as q, type SqlQuery } from "./queue-statements.js";

export interface PruneOptions {
  /** Drop the note copy of delivered jobs finished longer ago than this (default 7 days). */
  payloadAfterDays?: number;
  /** Delete attempt rows of finished jobs older than this (default 30 days). */
  attemptsAfterDays?: number;
  /** Also drop the note copy of dead jobs finished longer ago than this (default: never; requeue needs it). */
  deadPayloadAfterDays?: number;
}

/** One line of the upgrade's report: what it does (or would do) and to how many items. */
export interface UpgradeStep {
  action: string;
  target: string;
  items: number;
}

export interface QueueAdmin {
  /** Queues the signed notes of `table` that were signed before installation (idempotent). */
  backfill(table: string, patientColumn?: string): Promise<number>;
  /** Gives dead jobs (all, or the given ids) a fresh retry window; each is reconciled before any resend. */
  requeueDead(ids?: readonly string[]): Promise<number>;
  /** Retention (ehr_sync.prune): no note copy and no attempt rows kept longer than needed. */
  prune(options?: PruneOptions): Promise<{ payloadsDropped: number; attemptsDeleted: number }>;
  /** Lease rescue (in SQL) applies the engine's retry limits to jobs whose worker was lost. */
  setRetryLimits(maxAttempts: number, maxAgeMs: number): Promise<void>;
  /** Upgrades in place from the hand-made setup (packages/core/sql/0007); one transaction. */
  upgradeFromHandmade(dryRun: boolean, jobCommand: string): Promise<UpgradeStep[]>;
  /** Whether any job is leased or runnable now (a worker's drain waits for false). */
  anythingToDo(): Promise<boolean>;
}

export function queueAdmin(query: SqlQuery): QueueAdmin {
  const count = (rows: readonly object[]) => Number((rows[0] as { n?: unknown } | undefined)?.n ?? 0);
  return {
    backfill: async (table, patientColumn = "patient_id") =>
      count(await query(q.backfill, [table, patientColumn])),
    requeueDead: async (ids) => {
      if (ids?.some((id) => !/^\d+$/.test(id)))
        throw new TypeError("requeueDead: ids must be job ids (digits only)");
      return count(await query(q.requeueDead, [ids && ids.length > 0 ? `{${ids.join(",")}}` : null]));
    },
    prune: async (options = {}) => {
      const days = (value: number | undefined, fallback: number | null) => value ?? fallback;
      const rows = (await query(q.prune, [
        days(options.payloadAfterDays, 7),
        days(options.attemptsAfterDays, 30),
        days(options.deadPayloadAfterDays, null),
      ])) as { payloads_dropped: string | number; attempts_deleted: string | number }[];
      return {
        payloadsDropped: Number(rows[0]?.payloads_dropped ?? 0),
        attemptsDeleted: Number(rows[0]?.attempts_deleted ?? 0),
      };
    },
    setRetryLimits: async (maxAttempts, maxAgeMs) => {
      await query(q.setRetryLimits, [maxAttempts, Math.round(maxAgeMs)]);
    },
    upgradeFromHandmade: async (dryRun, jobCommand) =>
      (await query(q.upgradeFromHandmade, [dryRun, jobCommand])) as UpgradeStep[],
    anythingToDo: async () =>
      ((await query(q.anythingToDo, []))[0] as { busy?: unknown } | undefined)?.busy === true,
  };
}
