/**
 * The real `ehr-sync worker` process (dist/cli.js) stopped by a signal while jobs are in flight,
 * then `ehr-sync run-once` finishing what is left:
 *
 * 1. SIGTERM while EHRbase answers slowly (a proxy adds 1.5 s to every request): the jobs in flight
 *    finish within the grace period, no other job is started, the process exits 0.
 * 2. SIGINT right after EHRbase stored a composition whose answer is lost (the proxy swallows it and
 *    freezes): after the grace period the in-flight leases are handed back with no attempt spent,
 *    and the process still exits 0.
 * 3. run-once delivers the rest; the composition stored in (2) is confirmed, not duplicated: EHRbase
 *    holds exactly one composition per note.
 *
 * "In flight" is what the proxy saw: a job whose patient's EHR was looked up (or whose composition
 * was sent) before the signal. A leased row is not necessarily in flight (a worker may claim ahead),
 * so every job that was not in flight must end where it started: pending, no attempt spent.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { EhrbaseClient } from "@ehr-sync/ehrbase-client";
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compositionsByNoteId,
  ehrbaseClient,
  ehrIdsOf,
  migratedDatabase,
  signNotes,
  type TestBed,
} from "./helpers/bed.js";
import { type CliRun, requireBuiltCli, runBuiltCli } from "./helpers/cli-process.js";
import { DelayingProxy } from "./helpers/delaying-proxy.js";
import { EHRBASE_SYSTEM_ID } from "./helpers/system-id.js";

/** The worker's default shutdownTimeoutMs (the CLI has no flag for it). */
const GRACE_MS = 10_000;
const NOTES = 6;
const CREATE_COMPOSITION = /^POST \S*\/ehr\/[^/\s]+\/composition(\?|$)/;

interface Row {
  id: string;
  note_id: string;
  state: string;
  attempts: number;
  lease_token: string | null;
  composition_uid: string | null;
}

let bed: TestBed;
let ehrbase: EhrbaseClient;
let proxy: DelayingProxy;
let noteIds: string[] = [];
/** Notes whose composition EHRbase stored while their job was released (test 2). */
let storedWhileReleased = new Map<string, string[]>();

beforeAll(async () => {
  requireBuiltCli();
  ehrbase = await ehrbaseClient();
  bed = await migratedDatabase("ehrsync_cli_signal");
  const target = new URL(ehrbaseTestConfig().baseUrl);
  proxy = new DelayingProxy(target.hostname, Number(target.port || 80));
  await proxy.start();
});
afterAll(async () => {
  await proxy?.stop();
  await bed?.close();
});

function cliEnv(via: "proxy" | "direct"): Record<string, string> {
  const config = ehrbaseTestConfig();
  const base = new URL(config.baseUrl);
  return {
    DATABASE_URL: bed.url,
    EHRBASE_URL: via === "proxy" ? `http://127.0.0.1:${proxy.port}${base.pathname}` : config.baseUrl,
    EHRBASE_USER: config.user,
    EHRBASE_PASSWORD: config.password,
    EHRBASE_SYSTEM_ID,
    // Info level: the worker's `worker_stopped` line says how many leases it handed back.
    EHR_SYNC_LOG_LEVEL: "info",
  };
}

async function rows(): Promise<Row[]> {
  const r = await bed.pool.query<Row>(
    "select id::text, note_id, state, attempts, lease_token::text, composition_uid from ehr_sync.queue order by id",
  );
  return r.rows;
}

/** The patient (subject id) or EHR id a request to EHRbase is about, from its request line. */
function subjectOf(requestLine: string): { patient?: string; ehrId?: string } {
  const url = new URL(requestLine.slice(requestLine.indexOf(" ") + 1), "http://proxy.invalid");
  const patient = url.searchParams.get("subject_id");
  if (patient) return { patient };
  const ehr = /\/ehr\/([0-9a-f-]{36})\//.exec(url.pathname);
  return ehr ? { ehrId: ehr[1] } : {};
}

/**
 * Queue row ids of the jobs that sent EHRbase a request through the proxy since `mark` (a patient key
 * is `namespace|patient id`).
 */
