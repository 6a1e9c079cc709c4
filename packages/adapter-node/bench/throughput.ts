/**
 * Issue 13's measuring instrument: ehr-sync (worker started cold, runOnce) against what a user writes
 * by hand — raw FLAT POSTs, raw canonical POSTs, and for a backlog one contribution per patient — in
 * three cases (known patients, new patients, a backlog), at several concurrency levels, same run,
 * alternating order, medians of rounds; plus sign→synced latency against one raw commit of the same
 * note. Writes docs/benchmarks.md § adapter-node-throughput (BENCH_WRITE=0 prints only).
 * The parts live in bench/throughput/; knobs in bench/throughput/settings.ts.
 */
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { machineLine, writeBenchmarkSection } from "@ehr-sync/testkit";
import { sampleNoteRow } from "../test/helpers/bed.js";
import { canonicalSource } from "./throughput/canonical.js";
import { rateOf, type Timing } from "./throughput/clock.js";
import { benchContext } from "./throughput/context.js";
import { ehrSyncColdRun } from "./throughput/ehr-sync-path.js";
import { measureLatency } from "./throughput/latency.js";
import { contributionPerPatient, type PathRun, rawCanonical, rawFlat } from "./throughput/raw-paths.js";
import { type LevelResult, type PathName, throughputMarkdown } from "./throughput/report.js";
import { readSettings } from "./throughput/settings.js";
import { benchCase, makeWorkload, prepareNote } from "./throughput/workload.js";

const settings = readSettings();
const context = await benchContext();
// A sample note of its own (never one a timed path sends), for the canonical source's set-up.
const sample = prepareNote(sampleNoteRow(`pat-${randomUUID()}`), context.systemId);
const canonical = await canonicalSource(context, settings, sample);

const loadBefore = loadavg()[0] ?? 0;
const results: LevelResult[] = [];
for (const caseName of settings.cases) {
  const kind = benchCase(caseName, settings);
  const raw: [PathName, PathRun][] = [
    ["rawFlat", rawFlat],
    ["rawCanonical", rawCanonical(canonical)],
  ];
  if (caseName === "backlog") raw.push(["contribution", contributionPerPatient(canonical)]);
  for (const concurrency of settings.levels) {
    const result: LevelResult = {
      caseName,
      concurrency,
      rates: {},
      ehrbaseCpuMsPerNote: {},
      vsFlat: [],
      vsCanonical: [],
      calls: {},
    };
    for (let round = 0; round < settings.rounds; round += 1) {
      const steps: [PathName, () => Promise<Timing>][] = [
        [
          "ehrSync",
          async () => {
            const run = await ehrSyncColdRun(
              context,
              await makeWorkload(context, kind, settings),
              concurrency,
              settings.workerOptions,
            );
            for (const [operation, count] of Object.entries(run.calls)) {
              result.calls[operation] = (result.calls[operation] ?? 0) + count;
            }
            return run.timing;
          },
        ],
        ...raw.map(([name, path]): [PathName, () => Promise<Timing>] => [
          name,
          async () => path(context, await makeWorkload(context, kind, settings), concurrency),
        ]),
      ];
      // Alternate which path goes first, so none always meets a warmer (or busier) server.
      if (round % 2 === 1) steps.reverse();
      const rates: Partial<Record<PathName, number>> = {};
      for (const [name, step] of steps) {
        const timing = await step();
        const value = rateOf(timing);
        rates[name] = value;
        result.rates[name] = [...(result.rates[name] ?? []), value];
        if (timing.ehrbaseCpuSeconds !== undefined) {
          const cpuMs = (timing.ehrbaseCpuSeconds * 1000) / timing.notes;
          result.ehrbaseCpuMsPerNote[name] = [...(result.ehrbaseCpuMsPerNote[name] ?? []), cpuMs];
        }
      }
      const ehrSync = rates.ehrSync as number;
      result.vsFlat.push(ehrSync / (rates.rawFlat as number));
      result.vsCanonical.push(ehrSync / (rates.rawCanonical as number));
      console.log(
        `${caseName} c=${concurrency} round ${round + 1}: ${Object.entries(rates)
          .map(([name, value]) => `${name} ${value.toFixed(1)}/s`)
          .join(", ")} → ÷FLAT ${(ehrSync / (rates.rawFlat as number)).toFixed(2)}×`,
      );
    }
    results.push(result);
  }
}
const latency =
  settings.latencyNotes > 0
    ? await measureLatency(context, canonical, settings.latencyNotes, settings.workerOptions)
    : undefined;
const loadAfter = loadavg()[0] ?? 0;

const markdown = throughputMarkdown({
  settings,
  machine: machineLine(),
  ehrbaseVersion: context.ehrbaseVersion,
  loadBefore,
  loadAfter,
  canonicalLabel: canonical.label,
  results,
  latency,
});
console.log(markdown);
if (settings.write) writeBenchmarkSection("adapter-node-throughput", markdown);
else console.log("\n(BENCH_WRITE=0: docs/benchmarks.md left as it was)");
