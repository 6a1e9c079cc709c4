export * from "./backoff.js";
export * from "./classify-outcome.js";
export * from "./decide.js";
export * from "./states.js";