async function startedSince(mark: number): Promise<Set<string>> {
  const seen = proxy.received.slice(mark).map(subjectOf);
  const r = await bed.pool.query<{ id: string }>(
    `select q.id::text from ehr_sync.queue q left join ehr_sync.patient_ehr p on p.patient_key = q.patient_key
      where substr(q.patient_key, strpos(q.patient_key, '|') + 1) = any($1::text[])
         or p.ehr_id::text = any($2::text[])`,
    [seen.flatMap((s) => (s.patient ? [s.patient] : [])), seen.flatMap((s) => (s.ehrId ? [s.ehrId] : []))],
  );
  return new Set(r.rows.map((row) => row.id));
}

/** `promise`, or "timeout" after `ms` (the timer is cleared either way). */
async function orTimeout<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Sends `signal` and waits for the process to end (a hang guard, not a speed check). */
async function stopWith(run: CliRun, signal: NodeJS.Signals) {
  run.child.kill(signal);
  const exit = await orTimeout(run.exited, GRACE_MS + 15_000);
  if (exit === "timeout") {
    run.child.kill("SIGKILL");
    throw new Error(`the worker did not exit after ${signal}; stderr:\n${run.stderr().slice(-2000)}`);
  }
  return exit;
}

/** How many leases the worker said it handed back when it stopped (its `worker_stopped` log line). */
function releasedAtStop(run: CliRun): number | undefined {
  for (const line of run.stdout().split("\n")) {
    if (!line.includes('"worker_stopped"')) continue;
    const released = (JSON.parse(line) as { released?: unknown }).released;
    return typeof released === "number" ? released : undefined;
  }
  return undefined;
}

async function killIfRunning(run: CliRun | undefined) {
  if (run && run.child.exitCode === null && run.child.signalCode === null) {
    run.child.kill("SIGKILL");
    await run.exited;
  }
}

/** Compositions in EHRbase per note, as bare uuids. */
async function stored(ids: string[]): Promise<Map<string, string[]>> {
  return compositionsByNoteId(ehrbase, await ehrIdsOf(bed.pool), ids);
}

