/**
 * What a contribution saves, measured from the client against the real EHRbase of the test bed, same
 * run, alternating order each round, median of rounds:
 *  - a backlog of NOTES notes for each of 4 patients (one worker per patient, so concurrency 4):
 *    hand-written FLAT POSTs vs canonical POSTs vs one contribution per patient;
 *  - a new patient's EHR: `ehrs.createForSubject` (POST first) vs `ehrs.ensure` (look up first).
 * Run: pnpm --filter @ehr-sync/ehrbase-client bench:contributions (BENCH_ROUNDS, BENCH_NOTES to change counts).
 */
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import {
  basicAuthHeader,
  machineLine,
  percentile,
  readFixture,
  requireEhrbase,
  writeBenchmarkSection,
} from "@ehr-sync/testkit";
import { type Composition, EhrbaseClient, formatVersionUid } from "../src/index.js";

const TEMPLATE = "ehrn_vital_signs.v2";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const NOTES = Number(process.env.BENCH_NOTES ?? 10);
const PATIENTS = 4;

const eb = await requireEhrbase();
const client = new EhrbaseClient({
  baseUrl: eb.baseUrl,
  auth: { type: "basic", username: eb.user, password: eb.password },
});
await client.templates.ensure(await readFixture("templates", `${TEMPLATE}.opt`));
const flat = JSON.parse(await readFixture("flat", `${TEMPLATE}__.json`)) as Record<string, string | number>;
const systemId = await client.systemId();
const authorization = basicAuthHeader(eb.user, eb.password);

const newSubject = () => ({ id: `bench-${randomUUID()}`, namespace: "ehr-sync-bench" });
const patients = await Promise.all(
  Array.from({ length: PATIENTS }, async () => (await client.ehrs.createForSubject(newSubject())).ehrId),
);
const seed = await client.compositions.create(patients[0]!, flat, { format: "FLAT", templateId: TEMPLATE });
const read = await client.compositions.get<Composition>(patients[0]!, seed.versionUid.value);
if (!read || read.deleted) throw new Error("seed composition not readable");
const { uid: _stored, ...canonical } = read.composition;

/** What an integrator writes by hand: one FLAT POST per note. */
async function rawFlat(ehrId: string): Promise<void> {
  for (let i = 0; i < NOTES; i++) {
    const response = await fetch(
      `${eb.restUrl}/ehr/${ehrId}/composition?format=FLAT&templateId=${TEMPLATE}`,
      {
        method: "POST",
        headers: { authorization, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(flat),
      },
    );
    await response.text();
    if (response.status !== 204) throw new Error(`FLAT POST answered HTTP ${response.status}`);
  }
}

async function canonicalPosts(ehrId: string): Promise<void> {
  for (let i = 0; i < NOTES; i++) {
    const uid = formatVersionUid(randomUUID(), systemId, 1);
    await client.compositions.create(ehrId, canonical as Composition, { format: "JSON", uid });
  }
}

async function oneContribution(ehrId: string): Promise<void> {
  const versions = Array.from({ length: NOTES }, () => ({
    composition: {
      ...(canonical as Composition),
      uid: { _type: "OBJECT_VERSION_ID" as const, value: formatVersionUid(randomUUID(), systemId, 1) },
    },
  }));
  await client.contributions.commit(ehrId, versions, { committer: "ehr-sync bench" });
}

/** Notes per second for one approach: every patient's backlog at once (concurrency = PATIENTS). */
async function rate(approach: (ehrId: string) => Promise<void>): Promise<number> {
  const start = performance.now();
  await Promise.all(patients.map(approach));
  return (PATIENTS * NOTES) / ((performance.now() - start) / 1000);
}

async function latency(step: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await step();
  return performance.now() - start;
}

const approaches = { flat: rawFlat, canonical: canonicalPosts, contribution: oneContribution };
type Name = keyof typeof approaches;
const rates: Record<Name, number[]> = { flat: [], canonical: [], contribution: [] };
const created: Record<"createForSubject" | "ensure", number[]> = { createForSubject: [], ensure: [] };

for (const name of Object.keys(approaches) as Name[]) await rate(approaches[name]); // warm-up
const loadBefore = loadavg()[0] ?? 0;
for (let round = 0; round < ROUNDS; round++) {
  const order = (Object.keys(approaches) as Name[]).slice();
  if (round % 2 === 1) order.reverse();
  for (const name of order) rates[name].push(await rate(approaches[name]));
  const pair = [
    async () =>
      created.createForSubject.push(await latency(() => client.ehrs.createForSubject(newSubject()))),
    async () => created.ensure.push(await latency(() => client.ehrs.ensure(newSubject()))),
  ];
  if (round % 2 === 1) pair.reverse();
  for (const step of pair) await step();
}
const loadAfter = loadavg()[0] ?? 0;

const median = (xs: number[]) => percentile(xs, 50);
const ratio = (name: Name) => (median(rates[name]) / median(rates.flat)).toFixed(2);
const markdown = `## ehrbase-client: contributions vs single POSTs, createForSubject vs ensure

${machineLine()}; EHRbase ${(await client.status()).ehrbase_version} on 127.0.0.1 (shared test bed), \`${TEMPLATE}\`
composition. ${PATIENTS} patients with a backlog of ${NOTES} notes each, one worker per patient (concurrency ${PATIENTS}),
${ROUNDS} rounds after one warm-up, order alternating each round; medians of rounds. 1-min load average
${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)} (other processes share the 2 cores, so compare ratios, not rates).
Reproduce: \`pnpm --filter @ehr-sync/ehrbase-client bench:contributions\`.

| backlog delivered as | notes/s (median) | vs FLAT POSTs |
|---|---|---|
| hand-written FLAT POSTs | ${median(rates.flat).toFixed(1)} | 1.00× |
| canonical POSTs (client, deterministic uid) | ${median(rates.canonical).toFixed(1)} | ${ratio("canonical")}× |
| one contribution per patient (client) | ${median(rates.contribution).toFixed(1)} | ${ratio("contribution")}× |

| new patient's EHR | p50 ms | round trips |
|---|---|---|
| \`ehrs.createForSubject\` (POST first) | ${median(created.createForSubject).toFixed(1)} | 1 |
| \`ehrs.ensure\` (look up, then POST) | ${median(created.ensure).toFixed(1)} | 2 |`;

console.log(markdown);
writeBenchmarkSection("ehrbase-client-contributions", markdown);
