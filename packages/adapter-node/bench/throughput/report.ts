/** Medians, ratios against issue 13's targets, and the markdown section for docs/benchmarks.md. */
import { percentile } from "@ehr-sync/testkit";
import type { LatencySamples } from "./latency.js";
import type { BenchSettings, CaseName } from "./settings.js";

export type PathName = "ehrSync" | "rawFlat" | "rawCanonical" | "contribution";

export interface LevelResult {
  caseName: CaseName;
  concurrency: number;
  rates: Partial<Record<PathName, number[]>>;
  /** EHRbase's CPU per note while each path's clock ran, per round (absent when not readable). */
  ehrbaseCpuMsPerNote: Partial<Record<PathName, number[]>>;
  /** ehr-sync ÷ raw FLAT, and ÷ raw canonical, per round (each round's paths ran back to back). */
  vsFlat: number[];
  vsCanonical: number[];
  /** The worker's EHRbase requests by operation, summed over rounds. */
  calls: Record<string, number>;
}

/** The middle value, or the mean of the two middle ones (nearest-rank would favour the lower of two rounds). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Issue 13's "Done when": ≥ 1.5× raw FLAT at 4 and 16 for known/new patients, ≥ 1.8× for a backlog. */
export function flatTarget(caseName: CaseName, concurrency: number): number | undefined {
  if (caseName === "backlog") return 1.8;
  return concurrency >= 4 ? 1.5 : undefined;
}

/** Raw canonical POSTs are the new limit: ehr-sync should reach ≥ 0.9× of them where FLAT has a target. */
export function canonicalTarget(caseName: CaseName, concurrency: number): number | undefined {
  return flatTarget(caseName, concurrency) === undefined ? undefined : 0.9;
}

/** Sign→synced p50 ÷ one raw FLAT commit's p50. */
export const LATENCY_TARGET = 1.5;

const cpu = (values: number[] | undefined) => (values?.length ? median(values).toFixed(1) : "—");
const rate = (values: number[] | undefined) => (values?.length ? median(values).toFixed(1) : "—");
const ratio = (values: number[]) => `${median(values).toFixed(2)}×`;
const verdict = (value: number, target: number | undefined, atLeast = true) =>
  target === undefined ? "—" : (atLeast ? value >= target : value <= target) ? "yes" : "no";

function callsPerNote(calls: Record<string, number>, notes: number): string {
  const parts = Object.entries(calls)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, count]) => `${operation} ${(count / notes).toFixed(2)}`);
  return parts.length ? parts.join(", ") : "—";
}

function workerOptionsNote(settings: BenchSettings): string {
  if (Object.keys(settings.workerOptions).length === 0) return "";
  return `, and ${"`"}${JSON.stringify(settings.workerOptions)}${"`"}`;
}

export interface ReportInput {
  settings: BenchSettings;
  machine: string;
  ehrbaseVersion: string;
  loadBefore: number;
  loadAfter: number;
  canonicalLabel: string;
  results: LevelResult[];
  latency: LatencySamples | undefined;
}

