/** What every path needs to reach EHRbase: the client (setup, contributions) and raw fetch details. */
import { EhrbaseClient } from "@ehr-sync/ehrbase-client";
import { basicAuthHeader, requireEhrbase, requirePostgres } from "@ehr-sync/testkit";

export interface BenchContext {
  client: EhrbaseClient;
  /** openEHR REST base, e.g. http://127.0.0.1:8085/ehrbase/rest/openehr/v1 */
  restUrl: string;
  authorization: string;
  systemId: string;
  ehrbaseVersion: string;
}

/** Fails with how to start the test bed when PostgreSQL or EHRbase is not there. */
export async function benchContext(): Promise<BenchContext> {
  await requirePostgres();
  const config = await requireEhrbase();
  const client = new EhrbaseClient({
    baseUrl: config.baseUrl,
    auth: { type: "basic", username: config.user, password: config.password },
  });
  return {
    client,
    restUrl: config.restUrl,
    authorization: basicAuthHeader(config.user, config.password),
    systemId: await client.systemId(),
    ehrbaseVersion: (await client.status()).ehrbase_version ?? "(version not reported)",
  };
}

/** Runs `task` over indexes 0..count-1 with at most `concurrency` in flight. */
export async function pooled(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}
