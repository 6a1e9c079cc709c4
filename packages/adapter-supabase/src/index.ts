export type { AuthDecision, AuthOptions } from "./auth.js";
export { bearerToken, constantTimeEqual, createAuthenticator, verifyServiceRoleJwt } from "./auth.js";
export type { BudgetClock, BudgetOptions, SupabasePlan } from "./budget.js";
export { InvocationBudget, PLAN_WALL_CLOCK_MS } from "./budget.js";
export type { EhrSyncHandler, InvocationTrigger } from "./handler.js";
export { createEhrSyncHandler } from "./handler.js";
export type { EhrbaseConnectionOptions, EhrSyncAuthOptions, EhrSyncHandlerOptions } from "./options.js";
export { ehrSyncOptionsFromEnv, resolveOptions } from "./options.js";
export type { InvocationSummary, StopReason } from "./summary.js";