export function throughputMarkdown(input: ReportInput): string {
  const { settings } = input;
  const rows = input.results.map((r) => {
    const flatGoal = flatTarget(r.caseName, r.concurrency);
    const canonicalGoal = canonicalTarget(r.caseName, r.concurrency);
    const vsFlat = median(r.vsFlat);
    const vsCanonical = median(r.vsCanonical);
    return `| ${r.caseName} | ${r.concurrency} | ${rate(r.rates.ehrSync)} | ${rate(r.rates.rawFlat)} | ${rate(r.rates.rawCanonical)} | ${rate(r.rates.contribution)} | **${ratio(r.vsFlat)}** (${flatGoal ? `≥ ${flatGoal}×` : "—"}: ${verdict(vsFlat, flatGoal)}) | ${ratio(r.vsCanonical)} (${canonicalGoal ? `≥ ${canonicalGoal}×` : "—"}: ${verdict(vsCanonical, canonicalGoal)}) | ${r.vsFlat.map((x) => x.toFixed(2)).join(", ")} | ${callsPerNote(r.calls, settings.notes * settings.rounds)} |`;
  });
  const cpuRows = input.results
    .filter((r) => Object.keys(r.ehrbaseCpuMsPerNote).length > 0)
    .map(
      (r) =>
        `| ${r.caseName} | ${r.concurrency} | ${cpu(r.ehrbaseCpuMsPerNote.ehrSync)} | ${cpu(r.ehrbaseCpuMsPerNote.rawFlat)} | ${cpu(r.ehrbaseCpuMsPerNote.rawCanonical)} | ${cpu(r.ehrbaseCpuMsPerNote.contribution)} |`,
    );
  const cpuTable = cpuRows.length
    ? `EHRbase's CPU time per note while each clock ran (utime + stime of its JVM from /proc, median of rounds, ms;
it counts every request EHRbase served meanwhile, so it is only meaningful on a quiet test bed):

| case | concurrency | ehr-sync | raw FLAT | raw canonical | contribution |
| --- | --- | --- | --- | --- | --- |
${cpuRows.join("\n")}`
    : "EHRbase's CPU per note: not measured (the test bed's EHRbase process was not found under /proc).";
  const latency = input.latency
    ? latencyMarkdown(input.latency)
    : "Latency not measured (`BENCH_LATENCY_NOTES=0`).";
  return `## adapter-node: throughput and latency, ehr-sync vs hand-written EHRbase POSTs

${input.machine}; EHRbase ${input.ehrbaseVersion} and PostgreSQL 15 on the same host (shared test bed);
1-min load average ${input.loadBefore.toFixed(2)} → ${input.loadAfter.toFixed(2)}. ${settings.notes} signed notes per run and path
(${settings.notesPerPatient} per patient, the same SOAP note as the tests), ${settings.rounds} round${settings.rounds === 1 ? "" : "s"} per case and level; in each round every path
runs once on its own fresh patients, the order reversed every other round; rates are medians of rounds,
ratios the median of the rounds' ratios.

- **ehr-sync**: notes signed into \`public.soap_notes\` of a fresh migrated database (not timed); the clock
  runs from creating the worker (default settings but \`concurrency\`${workerOptionsNote(settings)}) through \`runOnce()\` draining
  the queue to its return: start-up, template check, claims, deliveries, completions and the status
  write-back.
- **raw FLAT**: what a user writes by hand: plain \`fetch\`, one \`POST /ehr/{id}/composition?format=FLAT\`
  per note at the same concurrency, the body mapped by \`prepareSoapComposition\` before the clock.
- **raw canonical**: the same with canonical JSON bodies (${input.canonicalLabel}).
- **contribution** (backlog only): one \`POST /ehr/{id}/contribution\` per patient with all its notes
  (\`client.contributions.commit\`), patients at the given concurrency.
- Cases: **known**: the EHRs exist before the clock starts (ehr-sync's EHR map knows them), notes of
  ${Math.ceil(settings.notes / settings.notesPerPatient)} patients interleaved; **new**: fresh patients, each EHR created on the way by every path
  (by hand: \`POST /ehr\` with the subject, on 409 look it up, once per patient; then the compositions);
  **backlog**: each patient's ${settings.notesPerPatient} notes signed in a row before the worker starts, patients' EHRs
  ${settings.backlogPatients === "known" ? "existing (catch-up after an outage)" : "created on the way (backfill)"}.

Reproduce: \`pnpm --filter @ehr-sync/adapter-node bench:throughput\` (\`BENCH_CASES\`, \`BENCH_LEVELS\`, \`BENCH_ROUNDS\`,
\`BENCH_NOTES\`, \`BENCH_NOTES_PER_PATIENT\`, \`BENCH_LATENCY_NOTES\`, \`BENCH_BACKLOG_PATIENTS\`, \`BENCH_CANONICAL\`, \`BENCH_WORKER_OPTIONS\`; \`BENCH_WRITE=0\` prints only).

| case | concurrency | ehr-sync (notes/s) | raw FLAT | raw canonical | contribution | ehr-sync ÷ raw FLAT | ehr-sync ÷ raw canonical | per-round ÷ FLAT | ehr-sync's EHRbase calls per note |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

${cpuTable}

${latency}`;
}

function latencyMarkdown(samples: LatencySamples): string {
  const p = (values: number[], q: number) => percentile(values, q);
  const ehrSync50 = p(samples.ehrSync, 50);
  const line = (name: string, values: number[]) =>
    `| ${name} | ${p(values, 50).toFixed(1)} | ${p(values, 95).toFixed(1)} | ${(ehrSync50 / p(values, 50)).toFixed(2)}× |`;
  const vsFlat = ehrSync50 / p(samples.rawFlat, 50);
  return `Sign→synced, one note at a time (${samples.ehrSync.length} samples after 3 warm-up, a running worker woken by NOTIFY,
a patient ehr-sync knows), in the same run as one raw commit of the same note; ehr-sync ÷ raw FLAT at p50:
**${vsFlat.toFixed(2)}×** (target ≤ ${LATENCY_TARGET}×: ${verdict(vsFlat, LATENCY_TARGET, false)}).

| path | p50 ms | p95 ms | ehr-sync p50 ÷ this p50 |
| --- | --- | --- | --- |
${line("ehr-sync: signing INSERT → job completed", samples.ehrSync)}
${line("raw FLAT POST", samples.rawFlat)}
${line("raw canonical POST", samples.rawCanonical)}`;
}
