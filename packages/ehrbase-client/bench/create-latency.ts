/**
 * Composition-create latency through the client vs a hand-written fetch, against the real EHRbase of
 * the test bed, in the same run. Calls are interleaved (order alternating each round) so server
 * warm-up, JIT and background load hit both sides alike. Target: client overhead under 5 % at p50.
 * Run: pnpm --filter @ehr-sync/ehrbase-client bench
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
import { EhrbaseClient } from "../src/index.js";

const TEMPLATE = "ehrn_vital_signs.v2";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const WARM_UP = 30;

const eb = await requireEhrbase();
const client = new EhrbaseClient({
  baseUrl: eb.baseUrl,
  auth: { type: "basic", username: eb.user, password: eb.password },
});
await client.templates.ensure(await readFixture("templates", `${TEMPLATE}.opt`));
const flat = JSON.parse(await readFixture("flat", `${TEMPLATE}__.json`)) as Record<string, string | number>;
const { ehrId } = await client.ehrs.ensure({ id: `bench-${randomUUID()}`, namespace: "ehr-sync-bench" });

const authorization = basicAuthHeader(eb.user, eb.password);
const rawUrl = `${eb.restUrl}/ehr/${ehrId}/composition?format=FLAT&templateId=${TEMPLATE}`;

/** What an integrator would write by hand: one POST with the same headers the client sends, read the ETag. */
async function rawCreate(): Promise<string> {
  const response = await fetch(rawUrl, {
    method: "POST",
    headers: {
      authorization,
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": "ehr-sync-ehrbase-client",
      "x-request-id": randomUUID(),
    },
    body: JSON.stringify(flat),
  });
  await response.text();
  if (response.status !== 204) throw new Error(`raw create answered HTTP ${response.status}`);
  return (response.headers.get("etag") ?? "").replaceAll('"', "");
}

async function clientCreate(): Promise<string> {
  return (await client.compositions.create(ehrId, flat, { format: "FLAT", templateId: TEMPLATE })).versionUid
    .value;
}

async function timed(step: () => Promise<string>): Promise<number> {
  const start = performance.now();
  await step();
  return performance.now() - start;
}

for (let i = 0; i < WARM_UP; i++) {
  await rawCreate();
  await clientCreate();
}

const raw: number[] = [];
const viaClient: number[] = [];
const loadBefore = loadavg()[0] ?? 0;
for (let i = 0; i < ROUNDS; i++) {
  if (i % 2 === 0) {
    raw.push(await timed(rawCreate));
    viaClient.push(await timed(clientCreate));
  } else {
    viaClient.push(await timed(clientCreate));
    raw.push(await timed(rawCreate));
  }
}
const loadAfter = loadavg()[0] ?? 0;

const row = (name: string, xs: number[]) =>
  `| ${name} | ${percentile(xs, 50).toFixed(2)} | ${percentile(xs, 95).toFixed(2)} |`;
const overhead = (p: number) => ((percentile(viaClient, p) / percentile(raw, p) - 1) * 100).toFixed(1);
const markdown = `## ehrbase-client: composition create latency (client vs raw fetch)

${machineLine()}; EHRbase ${(await client.status()).ehrbase_version} on 127.0.0.1 (shared test bed), FLAT
\`${TEMPLATE}\` composition, ${ROUNDS} creates each after ${WARM_UP} warm-up pairs, interleaved with alternating
order, one at a time. 1-min load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)} (other helpers share the machine).
Reproduce: \`pnpm --filter @ehr-sync/ehrbase-client bench\` (BENCH_ROUNDS to change the count).

| path | p50 ms | p95 ms |
|---|---|---|
${row("raw fetch (hand-written POST)", raw)}
${row("EhrbaseClient.compositions.create", viaClient)}

Client overhead: **${overhead(50)} %** at p50, ${overhead(95)} % at p95 (target: under 5 %; a negative figure means
the difference is within run-to-run noise). The client adds
a request id, user agent, timeout signal, error mapping and ETag parsing; the network round trip and
EHRbase's validation and commit dominate.`;

console.log(markdown);
writeBenchmarkSection("ehrbase-client-create-latency", markdown);
