import type { Db } from "./db.js";

export interface PruneOptions {
  /** Drop the note copy of delivered jobs finished longer ago than this (default 7 days). */
  payloadAfterDays?: number;
  /** Delete attempt rows of finished jobs older than this (default 30 days). */
  attemptsAfterDays?: number;
  /** Also drop the note copy of dead jobs finished longer ago than this (default: never; requeue needs it). */
  deadPayloadAfterDays?: number;
}

/** Retention (ehr_sync.prune): the queue keeps no note copy and no attempt rows longer than it needs. */
export async function pruneQueue(
  db: Db,
  options: PruneOptions = {},
): Promise<{ payloadsDropped: number; attemptsDeleted: number }> {
  const days = (value: number | undefined, fallback: number | null) =>
    (value ?? fallback)?.toString() ?? null;
  const result = await db.query<{ payloads_dropped: string; attempts_deleted: string }>(
    `select payloads_dropped, attempts_deleted from ehr_sync.prune(
       make_interval(days => $1::int), make_interval(days => $2::int),
       case when $3::int is null then null else make_interval(days => $3::int) end)`,
    [
      days(options.payloadAfterDays, 7),
      days(options.attemptsAfterDays, 30),
      days(options.deadPayloadAfterDays, null),
    ],
  );
  const row = result.rows[0];
  return {
    payloadsDropped: Number(row?.payloads_dropped ?? 0),
    attemptsDeleted: Number(row?.attempts_deleted ?? 0),
  };
}
