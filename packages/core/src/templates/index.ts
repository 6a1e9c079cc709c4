export * from "./soap-template.js";
export * from "./soap-web-template.js";
