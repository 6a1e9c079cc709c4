/**
 * adapter-node stays glue (issue 17): its code outside the CLI, metrics and operator display is under
 * 500 lines and holds no SQL text of the queue; the scheduling lives in core (engine/continuous-worker.ts)
 * and every queue statement in core's catalogue (store/queue-statements.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");
/** CLI, metrics and the operator's display, which the limit leaves out. */
const NOT_GLUE = new Set([
  "cli.ts",
  "cli-commands.ts",
  "progress-bar.ts",
  "metrics.ts",
  "store/queue-status.ts",
]);

function glueFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts") && !path.startsWith("dashboard"))
    .map((path) => relative(SRC, join(SRC, path)).split("\\").join("/"))
    .filter((path) => !NOT_GLUE.has(path))
    .sort();
}

describe("adapter-node glue", () => {
  it("is under 500 lines", () => {
    const lines = glueFiles().map((path) => [
      path,
      readFileSync(join(SRC, path), "utf8").split("\n").length - 1,
    ]);
    const total = lines.reduce((sum, [, n]) => sum + Number(n), 0);
    expect(total, JSON.stringify(Object.fromEntries(lines))).toBeLessThan(500);
  });

  it("holds no SQL text of the queue", () => {
    const queueSql =
      /ehr_sync\.(claim|complete|reschedule|bury|pause|release|heartbeat|record_attempt|queue|enqueue|write_back|remember_ehr|patient_ehr)/i;
    const offenders = glueFiles().filter((path) => queueSql.test(readFileSync(join(SRC, path), "utf8")));
    expect(offenders).toEqual([]);
  });
});
