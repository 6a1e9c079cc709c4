export * from "./completion-item.js";
export * from "./observe-error.js";
export * from "./ports.js";
export * from "./process-job.js";
export * from "./queue-row.js";
export * from "./soap-note-row.js";
export * from "./store-failure.js";
export * from "./subject-key.js";
