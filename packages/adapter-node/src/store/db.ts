import type { SqlQuery } from "@ehr-sync/core";
import type pg from "pg";

/**
 * Anything that runs one statement: a Pool, a pooled client or a plain Client. Every queue call is a
 * single autocommit statement with unnamed parameters (core's queue-statements.ts), so it also works
 * behind a transaction-mode pooler (no session state, no named prepared statements).
 */
export type Db = Pick<pg.Pool, "query">;

/** core's `(text, values) → rows` over `pg`: what sqlQueueStore and queueAdmin run on. */
export function pgQuery(db: Db): SqlQuery {
  return async (text, values) => (await db.query(text, values)).rows;
}
