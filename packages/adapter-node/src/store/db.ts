import type pg from "pg";

/**
 * Anything that runs one statement: a Pool, a pooled client or a plain Client. Every store call is a
 * single autocommit statement with unnamed parameters, so it also works behind a transaction-mode
 * pooler (no session state, no named prepared statements).
 */
export type Db = Pick<pg.Pool, "query">;

export async function returnsTrue(db: Db, text: string, values: unknown[]): Promise<boolean> {
  const result = await db.query<{ ok: boolean }>(text, values);
  return result.rows[0]?.ok === true;
}
