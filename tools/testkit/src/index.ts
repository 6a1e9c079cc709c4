export * from "./benchmarks.js";
export * from "./fixtures.js";
export * from "./services.js";
