export * from "./fixtures.js";
export * from "./services.js";
