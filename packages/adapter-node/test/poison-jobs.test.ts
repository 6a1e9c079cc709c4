/**
 * A note whose delivery kills its worker every time (memory, an edge CPU limit) must not loop forever:
 * each lost lease counts toward max attempts, and the job ends dead with a clear, PHI-free reason
 * while the other notes are delivered.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import { describe, expect } from "vitest";
import { insertNotes, nodeBedTest, sampleNoteRow } from "./helpers/bed.js";
import { exited } from "./helpers/worker-process.js";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const it = nodeBedTest("ehrsync_poison");

describe("poison jobs", () => {
  it("dead-letters a note that kills its worker each time, after max attempts, and delivers the rest", async ({
    bed,
  }) => {
    await bed.pool.query("select ehr_sync.set_retry_limits(3, 86400000)");
    const patient = `pat-${randomUUID()}`;
    const ids = await insertNotes(bed.pool, [
      sampleNoteRow(patient, { plan: "POISON" }),
      ...Array.from({ length: 4 }, () => sampleNoteRow(`pat-${randomUUID()}`)),
    ]);
    const poison = ids[0] as string;
    const config = ehrbaseTestConfig();
    const env = {
      ...process.env,
      DATABASE_URL: bed.url,
      EHRBASE_URL: config.baseUrl,
      EHRBASE_USER: config.user,
      EHRBASE_PASSWORD: config.password,
      EHR_SYNC_LOG_LEVEL: "error",
    };
    const poisonState = async () =>
      (
        await bed.pool.query(
          "select state, last_error_class, last_error, leases_lost from ehr_sync.queue where note_id = $1",
          [poison],
        )
      ).rows[0];

    const spawnWorker = () =>
      spawn(process.execPath, ["--import", "tsx", "test/helpers/poison-worker.ts"], {
        cwd: packageRoot,
        env,
        stdio: ["ignore", "ignore", "inherit"],
      });
    // Start a worker again whenever the note has killed one, as a supervisor (systemd, k8s) would,
    // until one finds the job dead-lettered and lives on.
    let deaths = 0;
    let survivor: ReturnType<typeof spawn> | undefined;
    while (!survivor && deaths < 8) {
      const child = spawnWorker();
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) break;
        if ((await poisonState()).state === "dead") {
          survivor = child;
          break;
        }
        await sleep(200);
      }
      if (survivor) break;
      await exited(child);
      if (child.signalCode === "SIGKILL") deaths += 1;
    }
    try {
      // The survivor drains the other notes.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = await bed.pool.query(
          "select count(*)::int as n from ehr_sync.queue where state = 'succeeded' and note_id <> $1",
          [poison],
        );
        if (r.rows[0].n === 4 || Date.now() > deadline) break;
        await sleep(250);
      }
    } finally {
      survivor?.kill("SIGTERM");
      if (survivor) await exited(survivor);
    }

    expect(deaths).toBe(3);
    expect(await poisonState()).toEqual({
      state: "dead",
      last_error_class: "worker-lost",
      last_error: "worker lost 3 times while delivering this note (lease expired); gave up after 3 attempts",
      leases_lost: 3,
    });
    const row = await bed.pool.query(
      "select ehr_sync_status, ehr_sync_error from public.soap_notes where id = $1",
      [poison],
    );
    expect(row.rows[0].ehr_sync_status).toBe("failed");
    expect(row.rows[0].ehr_sync_error).toMatch(/^worker lost 3 times/);
    const others = await bed.pool.query(
      "select count(*)::int as n from public.soap_notes where id <> $1 and ehr_sync_status = 'completed'",
      [poison],
    );
    expect(others.rows[0].n).toBe(4);
  }, 120_000);
});
