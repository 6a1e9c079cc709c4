/** Writes rows into the app's notes table, as an app does (the note trigger queues the signed ones). */
import type pg from "pg";

/** Inserts rows into public.soap_notes in chunks of 100; returns their ids. */
export async function insertNotes(
  db: pg.Pool | pg.Client,
  rows: Record<string, unknown>[],
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    const columns = Object.keys(chunk[0] ?? {});
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = columns.map((column) => {
        values.push(row[column]);
        return `$${values.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    const result = await db.query<{ id: string }>(
      `insert into public.soap_notes (${columns.join(", ")}) values ${tuples.join(", ")} returning id::text`,
      values,
    );
    ids.push(...result.rows.map((r) => r.id));
  }
  return ids;
}
