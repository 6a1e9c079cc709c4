/**
 * The end-to-end demo: a fresh database, the ehr_sync migrations, N signed sample notes, the worker
 * draining them with a progress bar, then a table of note → EHR id → composition uid with latency
 * and throughput. All note content is invented.
 *
 *   DEMO_NOTES=200 DEMO_CONCURRENCY=8 pnpm --filter @ehr-sync/example-node-worker demo
 */
import { randomUUID } from "node:crypto";
import { createLogger, createWorker, migrate, ProgressBar } from "@ehr-sync/adapter-node";
import pg from "pg";

const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/postgres";
const ehrbaseUrl = process.env.EHRBASE_URL ?? "http://127.0.0.1:8085/ehrbase";
const notes = Number(process.env.DEMO_NOTES ?? 200);
const concurrency = Number(process.env.DEMO_CONCURRENCY ?? 8);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

async function main() {
  const database = `ehr_sync_demo_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${database}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const dbUrl = url.toString();

  console.log(`database ${database}: applying migrations`);
  const migrated = await migrate(dbUrl);
  console.log(
    `  ${migrated.applied.map((m) => `${String(m.version).padStart(4, "0")}_${m.name}`).join(", ")}`,
  );

  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const patients = Array.from(
    { length: Math.max(1, Math.ceil(notes / 4)) },
    () => `demo-patient-${randomUUID()}`,
  );
  console.log(`signing ${notes} sample notes for ${patients.length} patients`);
  for (let i = 0; i < notes; i += 1) {
    await db.query(
      `insert into public.soap_notes (patient_id, patient_namespace, encounter_id, encounter_start, encounter_end,
         provider_id, provider_name, subjective, objective, assessment, plan, status, signed_at)
       values ($1, 'ehr_sync_demo', $2, now() - interval '30 minutes', now() - interval '10 minutes', 'prov-1',
         'Dr. Demo', 'Sore throat for three days.', 'Mild pharyngeal erythema on video.',
         'Viral upper respiratory infection.', 'Rest and fluids.', 'signed', now())`,
      [patients[i % patients.length], `enc-${randomUUID()}`],
    );
  }

  const bar = new ProgressBar(notes);
  let done = 0;
  const latencies: number[] = [];
  const worker = createWorker({
    connectionString: dbUrl,
    ehrbase: {
      baseUrl: ehrbaseUrl,
      username: process.env.EHRBASE_USER ?? "ehrbase-user",
      password: process.env.EHRBASE_PASSWORD ?? "SuperSecretPassword",
    },
    concurrency,
    logger: createLogger({ level: "warn" }),
    onJobFinished: (event) => {
      if (event.outcome === "succeeded" || event.outcome === "dead") done += 1;
      if (event.latencySeconds !== undefined) latencies.push(event.latencySeconds);
      bar.update(done, event.outcome === "succeeded" ? "" : event.outcome);
    },
  });
  const started = performance.now();
  const summary = await worker.runOnce();
  const seconds = (performance.now() - started) / 1000;
  bar.finish();

  const rows = await db.query<{ id: string; ehr_id: string; uid: string }>(
    `select n.id::text as id, q.ehr_id::text as ehr_id, n.ehr_composition_uid as uid
       from public.soap_notes n join ehr_sync.queue q on q.note_id = n.id::text and q.state = 'succeeded'
      order by n.created_at limit 15`,
  );
  console.log(
    "\nnote id                               EHR id                                composition uid",
  );
  for (const r of rows.rows) console.log(`${r.id}  ${r.ehr_id}  ${r.uid}`);
  if (notes > rows.rows.length) console.log(`… and ${notes - rows.rows.length} more`);
  console.log(
    `\n${summary.succeeded} delivered, ${summary.dead} dead in ${seconds.toFixed(1)} s ` +
      `(${(summary.succeeded / seconds).toFixed(1)} notes/s at concurrency ${concurrency}); ` +
      `sign→synced p50 ${percentile(latencies, 50).toFixed(2)} s, p95 ${percentile(latencies, 95).toFixed(2)} s ` +
      "(measured from signing, so it includes the wait in the backlog)",
  );
  await db.end();
  if (process.env.DEMO_KEEP_DATABASE !== "1") {
    const drop = new pg.Client({ connectionString: adminUrl });
    await drop.connect();
    await drop.query(`drop database "${database}" with (force)`);
    await drop.end();
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
