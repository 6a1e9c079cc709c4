/** The configurations measured, each tied to the Node tier it runs on. */
import type { RunRequest } from "./contract.js";

export interface Variant {
  label: string;
  node: 20 | 22;
  /** Peers are compared against; ehr-sync rows get a ratio to the faster peer of their tier. */
  peer: boolean;
  request: Pick<RunRequest, "system" | "batchSize" | "ordering">;
}

/**
 * pg-boss 10.4.2 is not in the timed rounds: its workers sleep `pollingIntervalSeconds` (minimum 0.5 s)
 * after every fetch, so 4 workers × batch 10 cap it near 80 jobs/s and one drain would take minutes.
 * Its adapter stays (system "pg-boss-10") for a short run: BENCH_WITH_PG_BOSS_10=1.
 */
const pgBoss10: Variant = {
  label: "pg-boss 10 (batchSize 10)",
  node: 20,
  peer: true,
  request: { system: "pg-boss-10", batchSize: 10 },
};

export const variants: Variant[] = [
  ehrSync("independent", 1),
  ehrSync("independent", 10),
  ehrSync("supersede", 1),
  ehrSync("supersede", 10),
  {
    label: "graphile-worker 0.17 (defaults)",
    node: 20,
    peer: true,
    request: { system: "graphile-worker-0.17", batchSize: 1 },
  },
  {
    label: "graphile-worker 0.18 (defaults)",
    node: 22,
    peer: true,
    request: { system: "graphile-worker-0.18", batchSize: 1 },
  },
  {
    label: "pg-boss 12 (batchSize 10)",
    node: 22,
    peer: true,
    request: { system: "pg-boss-12", batchSize: 10 },
  },
  ...(process.env.BENCH_WITH_PG_BOSS_10 === "1" ? [pgBoss10] : []),
];

function ehrSync(ordering: "independent" | "supersede", batchSize: number): Variant {
  return {
    label: `ehr-sync queue (${ordering}, batch ${batchSize})`,
    node: 20,
    peer: false,
    request: { system: "ehr-sync", batchSize, ordering },
  };
}
