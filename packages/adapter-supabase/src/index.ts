// The invocation loop (drain, budget, deadline, summary) is core's, adapter-agnostic; re-exported here.
export type { BudgetClock, BudgetOptions, InvocationSummary, StopReason } from "@ehr-sync/core";
export { InvocationBudget } from "@ehr-sync/core";
export type { AuthDecision, AuthOptions } from "./auth.js";
export { bearerToken, constantTimeEqual, createAuthenticator, verifyServiceRoleJwt } from "./auth.js";
export type { EhrSyncHandler, InvocationTrigger } from "./handler.js";
export { createEhrSyncHandler } from "./handler.js";
export type { EhrbaseConnectionOptions, EhrSyncAuthOptions, EhrSyncHandlerOptions } from "./options.js";
export { ehrSyncOptionsFromEnv, PLAN_WALL_CLOCK_MS, resolveOptions, type SupabasePlan } from "./options.js";
