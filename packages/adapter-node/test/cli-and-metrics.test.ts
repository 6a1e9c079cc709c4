/**
 * The `ehr-sync` commands (migrate, run-once, status, retry, requeue, backfill) through the library
 * entry, and the Prometheus endpoint of a running worker.
 */
import { randomUUID } from "node:crypto";
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import type { Bed } from "@ehr-sync/testkit/bed";
import { describe, expect } from "vitest";
import { runCli } from "../src/cli-commands.js";
import { WorkerMetrics } from "../src/metrics.js";
import { createWorker } from "../src/worker.js";
import { ehrbaseOptions, insertNotes, nodeBedTest, sampleNoteRow } from "./helpers/bed.js";

const it = nodeBedTest("ehrsync_cli", { requiresEhrbase: true });

async function cli(bed: Bed, ...argv: string[]) {
  const config = ehrbaseTestConfig();
  const out: string[] = [];
  const code = await runCli(argv, {
    env: {
      DATABASE_URL: bed.url,
      EHRBASE_URL: config.baseUrl,
      EHRBASE_USER: config.user,
      EHRBASE_PASSWORD: config.password,
    },
    print: (line) => out.push(line),
    stopSignal: new Promise(() => {}),
  });
  return { code, out: out.join("\n") };
}

describe("ehr-sync CLI", () => {
  it("migrate is a no-op the second time", async ({ bed }) => {
    const result = await cli(bed, "migrate");
    expect(result.code).toBe(0);
    expect(result.out).toContain("0 applied");
  });

  it("backfill, run-once, status with dead reasons, retry and requeue", async ({ bed }) => {
    await bed.pool.query("alter table public.soap_notes disable trigger ehr_sync_enqueue");
    const patient = `pat-${randomUUID()}`;
    const [good, bad] = await insertNotes(bed.pool, [
      sampleNoteRow(patient),
      sampleNoteRow(patient, { vitals: JSON.stringify({ pulse: { value: 76, unit: "furlongs" } }) }),
    ]);
    await bed.pool.query("alter table public.soap_notes enable trigger ehr_sync_enqueue");
    expect((await cli(bed, "backfill")).out).toContain("2 signed note(s) queued");

    expect((await cli(bed, "run-once", "--concurrency", "2")).out).toContain('"succeeded":1');
    const status = await cli(bed, "status");
    expect(status.out).toMatch(/succeeded 1 +dead 1/);
    expect(status.out).toContain("invalid-input");
    expect(status.out).not.toContain(patient);
    const json = JSON.parse((await cli(bed, "status", "--json")).out);
    expect(json.dead[0].reason).toContain("vitals");

    const deadId = json.dead[0].id as string;
    expect((await cli(bed, "retry", deadId)).out).toContain("1 dead job(s) queued again");
    expect((await cli(bed, "run-once")).out).toContain('"dead":1');
    await expect(cli(bed, "requeue")).rejects.toThrow(/--all/);
    expect((await cli(bed, "requeue", "--all")).out).toContain("1 dead job(s) queued again");
    const notes = await bed.pool.query(
      "select id::text, ehr_sync_status from public.soap_notes where id = any($1::uuid[])",
      [[good, bad]],
    );
    expect(notes.rows.find((r) => r.id === good)?.ehr_sync_status).toBe("completed");
  });
});

describe("metrics endpoint", () => {
  it("exposes depth by state, latency, attempts by outcome, EHRbase call latency and circuit state", async ({
    bed,
  }) => {
    await insertNotes(bed.pool, [sampleNoteRow(`pat-${randomUUID()}`)]);
    const metrics = new WorkerMetrics();
    const worker = createWorker({ connectionString: bed.url, ehrbase: ehrbaseOptions(), metrics });
    await worker.runOnce();
    const reader = createWorker({
      connectionString: bed.url,
      ehrbase: ehrbaseOptions(),
      metrics,
      metricsPort: 0,
      metricsHost: "127.0.0.1",
    });
    await reader.start();
    try {
      const port = reader.metricsPort;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/ehr_sync_queue_jobs\{state="succeeded"\} [1-9]/);
      expect(text).toMatch(/ehr_sync_sign_to_synced_seconds_count [1-9]/);
      expect(text).toMatch(/ehr_sync_attempts_total\{outcome="succeeded"\} [1-9]/);
      expect(text).toMatch(
        /ehr_sync_ehrbase_call_seconds_count\{operation="create_composition",result="ok"\} [1-9]/,
      );
      expect(text).toMatch(/ehr_sync_destination_paused 0/);
    } finally {
      await reader.stop();
    }
  });
});
