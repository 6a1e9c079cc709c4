export * from "./benchmarks.js";
export * from "./fixtures.js";
export * from "./migrated-database.js";
export * from "./notes-table.js";
export * from "./sample-note.js";
export * from "./services.js";
