/**
 * What the README promises about the `ehr-sync` CLI, checked on rows and processes rather than on
 * printed text: `requeue --all` gives every dead job (and only those) a fresh retry window; `status`
 * reports the oldest undelivered job's age; `worker --no-listen` opens no LISTEN session and still
 * delivers by polling; the EHRbase password never reaches the logs, even when it is wrong.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli-commands.js";
import { adminClient, databaseNameOf, listenerPids } from "./helpers/backends.js";
import {
  ehrbaseClient,
  insertNotes,
  migratedDatabase,
  sampleNoteRow,
  signNotes,
  type TestBed,
} from "./helpers/bed.js";
import { type CliRun, requireBuiltCli, runBuiltCli } from "./helpers/cli-process.js";
import { EHRBASE_SYSTEM_ID } from "./helpers/system-id.js";

let bed: TestBed;
let admin: pg.Client;

beforeAll(async () => {
  requireBuiltCli();
  await ehrbaseClient();
  bed = await migratedDatabase("ehrsync_cli_ops");
  admin = await adminClient();
});
afterAll(async () => {
  await admin?.end();
  await bed?.close();
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  const config = ehrbaseTestConfig();
  return {
    DATABASE_URL: bed.url,
    EHRBASE_URL: config.baseUrl,
    EHRBASE_USER: config.user,
    EHRBASE_PASSWORD: config.password,
    EHRBASE_SYSTEM_ID,
    ...overrides,
  };
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const code = await runCli(argv, {
    env: env(),
    print: (line) => out.push(line),
    stopSignal: new Promise(() => {}),
  });
  return { code, out: out.join("\n") };
}

async function reset() {
  await bed.pool.query("truncate ehr_sync.queue, ehr_sync.attempts, public.soap_notes");
  await bed.pool.query("update ehr_sync.destination set paused_until = null, consecutive_pauses = 0");
}

/** Polls `probe` until it returns a value (a hang guard, not a speed check). */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function stop(run: CliRun | undefined) {
  if (run && run.child.exitCode === null && run.child.signalCode === null) {
    run.child.kill("SIGTERM");
    await run.exited;
  }
}

const badVitals = { vitals: JSON.stringify({ pulse: { value: 76, unit: "furlongs" } }) };

describe("ehr-sync requeue --all", () => {
  it("gives every dead job a fresh retry window and touches no other job", async () => {
    await reset();
    const patient = `pat-${randomUUID()}`;
    await insertNotes(bed.pool, [
      sampleNoteRow(patient),
      sampleNoteRow(patient, badVitals),
      sampleNoteRow(patient, badVitals),
    ]);
    expect((await cli("run-once")).code).toBe(0);
    const before = await bed.pool.query<{ id: string; state: string; attempts: number }>(
      "select id::text, state, attempts from ehr_sync.queue order by id",
    );
    expect(before.rows.map((r) => r.state)).toEqual(["succeeded", "dead", "dead"]);

    expect((await cli("requeue", "--all")).code).toBe(0);
    const after = await bed.pool.query<{
      id: string;
      state: string;
      attempts: number;
      window: number;
      reconcile_first: boolean;
      completed: boolean;
    }>(
      `select id::text, state, attempts, attempts_at_window_start as window, reconcile_first,
              completed_at is not null as completed
         from ehr_sync.queue order by id`,
    );
    const [good, ...dead] = after.rows;
    expect(good).toMatchObject({ id: before.rows[0]?.id, state: "succeeded", completed: true });
    for (const [i, row] of dead.entries()) {
      // pending again, the attempts kept (never decrease) and the window restarted at them
      expect(row).toMatchObject({
        id: before.rows[i + 1]?.id,
        state: "pending",
        attempts: before.rows[i + 1]?.attempts,
        window: before.rows[i + 1]?.attempts,
        reconcile_first: true,
        completed: false,
      });
    }
  });
});

describe("ehr-sync status", () => {
  it("reports the age of the oldest undelivered job", async () => {
    await reset();
    expect(JSON.parse((await cli("status", "--json")).out).oldestUndeliveredSeconds).toBeNull();
    await signNotes(bed.pool, 2, 2);
    // Backdate one job by an hour (as if it had waited that long); the other stays fresh.
    await bed.pool.query(
      "update ehr_sync.queue set enqueued_at = now() - interval '1 hour' where id = (select min(id) from ehr_sync.queue)",
    );
    const age = JSON.parse((await cli("status", "--json")).out).oldestUndeliveredSeconds as number;
    // the backdated job's age, not the fresh one's: at least the hour, at most its age a moment later
    const later = await bed.pool.query<{ age: number }>(
      "select extract(epoch from now() - min(enqueued_at))::float8 as age from ehr_sync.queue",
    );
    expect(age).toBeGreaterThanOrEqual(3_600);
    expect(age).toBeLessThanOrEqual(later.rows[0]?.age as number);
    expect((await cli("status")).out).toMatch(/oldest undelivered: 3\d{3}\.\d s/);
    // Delivered jobs are not undelivered, however old.
    await bed.pool.query("update ehr_sync.queue set state = 'succeeded', completed_at = now()");
    expect(JSON.parse((await cli("status", "--json")).out).oldestUndeliveredSeconds).toBeNull();
  });
});

describe("ehr-sync worker --no-listen", () => {
  it("opens no LISTEN session and still delivers by polling", async () => {
    await reset();
    let run: CliRun | undefined;
    try {
      run = runBuiltCli(["worker", "--no-listen", "--poll-ms", "200"], env({ EHR_SYNC_LOG_LEVEL: "info" }));
      const current = run;
      await waitFor("the worker started", async () =>
        current.stdout().includes("worker_started") ? true : undefined,
      );
      const [noteId] = await signNotes(bed.pool, 1, 1);
      await waitFor("the note delivered", async () => {
        const r = await bed.pool.query<{ state: string }>(
          "select state from ehr_sync.queue where note_id = $1",
          [noteId],
        );
        return r.rows[0]?.state === "succeeded" ? true : undefined;
      });
      // The worker is running and has delivered: it is connected, but none of its sessions listens.
      expect(current.child.exitCode).toBeNull();
      expect(await listenerPids(admin, databaseNameOf(bed.url))).toEqual([]);
    } finally {
      await stop(run);
    }
  });
});

describe("the EHRbase password", () => {
  it("never appears in the worker's logs, even when EHRbase refuses it", async () => {
    await reset();
    await signNotes(bed.pool, 2, 2);
    const config = ehrbaseTestConfig();
    const wrong = `wrong-${randomUUID()}`;
    const run = runBuiltCli(["run-once"], env({ EHRBASE_PASSWORD: wrong, EHR_SYNC_LOG_LEVEL: "debug" }));
    const exit = await run.exited;
    const logs = run.stdout() + run.stderr();
    expect(exit.code, logs.slice(-2000)).toBe(0);
    // The wrong password was really used and refused: the destination paused on 401.
    const destination = await bed.pool.query<{ pause_reason: string | null }>(
      "select pause_reason from ehr_sync.destination where id = 'default'",
    );
    expect(destination.rows[0]?.pause_reason).toBe("http-401");
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [
      wrong,
      Buffer.from(`${config.user}:${wrong}`).toString("base64"),
      config.password,
      Buffer.from(`${config.user}:${config.password}`).toString("base64"),
    ]) {
      expect(logs.includes(secret), "a credential in the logs").toBe(false);
    }
  });
});
