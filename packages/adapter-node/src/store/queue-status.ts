import type { Db } from "./db.js";

export interface QueueStatus {
  counts: Record<"pending" | "leased" | "retry_scheduled" | "succeeded" | "dead", number>;
  /** Age of the oldest job still waiting to be delivered (pending, leased or retry_scheduled). */
  oldestUndeliveredSeconds: number | null;
  destination: { pausedUntil: Date | null; pauseReason: string | null; ordering: string };
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
      where state in ('pending', 'leased', 'retry_scheduled')`,
  );
  const destination = await db.query<{
    paused_until: Date | null;
    pause_reason: string | null;
    ordering: string;
  }>("select paused_until, pause_reason, ordering from ehr_sync.destination where id = 'default'");
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
  const result: QueueStatus["counts"] = { pending: 0, leased: 0, retry_scheduled: 0, succeeded: 0, dead: 0 };
  for (const row of counts.rows) result[row.state] = row.jobs;
  const d = destination.rows[0];
  return {
    counts: result,
    oldestUndeliveredSeconds: oldest.rows[0]?.age ?? null,
    destination: {
      pausedUntil: d?.paused_until ?? null,
      pauseReason: d?.pause_reason ?? null,
      ordering: d?.ordering ?? "supersede",
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
