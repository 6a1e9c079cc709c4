import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectedCopies, GENERATED_PREFIX, migrationsDir } from "../scripts/shared-migrations.mjs";

describe("supabase/migrations and the shared SQL", () => {
  it("contain every shared migration, byte for byte (run `pnpm sync-migrations` after changing packages/core/sql)", () => {
    const copies = expectedCopies();
    expect(copies.length, "packages/core/sql holds no NNNN_*.sql migration").toBeGreaterThan(0);
    for (const { source, target } of copies) {
      const copy = join(migrationsDir, target);
      expect(existsSync(copy), `${target} is missing`).toBe(true);
      expect(readFileSync(copy, "utf8"), `${target} differs from ${source}`).toBe(
        readFileSync(source, "utf8"),
      );
    }
  });

  it("hold no generated copy whose shared source is gone", () => {
    const wanted = new Set(expectedCopies().map((c) => c.target));
    const generated = readdirSync(migrationsDir).filter((name) => name.startsWith(GENERATED_PREFIX));
    expect(generated.filter((name) => !wanted.has(name))).toEqual([]);
  });
});
