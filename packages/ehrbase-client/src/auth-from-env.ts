/**
 * EHRbase credentials from environment variables, the same way for every runtime that reads them
 * (the Node CLI, Edge Functions). Names only appear in errors, never values.
 */
import type { EhrbaseAuth } from "./auth.js";

/**
 * `EHRBASE_TOKEN` → bearer; `EHRBASE_OAUTH_TOKEN_URL` + `EHRBASE_OAUTH_CLIENT_ID` +
 * `EHRBASE_OAUTH_CLIENT_SECRET` (+ `EHRBASE_OAUTH_SCOPE`) → OAuth2 client credentials;
 * `EHRBASE_USER` + `EHRBASE_PASSWORD` → basic; none of them → no auth.
 */
export function ehrbaseAuthFromEnv(env: Record<string, string | undefined>): EhrbaseAuth {
  if (env.EHRBASE_TOKEN) return { type: "bearer", token: env.EHRBASE_TOKEN };
  const oauth = ["EHRBASE_OAUTH_TOKEN_URL", "EHRBASE_OAUTH_CLIENT_ID", "EHRBASE_OAUTH_CLIENT_SECRET"];
  if (oauth.some((name) => env[name])) {
    const missing = oauth.filter((name) => !env[name]);
    if (missing.length > 0)
      throw new Error(`environment: ${missing.join(", ")} not set (OAuth2 needs all three)`);
    return {
      type: "oauth2-client-credentials",
      tokenUrl: env.EHRBASE_OAUTH_TOKEN_URL!,
      clientId: env.EHRBASE_OAUTH_CLIENT_ID!,
      clientSecret: env.EHRBASE_OAUTH_CLIENT_SECRET!,
      ...(env.EHRBASE_OAUTH_SCOPE ? { scope: env.EHRBASE_OAUTH_SCOPE } : {}),
    };
  }
  if (env.EHRBASE_USER || env.EHRBASE_PASSWORD) {
    if (!env.EHRBASE_USER || !env.EHRBASE_PASSWORD) {
      throw new Error("environment: set both EHRBASE_USER and EHRBASE_PASSWORD (or EHRBASE_TOKEN)");
    }
    return { type: "basic", username: env.EHRBASE_USER, password: env.EHRBASE_PASSWORD };
  }
  return { type: "none" };
}
