/**
 * The benchmark's knobs, read from the environment once. A bad value stops the run with a message
 * naming the variable, before anything is measured.
 */
export type CaseName = "known" | "new" | "backlog";
export const CASE_NAMES: readonly CaseName[] = ["known", "new", "backlog"];

export interface BenchSettings {
  cases: CaseName[];
  levels: number[];
  rounds: number;
  /** Notes per run, per path (every case and path gets the same count). */
  notes: number;
  notesPerPatient: number;
  latencyNotes: number;
  /** Whether the backlog's patients have EHRs before the clock starts (catch-up) or not (backfill). */
  backlogPatients: "known" | "new";
  /** Where raw canonical bodies come from: auto = core's converter when core exports one, else server. */
  canonical: "auto" | "server" | "core";
  /** Extra createWorker options for the ehr-sync path (e.g. a delivery-format switch), from JSON. */
  workerOptions: Record<string, unknown>;
  write: boolean;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function nonNegativeInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be an integer ≥ 0, got "${raw}"`);
  return value;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new RangeError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

function list(name: string, fallback: string): string[] {
  const raw = process.env[name];
  return (raw === undefined || raw.trim() === "" ? fallback : raw)
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function jsonObject(name: string): Record<string, unknown> {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new RangeError(`${name} must be a JSON object, e.g. '{"batchSize":10}'`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RangeError(`${name} must be a JSON object, e.g. '{"batchSize":10}'`);
  }
  return parsed as Record<string, unknown>;
}

export function readSettings(): BenchSettings {
  const cases = list("BENCH_CASES", CASE_NAMES.join(","));
  for (const name of cases) {
    if (!(CASE_NAMES as readonly string[]).includes(name)) {
      throw new RangeError(`BENCH_CASES: unknown case "${name}" (known, new, backlog)`);
    }
  }
  const levels = list("BENCH_LEVELS", "1,4,16").map((part) => {
    const value = Number(part);
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`BENCH_LEVELS must list positive integers, got "${part}"`);
    }
    return value;
  });
  return {
    cases: [...new Set(cases)] as CaseName[],
    levels: [...new Set(levels)],
    rounds: positiveInt("BENCH_ROUNDS", 3),
    notes: positiveInt("BENCH_NOTES", 400),
    notesPerPatient: positiveInt("BENCH_NOTES_PER_PATIENT", 5),
    latencyNotes: nonNegativeInt("BENCH_LATENCY_NOTES", 40),
    backlogPatients: oneOf("BENCH_BACKLOG_PATIENTS", ["known", "new"] as const, "known"),
    canonical: oneOf("BENCH_CANONICAL", ["auto", "server", "core"] as const, "auto"),
    workerOptions: jsonObject("BENCH_WORKER_OPTIONS"),
    write: process.env.BENCH_WRITE !== "0",
  };
}
