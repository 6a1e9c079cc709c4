/**
 * A run's clock: wall time, and the CPU time EHRbase's JVM spent meanwhile (read from /proc for the
 * test bed's EHRbase process), since EHRbase's CPU per note is what issue 13 is about. The CPU figure
 * includes whatever else EHRbase served meanwhile, so it only means something on a quiet test bed;
 * without the process (another host, no /proc) it is left out.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every common build. */
const TICKS_PER_SECOND = 100;

function ehrbasePid(): number | undefined {
  const cache =
    process.env.EHR_SYNC_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "ehr-sync");
  try {
    const pid = Number(readFileSync(join(cache, "run", "ehrbase.pid"), "utf8").trim());
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes("ehrbase") ? pid : undefined;
  } catch {
    return undefined;
  }
}

const pid = ehrbasePid();

/** utime + stime of the EHRbase process in seconds, or undefined when it cannot be read. */
function ehrbaseCpuSeconds(): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface Timing {
  notes: number;
  seconds: number;
  /** EHRbase CPU seconds spent while the clock ran, when readable. */
  ehrbaseCpuSeconds: number | undefined;
}

export function startClock(): { stop(notes: number): Timing } {
  const wallStart = performance.now();
  const cpuStart = ehrbaseCpuSeconds();
  return {
    stop(notes) {
      const seconds = (performance.now() - wallStart) / 1000;
      const cpuEnd = ehrbaseCpuSeconds();
      return {
        notes,
        seconds,
        ehrbaseCpuSeconds: cpuStart === undefined || cpuEnd === undefined ? undefined : cpuEnd - cpuStart,
      };
    },
  };
}

export const rateOf = (timing: Timing) => timing.notes / timing.seconds;
