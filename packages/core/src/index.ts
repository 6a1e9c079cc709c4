export * from "./engine/index.js";
export * from "./mapping/index.js";
export * from "./openehr/index.js";
export * from "./queue/index.js";
export * from "./soap/index.js";
export * from "./sql/index.js";
export * from "./store/index.js";
export * from "./templates/index.js";
