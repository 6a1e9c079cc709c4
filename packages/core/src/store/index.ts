export * from "./completion-batcher.js";
export * from "./queue-admin.js";
export * from "./queue-statements.js";
export * from "./sql-queue-store.js";
