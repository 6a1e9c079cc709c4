/**
 * Storage of a delivered-note history before and after retention: BENCH_NOTES (default 1 000 000)
 * delivered jobs, each with the note copy the queue keeps (the reference soap_notes row) and one
 * attempt row, all older than the retention periods; then `ehr_sync.prune('7 days', '30 days')`.
 * Reports the queue's and the attempt log's total size (table + TOAST + indexes) as the user pays it:
 * right after prune (PostgreSQL keeps the space for reuse), after VACUUM (reusable, file the same
 * size), after VACUUM FULL (returned to the operating system).
 * Writes docs/benchmarks.md § adapter-node-retention.
 */
import { machineLine, writeBenchmarkSection } from "@ehr-sync/testkit";
import { migratedDatabase, sampleNoteRow } from "../test/helpers/bed.js";

const NOTES = Number(process.env.BENCH_NOTES ?? 1_000_000);
const bed = await migratedDatabase("ehrsync_bench_retention");
const template = sampleNoteRow("x");
const payload = JSON.stringify({
  ...template,
  language: "en",
  territory: "US",
  version: 1,
  diagnoses: JSON.parse(String(template.diagnoses)),
  vitals: JSON.parse(String(template.vitals)),
});

const sizes = async () => {
  const r = await bed.pool.query<{ queue: string; attempts: string }>(
    `select pg_total_relation_size('ehr_sync.queue')::text as queue,
            pg_total_relation_size('ehr_sync.attempts')::text as attempts`,
  );
  return { queue: Number(r.rows[0]?.queue), attempts: Number(r.rows[0]?.attempts) };
};
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

let started = performance.now();
for (let done = 0; done < NOTES; done += 100_000) {
  const n = Math.min(100_000, NOTES - done);
  await bed.pool.query(
    `with jobs as (
       insert into ehr_sync.queue (note_id, note_version, patient_key, idempotency_key, payload, source_table, state,
                                   attempts, ehr_id, composition_uid, completed_at, enqueued_at, first_enqueued_at)
       select id, 1, 'clinic|pat-' || (g % 50000), 'public.soap_notes:' || id || ':1',
              $1::jsonb || jsonb_build_object('id', id, 'patient_id', 'pat-' || (g % 50000)), 'public.soap_notes',
              'succeeded', 1, gen_random_uuid(), gen_random_uuid() || '::local.ehrbase.org::1',
              now() - interval '40 days', now() - interval '40 days', now() - interval '40 days'
         from (select gen_random_uuid()::text as id, g from generate_series(1, $2) g) s
       returning id)
     insert into ehr_sync.attempts (job_id, worker_id, lease_token, action, http_status, duration_ms, outcome, created_at)
     select id, 'bench', gen_random_uuid(), 'create', 204, 40, 'success', now() - interval '40 days' from jobs`,
    [payload, n],
  );
}
await bed.pool.query("vacuum analyze ehr_sync.queue, ehr_sync.attempts");
const fillSeconds = (performance.now() - started) / 1000;
const before = await sizes();

started = performance.now();
const pruned = await bed.pool.query<{ payloads_dropped: string; attempts_deleted: string }>(
  "select * from ehr_sync.prune(interval '7 days', interval '30 days')",
);
const pruneSeconds = (performance.now() - started) / 1000;
const afterPrune = await sizes();
await bed.pool.query("vacuum analyze ehr_sync.queue, ehr_sync.attempts");
const afterVacuum = await sizes();
started = performance.now();
await bed.pool.query("vacuum full ehr_sync.queue, ehr_sync.attempts");
const vacuumFullSeconds = (performance.now() - started) / 1000;
const afterFull = await sizes();

const rows = [
  ["before prune", before],
  ["right after prune", afterPrune],
  ["after VACUUM (space reusable)", afterVacuum],
  ["after VACUUM FULL (space returned)", afterFull],
] as const;
const total = (s: { queue: number; attempts: number }) => s.queue + s.attempts;
const markdown = `## adapter-node: storage of ${NOTES.toLocaleString("en")} delivered notes, before and after prune

${machineLine()}; PostgreSQL 15. \`pnpm --filter @ehr-sync/adapter-node exec tsx bench/prune-storage.ts\`
(BENCH_NOTES to change the count). Each delivered job keeps its note copy (the reference
\`soap_notes\` row, ${payload.length} bytes of JSON) and one attempt row; all are older than the periods.
\`ehr_sync.prune(interval '7 days', interval '30 days')\` dropped ${Number(pruned.rows[0]?.payloads_dropped).toLocaleString("en")} note copies and
deleted ${Number(pruned.rows[0]?.attempts_deleted).toLocaleString("en")} attempt rows in ${pruneSeconds.toFixed(1)} s (filling took ${fillSeconds.toFixed(0)} s; VACUUM FULL ${vacuumFullSeconds.toFixed(1)} s).

| | ehr_sync.queue | ehr_sync.attempts | total |
| --- | ---: | ---: | ---: |
${rows.map(([label, s]) => `| ${label} | ${mb(s.queue)} | ${mb(s.attempts)} | ${mb(total(s))} |`).join("\n")}

Job rows stay (they record that a version was delivered, and keep a re-signed version from being sent
twice): what remains is about ${(total(afterFull) / NOTES).toFixed(0)} bytes per delivered note. Without VACUUM FULL, PostgreSQL reuses
the freed space for new jobs, so the files stop growing instead of shrinking.`;
console.log(markdown);
writeBenchmarkSection("adapter-node-retention", markdown);
await bed.close();
