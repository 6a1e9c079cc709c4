#!/usr/bin/env node
// Copies the shared ehr-sync SQL (packages/core/sql/NNNN_*.sql) into this Supabase project's
// migrations, byte for byte, as supabase/migrations/2026010100NNNN_ehr_sync_NNNN_*.sql, and removes
// copies whose source is gone. The shared SQL is the single source of truth: never edit the copies;
// test/shared-migrations.test.ts fails when they drift.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expectedCopies, GENERATED_PREFIX } from "./shared-migrations.mjs";

const exampleRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const migrationsDir = join(exampleRoot, "supabase", "migrations");
const copies = expectedCopies();
for (const { source, target } of copies) writeFileSync(join(migrationsDir, target), readFileSync(source));
const wanted = new Set(copies.map((c) => c.target));
for (const name of readdirSync(migrationsDir)) {
  if (name.startsWith(GENERATED_PREFIX) && !wanted.has(name)) rmSync(join(migrationsDir, name));
}
console.log(`synced ${copies.length} shared migration(s) into ${migrationsDir}`);
