/** `pg` statements retried while PostgreSQL is unreachable (why that is safe: core's retryWhileUnreachable). */
import { type RetryWhileUnreachableOptions, retryWhileUnreachable } from "@ehr-sync/core";
import type pg from "pg";
import type { Db } from "./db.js";

export function retryingDb(db: Db, options: RetryWhileUnreachableOptions): Db {
  const query = (...args: unknown[]) =>
    retryWhileUnreachable(() => (db.query as (...a: unknown[]) => Promise<pg.QueryResult>)(...args), options);
  return { query } as unknown as Db;
}