describe("ehr-sync worker stopped by a signal", () => {
  it("SIGTERM: jobs in flight finish, no other job is started, exit code 0", async () => {
    noteIds = await signNotes(bed.pool, NOTES, NOTES);
    proxy.delayMs = 1_500;
    const mark = proxy.received.length;
    let run: CliRun | undefined;
    let started: Set<string>;
    let stop: Awaited<ReturnType<typeof stopWith>>;
    try {
      run = runBuiltCli(["worker", "--concurrency", "2", "--poll-ms", "200"], cliEnv("proxy"));
      await waitFor(
        "a job talking to EHRbase",
        async () => (proxy.received.slice(mark).some((l) => subjectOf(l).patient) ? true : undefined),
        30_000,
      );
      // Jobs started together send their first request at once; the next one could start only when a
      // slot frees, after its job's three slow requests: once both slots have spoken, this is what is
      // in flight.
      started = await waitFor(
        "both slots (--concurrency 2) talking to EHRbase",
        async () => {
          const found = await startedSince(mark);
          return found.size === 2 ? found : undefined;
        },
        30_000,
      );
      stop = await stopWith(run, "SIGTERM");
    } finally {
      await killIfRunning(run);
    }
    const failure = `stderr:\n${run.stderr().slice(-2000)}`;
    expect({ code: stop.code, signal: stop.signal }, failure).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain("stopping (SIGTERM)");
    expect(started.size).toBeGreaterThanOrEqual(1);
    expect(started.size).toBeLessThanOrEqual(2); // --concurrency 2

    const after = await rows();
    expect(after.filter((r) => r.state === "leased")).toEqual([]);
    // In flight at the signal: finished, with the composition EHRbase really holds.
    const finished = after.filter((r) => started.has(r.id));
    expect(finished.map((r) => [r.state, r.attempts])).toEqual(finished.map(() => ["succeeded", 1]));
    // Not in flight: not started after the signal either; back to (or still) pending, untouched.
    const untouched = after.filter((r) => !started.has(r.id));
    expect(untouched.length).toBeGreaterThan(0);
    expect(untouched.map((r) => [r.state, r.attempts, r.lease_token])).toEqual(
      untouched.map(() => ["pending", 0, null]),
    );
    const found = await stored(noteIds);
    for (const r of finished) expect(found.get(r.note_id)).toEqual([r.composition_uid?.split("::")[0]]);
    for (const r of untouched) expect(found.has(r.note_id)).toBe(false);
  });

  it("SIGINT with an answer lost in flight: leases released after the grace period, no attempt spent, exit code 0", async () => {
    expect(noteIds.length).toBe(NOTES);
    const before = await rows();
    proxy.delayMs = 0;
    const mark = proxy.received.length;
    const swallowed = proxy.swallowAnswerTo(CREATE_COMPOSITION);
    let run: CliRun | undefined;
    let started: Set<string>;
    let stop: Awaited<ReturnType<typeof stopWith>>;
    try {
      run = runBuiltCli(["worker", "--concurrency", "2", "--poll-ms", "200"], cliEnv("proxy"));
      const gone = await orTimeout(swallowed, 30_000);
      if (gone === "timeout") throw new Error(`no composition was created; stderr:\n${run.stderr()}`);
      // Frozen from here on: no answer arrives, so no job can finish or free a slot.
      started = await startedSince(mark);
      stop = await stopWith(run, "SIGINT");
    } finally {
      await killIfRunning(run);
    }
    const failure = `stderr:\n${run.stderr().slice(-2000)}`;
    expect({ code: stop.code, signal: stop.signal }, failure).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain("stopping (SIGINT)");

    const after = await rows();
    const doneBefore = new Set(before.filter((r) => r.state === "succeeded").map((r) => r.id));
    expect(after.filter((r) => doneBefore.has(r.id)).every((r) => r.state === "succeeded")).toBe(true);
    // Nothing finished and nothing stayed leased: in flight or not, every other job is pending again
    // with no attempt spent.
    const rest = after.filter((r) => !doneBefore.has(r.id));
    expect(rest.map((r) => [r.state, r.attempts, r.lease_token])).toEqual(
      rest.map(() => ["pending", 0, null]),
    );
    expect(started.size).toBeGreaterThanOrEqual(1);
    expect([...started].every((id) => rest.some((r) => r.id === id))).toBe(true);
    // The worker held every unfinished job (those in flight and those claimed ahead). The ones in
    // flight never got an answer, so only the end of the grace period could hand their leases back:
    // the worker reports having released all of them at stop.
    expect(releasedAtStop(run), failure).toBe(rest.length);
    // The swallowed create did reach EHRbase: a released note already has its composition.
    storedWhileReleased = await stored(rest.filter((r) => started.has(r.id)).map((r) => r.note_id));
    expect(storedWhileReleased.size).toBeGreaterThanOrEqual(1);
  });

  it("run-once then delivers the rest: exactly one composition per note", async () => {
    expect(noteIds.length).toBe(NOTES);
    const before = await rows();
    const left = before.filter((r) => r.state !== "succeeded").length;
    expect(left).toBeGreaterThan(0);
    const run = runBuiltCli(["run-once", "--concurrency", "4"], cliEnv("direct"));
    const exit = await orTimeout(run.exited, 60_000);
    await killIfRunning(run);
    expect(exit, `stderr:\n${run.stderr().slice(-2000)}`).toEqual({ code: 0, signal: null });
    // stdout also carries the JSON log lines; the summary is the line run-once prints at the end.
    const line = run
      .stdout()
      .split("\n")
      .findLast((l) => l.startsWith('{"succeeded":'));
    const summary = JSON.parse(line ?? "{}");
    expect(summary).toMatchObject({ succeeded: left, dead: 0, fenced: 0, errors: 0 });

    const after = await rows();
    expect(after.map((r) => r.state)).toEqual(after.map(() => "succeeded"));
    const found = await stored(noteIds);
    expect(found.size).toBe(NOTES);
    for (const r of after) expect(found.get(r.note_id)).toEqual([r.composition_uid?.split("::")[0]]);
    // The composition stored before the release is the one confirmed, still at version 1.
    for (const [noteId, uids] of storedWhileReleased) {
      expect(after.find((r) => r.note_id === noteId)?.composition_uid).toBe(
        `${uids[0]}::${EHRBASE_SYSTEM_ID}::1`,
      );
    }
    const notes = await bed.pool.query<{ n: number }>(
      "select count(*)::int as n from public.soap_notes where ehr_sync_status = 'completed' and ehr_composition_uid is not null",
    );
    expect(notes.rows[0]?.n).toBe(NOTES);
  });
});
