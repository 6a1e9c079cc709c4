/**
 * Retention: `ehr-sync prune` (ehr_sync.prune) drops the note copies of delivered jobs and old attempt
 * rows, keeps what a requeue needs, and `status` reports the sizes. Metrics: served on 127.0.0.1 by
 * default, and a burst of scrapes reads the database once per snapshot period.
 */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Bed } from "@ehr-sync/testkit/bed";
import type pg from "pg";
import { describe, expect } from "vitest";
import { runCli } from "../src/cli-commands.js";
import { WorkerMetrics } from "../src/metrics.js";
import { queueStatus } from "../src/store/queue-status.js";
import { insertNotes, nodeBedTest, sampleNoteRow } from "./helpers/bed.js";

const it = nodeBedTest("ehrsync_retention");

async function cli(bed: Bed, args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const code = await runCli(args, {
    env: { DATABASE_URL: bed.url },
    print: (line) => lines.push(line),
    stopSignal: new Promise(() => {}),
  });
  expect(code).toBe(0);
  return lines;
}

describe("retention", () => {
  it("drops the note copy of delivered jobs past the period, keeps recent and dead ones, prunes old attempts", async ({
    bed,
  }) => {
    const ids = await insertNotes(
      bed.pool,
      Array.from({ length: 6 }, () => sampleNoteRow(`pat-${randomUUID()}`)),
    );
    const job = (i: number) => `(select id from ehr_sync.queue where note_id = '${ids[i]}')`;
    // 0–2 delivered 10 days ago, 3 delivered today, 4 dead 10 days ago, 5 still waiting.
    await bed.pool.query(
      `update ehr_sync.queue set state = 'succeeded', completed_at = now() - interval '10 days'
        where id in (${job(0)}, ${job(1)}, ${job(2)})`,
    );
    await bed.pool.query(
      `update ehr_sync.queue set state = 'succeeded', completed_at = now() where id = ${job(3)}`,
    );
    await bed.pool.query(
      `update ehr_sync.queue set state = 'dead', completed_at = now() - interval '10 days' where id = ${job(4)}`,
    );
    for (let i = 0; i < 6; i += 1) {
      await bed.pool.query(
        `insert into ehr_sync.attempts (job_id, worker_id, lease_token, action, duration_ms, outcome, created_at)
         values (${job(i)}, 'w', gen_random_uuid(), 'create', 5, 'success', now() - interval '40 days')`,
      );
    }
    const before = await queueStatus(bed.pool);
    expect(before.storage.queueBytes).toBeGreaterThan(0);
    expect(before.storage.attemptsBytes).toBeGreaterThan(0);

    const printed = await cli(bed, ["prune", "--payload-days", "7", "--attempt-days", "30"]);
    expect(printed).toEqual(["3 note copies dropped, 5 attempt rows deleted"]);

    const rows = await bed.pool.query<{ note_id: string; has_payload: boolean; pruned: boolean }>(
      "select note_id, payload is not null as has_payload, payload_pruned_at is not null as pruned from ehr_sync.queue",
    );
    const byNote = new Map(rows.rows.map((r) => [r.note_id, r]));
    expect(ids.map((id) => byNote.get(id)?.has_payload)).toEqual([false, false, false, true, true, true]);
    expect(ids.map((id) => byNote.get(id)?.pruned)).toEqual([true, true, true, false, false, false]);
    // The waiting job's attempts stay whatever their age; the finished jobs' old ones are gone.
    const left = await bed.pool.query<{ n: number }>("select count(*)::int as n from ehr_sync.attempts");
    expect(left.rows[0]?.n).toBe(1);
    // The dead job keeps its copy, so it can still be requeued; a pruned one cannot be.
    expect(await cli(bed, ["requeue", "--all"])).toEqual(["1 dead job(s) queued again"]);

    // Dead jobs' copies go only when asked.
    await bed.pool.query(
      `update ehr_sync.queue set state = 'dead', completed_at = now() - interval '10 days' where id = ${job(4)}`,
    );
    expect(await cli(bed, ["prune", "--dead-payload-days", "7"])).toEqual([
      "1 note copies dropped, 0 attempt rows deleted",
    ]);
    expect(await cli(bed, ["requeue", "--all"])).toEqual(["0 dead job(s) queued again"]);
    const status = await cli(bed, ["status"]);
    expect(status.some((line) => /^storage: queue \d+\.\d MB, attempts \d+\.\d MB$/.test(line))).toBe(true);
  });
});

describe("metrics", () => {
  it("binds 127.0.0.1 by default and reads the database once per snapshot period however often it is scraped", async ({
    bed,
  }) => {
    let statements = 0;
    const counting = {
      query: (...args: Parameters<pg.Pool["query"]>) => {
        statements += 1;
        return (bed.pool.query as (...a: unknown[]) => unknown)(...args);
      },
    } as unknown as pg.Pool;
    const metrics = new WorkerMetrics({ snapshotTtlMs: 60_000 });
    metrics.bind(counting);
    const server = await metrics.serve(0);
    try {
      const address = server.address() as AddressInfo;
      expect(address.address).toBe("127.0.0.1");
      const bodies = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`http://127.0.0.1:${address.port}/metrics`).then((r) => r.text()),
        ),
      );
      for (let i = 0; i < 5; i += 1)
        bodies.push(await (await fetch(`http://127.0.0.1:${address.port}/metrics`)).text());
      expect(bodies.every((b) => b.includes('ehr_sync_queue_jobs{state="pending"}'))).toBe(true);
      expect(bodies.every((b) => b.includes("ehr_sync_write_backs_pending"))).toBe(true);
      expect(statements).toBe(1);
    } finally {
      server.close();
    }
  });
});
