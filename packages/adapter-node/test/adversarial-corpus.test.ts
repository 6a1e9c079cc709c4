/**
 * core's adversarial note corpus through the worker: rejected notes end dead with a clear, PHI-free
 * reason naming the field; the accepted ones are delivered and not held up. Logs carry no note text.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { describe, expect } from "vitest";
import { CORPUS } from "../../core/test/corpus/notes.js";
import { createLogger } from "../src/logger.js";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, nodeBedTest } from "./helpers/bed.js";

const it = nodeBedTest("ehrsync_corpus", { requiresEhrbase: true });

/** The note's free text, names and identifiers: what must never appear in a reason or a log line. */
function sensitiveTexts(input: unknown): string[] {
  const n = (input ?? {}) as Record<string, Record<string, unknown> | unknown>;
  const at = (o: unknown, k: string) =>
    o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined;
  const values = [
    n.noteId,
    n.subjective,
    n.objective,
    n.assessment,
    n.plan,
    at(n.patient, "id"),
    at(n.provider, "name"),
    at(n.facility, "name"),
    at(n.encounter, "id"),
  ];
  return values.filter((v): v is string => typeof v === "string" && v.trim().length >= 6);
}

/** The corpus cases PostgreSQL refuses to store, with the SQLSTATE it refuses them with. */
const UNSTORABLE = [
  { name: "NUL character in the story", code: "22P05" }, // untranslatable_character: U+0000 in jsonb
  { name: "unpaired surrogate in the assessment", code: "22P02" }, // invalid_text_representation
];

describe("adversarial corpus", () => {
  it("buries rejected notes with PHI-free reasons and delivers the others", async ({ bed }) => {
    const keys = new Map<string, (typeof CORPUS)[number]>();
    // Some adversarial inputs (U+0000, lone surrogates, non-JSON values) cannot exist in a PostgreSQL
    // row at all: jsonb rejects them, so they never reach the queue. The rest go through the worker.
    const unstorable: { name: string; code: string | undefined }[] = [];
    for (const c of CORPUS) {
      const noteId = (c.input as { noteId?: unknown } | null)?.noteId;
      const key = typeof noteId === "string" ? noteId : `missing-${randomUUID()}`;
      try {
        await bed.pool.query("select ehr_sync.enqueue($1, 1, $2, $3::jsonb)", [
          key,
          `pat-${randomUUID()}`,
          JSON.stringify(c.input ?? null),
        ]);
        keys.set(key, c);
      } catch (error) {
        unstorable.push({ name: c.name, code: (error as { code?: string }).code });
      }
    }
    // exactly these, each refused by PostgreSQL's jsonb itself; any other failure is a bug
    expect(unstorable).toEqual(UNSTORABLE);
    const queued = await bed.pool.query<{ n: number }>("select count(*)::int as n from ehr_sync.queue");
    expect(queued.rows[0]?.n).toBe(CORPUS.length - UNSTORABLE.length);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const worker = createWorker({
      connectionString: bed.url,
      ehrbase: ehrbaseOptions(),
      concurrency: 4,
      toInput: (payload) => payload,
      logger: createLogger({ level: "debug", destination: sink }),
    });
    await worker.runOnce();

    const rows = await bed.pool.query<{ note_id: string; state: string; last_error: string | null }>(
      "select note_id, state, last_error from ehr_sync.queue",
    );
    const logs = lines.join("");
    for (const row of rows.rows) {
      const c = keys.get(row.note_id);
      if (!c) throw new Error("unknown job");
      if (c.rejects) {
        expect(row.state, c.name).toBe("dead");
        for (const field of c.rejects) expect(row.last_error, c.name).toContain(field);
      } else {
        expect(row.state, c.name).toBe("succeeded");
      }
      // No value of the note (text, names, ids) in the stored reason or the logs.
      for (const text of sensitiveTexts(c.input)) {
        if (row.last_error)
          expect(row.last_error.includes(text), `${c.name}: reason quotes note data`).toBe(false);
        expect(logs.includes(text), `${c.name}: logs quote note data: ${text.slice(0, 40)}`).toBe(false);
      }
    }
    expect(rows.rows.filter((r) => r.state === "succeeded").length).toBeGreaterThan(0);
  });
});
