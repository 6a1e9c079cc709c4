import type { Db } from "./db.js";

/** Gives dead jobs (all, or the given ids) a fresh retry window; each is reconciled before any resend. */
export async function requeueDead(db: Db, ids?: readonly string[]): Promise<number> {
  const result = await db.query<{ n: number }>("select ehr_sync.requeue_dead($1::bigint[]) as n", [
    ids && ids.length > 0 ? ids : null,
  ]);
  return result.rows[0]?.n ?? 0;
}
