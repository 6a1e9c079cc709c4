/**
 * EHRbase credentials: the worker takes any EhrbaseAuth of @ehr-sync/ehrbase-client, and the CLI
 * reads bearer / OAuth2 / basic credentials from the environment, against the real EHRbase.
 */
import { randomUUID } from "node:crypto";
import { ehrbaseTestConfig } from "@ehr-sync/testkit";
import { describe, expect } from "vitest";
import { runCli } from "../src/cli-commands.js";
import { createWorker } from "../src/worker.js";
import { insertNotes, nodeBedTest, sampleNoteRow } from "./helpers/bed.js";

const it = nodeBedTest("ehrsync_auth", { requiresEhrbase: true });

describe("EHRbase credentials", () => {
  it("createWorker delivers with `ehrbase.auth` (an EhrbaseAuth) instead of username/password", async ({
    bed,
  }) => {
    const config = ehrbaseTestConfig();
    const [id] = await insertNotes(bed.pool, [sampleNoteRow(`pat-${randomUUID()}`)]);
    const worker = createWorker({
      connectionString: bed.url,
      ehrbase: {
        baseUrl: config.baseUrl,
        auth: { type: "basic", username: config.user, password: config.password },
      },
    });
    expect((await worker.runOnce()).succeeded).toBe(1);
    const row = await bed.pool.query(
      "select ehr_sync_status, ehr_composition_uid from public.soap_notes where id = $1",
      [id],
    );
    expect(row.rows[0].ehr_sync_status).toBe("completed");
    expect(row.rows[0].ehr_composition_uid).toMatch(/::/);
  });

  it("the CLI sends EHRBASE_TOKEN as a bearer token: EHRbase refuses this one, so the destination pauses", async ({
    bed,
  }) => {
    await insertNotes(bed.pool, [sampleNoteRow(`pat-${randomUUID()}`)]);
    const out: string[] = [];
    const code = await runCli(["run-once"], {
      env: {
        DATABASE_URL: bed.url,
        EHRBASE_URL: ehrbaseTestConfig().baseUrl,
        EHRBASE_TOKEN: "not-a-valid-token",
      },
      print: (line) => out.push(line),
      stopSignal: new Promise(() => {}),
    });
    expect(code).toBe(0);
    expect(JSON.parse(out.join("\n")).paused).toBeGreaterThan(0);
    const destination = await bed.pool.query(
      "select pause_reason from ehr_sync.destination where id = 'default'",
    );
    expect(destination.rows[0].pause_reason).toBe("http-401");
    expect(out.join("\n")).not.toContain("not-a-valid-token");
    await bed.pool.query("update ehr_sync.destination set paused_until = null, consecutive_pauses = 0");
  });

  it("the CLI refuses to start without any EHRbase credentials, naming the variables", async ({ bed }) => {
    await expect(
      runCli(["run-once"], {
        env: { DATABASE_URL: bed.url, EHRBASE_URL: ehrbaseTestConfig().baseUrl },
        print: () => {},
        stopSignal: new Promise(() => {}),
      }),
    ).rejects.toThrow(/EHRBASE_USER \+ EHRBASE_PASSWORD, EHRBASE_TOKEN/);
  });
});
