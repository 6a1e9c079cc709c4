export * from "./completion-batcher.js";
export * from "./queue-admin.js";
export * from "./queue-statements.js";
export * from "./retry-while-unreachable.js";
export * from "./sql-queue-store.js";
