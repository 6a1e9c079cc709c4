export * from "./migration.js";
export { MIGRATIONS } from "./migrations.js";
