import { QUEUE_STATES, type QueueState, UNDELIVERED_JOB } from "@ehr-sync/core";
import type { Db } from "./db.js";

export interface QueueStatus {
  counts: Record<QueueState, number>;
  /** Age of the oldest job still waiting to be delivered (pending, leased or retry_scheduled). */
  oldestUndeliveredSeconds: number | null;
  destination: {
    pausedUntil: Date | null;
    pauseReason: string | null;
    /** Pauses in a row (each failed probe adds one); the next pause grows with it. */
    consecutivePauses: number;
    /** When the current run of pauses began. */
    pausedSince: Date | null;
    ordering: string;
  };
  /** Delivered jobs whose status is not yet on the app's note row (locked or refused; retried). */
  writeBacks: { pending: number; refused: number };
  /** Disk used by the queue (note copies included) and the attempt log, in bytes; see `ehr-sync prune`. */
  storage: { queueBytes: number; attemptsBytes: number };
  /** Dead jobs with their PHI-free reasons (newest first, at most `deadLimit`). */
  dead: {
    id: string;
    noteVersion: number;
    attempts: number;
    errorClass: string | null;
    reason: string | null;
  }[];
}

export async function queueStatus(db: Db, deadLimit = 20): Promise<QueueStatus> {
  const counts = await db.query<{ state: keyof QueueStatus["counts"]; jobs: number }>(
    "select state, jobs from ehr_sync.queue_status",
  );
  const oldest = await db.query<{ age: number | null }>(
    `select extract(epoch from now() - min(enqueued_at))::float8 as age from ehr_sync.queue
      where ${UNDELIVERED_JOB}`,
  );
  const destination = await db.query<{
    paused_until: Date | null;
    pause_reason: string | null;
    consecutive_pauses: number;
    paused_since: Date | null;
    ordering: string;
  }>(
    "select paused_until, pause_reason, consecutive_pauses, paused_since, ordering from ehr_sync.destination where id = 'default'",
  );
  const extra = await db.query<{
    pending: number;
    refused: number;
    queue_bytes: string;
    attempts_bytes: string;
  }>(
    `select count(*) filter (where writeback_pending)::int as pending,
            count(*) filter (where writeback_pending and writeback_error like 'write-back refused%')::int as refused,
            pg_total_relation_size('ehr_sync.queue')::text as queue_bytes,
            pg_total_relation_size('ehr_sync.attempts')::text as attempts_bytes
       from ehr_sync.queue where writeback_pending`,
  );
  const dead = await db.query<{
    id: string;
    note_version: number;
    attempts: number;
    last_error_class: string | null;
    last_error: string | null;
  }>(
    `select id::text, note_version, attempts, last_error_class, last_error from ehr_sync.queue
      where state = 'dead' order by id desc limit $1`,
    [deadLimit],
  );
  const result = Object.fromEntries(QUEUE_STATES.map((state) => [state, 0])) as QueueStatus["counts"];
  for (const row of counts.rows) result[row.state] = row.jobs;
  const d = destination.rows[0];
  return {
    counts: result,
    oldestUndeliveredSeconds: oldest.rows[0]?.age ?? null,
    destination: {
      pausedUntil: d?.paused_until ?? null,
      pauseReason: d?.pause_reason ?? null,
      consecutivePauses: d?.consecutive_pauses ?? 0,
      pausedSince: d?.paused_since ?? null,
      ordering: d?.ordering ?? "supersede",
    },
    writeBacks: { pending: extra.rows[0]?.pending ?? 0, refused: extra.rows[0]?.refused ?? 0 },
    storage: {
      queueBytes: Number(extra.rows[0]?.queue_bytes ?? 0),
      attemptsBytes: Number(extra.rows[0]?.attempts_bytes ?? 0),
    },
    dead: dead.rows.map((r) => ({
      id: r.id,
      noteVersion: r.note_version,
      attempts: r.attempts,
      errorClass: r.last_error_class,
      reason: r.last_error,
    })),
  };
}
