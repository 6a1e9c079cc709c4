export * from "./fixtures.js";
export * from "./services.js";
export * from "./benchmarks.js";
