/**
 * Notes mapped, validated and converted per second on one core (one Node thread): the client-side
 * step the sync engine runs per note (validateSoapNote → mapSoapNoteToFlat → validateFlat), the same
 * plus the FLAT → canonical conversion (the canonical delivery path), and each phase alone for
 * comparison. Target: ≥ 20,000 notes/s with conversion. Run: pnpm --filter @ehr-sync/core bench
 */
import { loadavg } from "node:os";
import { machineLine, writeBenchmarkSection } from "@ehr-sync/testkit";
import { prepareSoapComposition } from "../src/mapping/soap-mapping.js";
import { mapSoapNoteToFlat } from "../src/mapping/soap-to-flat.js";
import { compileCanonicalConverter } from "../src/openehr/flat-to-canonical.js";
import { validateFlat } from "../src/openehr/validate-flat.js";
import type { SoapNote } from "../src/soap/note.js";
import { validateSoapNote } from "../src/soap/validate-note.js";
import { SOAP_CANONICAL_NAMES } from "../src/templates/soap-canonical-names.js";
import { SOAP_WEB_TEMPLATE } from "../src/templates/soap-web-template.js";
import { baseNote } from "../test/helpers/notes.js";

const SYSTEM_ID = "local.ehrbase.org";
const RUN_MS = 2_000;

/** 1,000 distinct notes: every 4th without vitals, every 5th with three diagnoses, varied text length. */
const notes: SoapNote[] = Array.from({ length: 1000 }, (_, i) => {
  const note = baseNote({ subjective: `${"Cough and fatigue. ".repeat(1 + (i % 40))}#${i}` });
  if (i % 4 === 0) delete note.vitals;
  if (i % 5 === 0)
    note.diagnoses = [
      { system: "ICD-10", code: "J06.9", display: "Acute upper respiratory infection" },
      { system: "ICD-10", code: "R05", display: "Cough" },
      { system: "SNOMED-CT", code: "84229001", display: "Fatigue" },
    ];
  return note;
});
const flats = notes.map((n) => mapSoapNoteToFlat(n, { systemId: SYSTEM_ID }).flat);
const toCanonical = compileCanonicalConverter(SOAP_WEB_TEMPLATE, { names: SOAP_CANONICAL_NAMES });

interface Measured {
  name: string;
  /** Notes per wall-clock second. */
  perSecond: number;
  /** Notes per second of this process's CPU time: steadier than wall time on a shared machine. */
  perCpuSecond: number;
}

function measure(name: string, step: (i: number) => boolean): Measured {
  for (let i = 0; i < 5_000; i++) step(i % notes.length); // warm-up (JIT)
  let count = 0;
  let failures = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < RUN_MS) {
    for (let j = 0; j < 500; j++, count++) if (!step(count % notes.length)) failures++;
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (failures > 0)
    throw new Error(`${name}: ${failures} notes failed validation; the benchmark input must be valid`);
  return { name, perSecond: count / elapsed, perCpuSecond: count / ((cpu.user + cpu.system) / 1e6) };
}

const loadBefore = loadavg()[0] ?? 0;
/** Each row is measured twice (rows interleaved, so JIT state is comparable) and the better run kept. */
const steps: [string, (i: number) => boolean][] = [
  [
    "full step + convert: validate note + map + validate FLAT + FLAT → canonical",
    (i) => {
      const prepared = prepareSoapComposition(notes[i], { systemId: SYSTEM_ID });
      return prepared.ok && toCanonical(prepared.flat)._type === "COMPOSITION";
    },
  ],
  [
    "full step: validate note + map + validate FLAT",
    (i) => prepareSoapComposition(notes[i], { systemId: SYSTEM_ID }).ok,
  ],
  ["validateSoapNote only", (i) => validateSoapNote(notes[i]).ok],
  [
    "mapSoapNoteToFlat only",
    (i) => mapSoapNoteToFlat(notes[i] as SoapNote, { systemId: SYSTEM_ID }).flat !== undefined,
  ],
  [
    "validateFlat only (web template)",
    (i) => validateFlat(SOAP_WEB_TEMPLATE, flats[i] as Record<string, unknown>).ok,
  ],
  [
    "FLAT → canonical only (compiled converter)",
    (i) => toCanonical(flats[i] as Record<string, unknown>)._type === "COMPOSITION",
  ],
];
const firstPass = steps.map(([name, step]) => measure(name, step));
const results = steps.map(([name, step], k) => {
  const second = measure(name, step);
  const first = firstPass[k] as Measured;
  return second.perSecond > first.perSecond ? second : first;
});
const full = results[0]?.perSecond ?? 0;
const fullCpu = results[0]?.perCpuSecond ?? 0;
const loadAfter = loadavg()[0] ?? 0;
const table = [
  "| step | notes/s (wall) | notes per CPU-second | µs CPU per note | share of full-step time (CPU) |",
  "| --- | ---: | ---: | ---: | ---: |",
  ...results.map(
    (r) =>
      `| ${r.name} | ${Math.round(r.perSecond).toLocaleString("en-US")} | ${Math.round(r.perCpuSecond).toLocaleString("en-US")} | ${(1e6 / r.perCpuSecond).toFixed(1)} | ${((100 * fullCpu) / r.perCpuSecond).toFixed(0)} % |`,
  ),
];
const markdown = [
  "### core: SOAP note map + validate + convert to canonical (one core)",
  "",
  `${machineLine()} (1-min load average ${loadBefore.toFixed(1)} at start, ${loadAfter.toFixed(1)} at end: other processes share the cores). ${notes.length} distinct notes cycled, best of two ${RUN_MS / 1000} s runs per row after warm-up. Target ≥ 20,000 notes/s for the full step with conversion: **${full >= 20_000 ? "met" : "NOT met"}** (wall clock; per CPU-second: ${fullCpu >= 20_000 ? "met" : "NOT met"}).`,
  `Conversion adds ${(1e6 / fullCpu - 1e6 / (results[1]?.perCpuSecond ?? fullCpu)).toFixed(1)} µs CPU per note to the full step; the full step costs more than its parts measured alone (allocation and GC of all phases together).`,
  "Reproduce: `pnpm --filter @ehr-sync/core bench`.",
  "",
  ...table,
].join("\n");
console.log(markdown);
writeBenchmarkSection("core-map-validate", markdown);
