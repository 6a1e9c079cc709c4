/** Reads the real EHRbase directly (not through the code under test) to see what actually arrived. */

export const ehrbase = {
  baseUrl: (Deno.env.get("EHRBASE_URL") ?? "http://127.0.0.1:8085/ehrbase").replace(/\/+$/, ""),
  user: Deno.env.get("EHRBASE_USER") ?? "ehrbase-user",
  password: Deno.env.get("EHRBASE_PASSWORD") ?? "SuperSecretPassword",
};

const restUrl = () => `${ehrbase.baseUrl}/rest/openehr/v1`;
const authorization = () => `Basic ${btoa(`${ehrbase.user}:${ehrbase.password}`)}`;

export async function requireEhrbase(): Promise<void> {
  const where = `${ehrbase.baseUrl}/rest/status`;
  let status: number;
  try {
    const response = await fetch(where, {
      headers: { authorization: authorization(), accept: "application/json" },
      signal: AbortSignal.timeout(5_000),
    });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    throw new Error(
      `EHRbase is not reachable at ${where} (${(error as Error).message}). ` +
        "Start the test bed with `bash scripts/testbed.sh up` from the repository root.",
    );
  }
  if (status !== 200) throw new Error(`EHRbase at ${where} answered HTTP ${status}; start the test bed`);
}

export async function ehrIdForSubject(subjectId: string, namespace: string): Promise<string | undefined> {
  const url = `${restUrl()}/ehr?subject_id=${encodeURIComponent(subjectId)}&subject_namespace=${encodeURIComponent(namespace)}`;
  const response = await fetch(url, {
    headers: { authorization: authorization(), accept: "application/json" },
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) throw new Error(`EHRbase GET /ehr answered ${response.status}`);
  const body = (await response.json()) as { ehr_id?: { value?: string } };
  return body.ehr_id?.value;
}

/** The composition version ids stored in one EHR, via AQL. */
export async function compositionUidsInEhr(ehrId: string): Promise<string[]> {
  const response = await fetch(`${restUrl()}/query/aql`, {
    method: "POST",
    headers: {
      authorization: authorization(),
      accept: "application/json",
      "content-type": "application/json",
    },
    body: JSON.stringify({
      q: "SELECT c/uid/value FROM EHR e CONTAINS COMPOSITION c WHERE e/ehr_id/value = $ehr_id",
      query_parameters: { ehr_id: ehrId },
    }),
  });
  if (!response.ok) throw new Error(`EHRbase AQL answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { rows?: unknown[][] };
  return (body.rows ?? []).map((row) => String(row[0]));
}

/** Polls until `check` returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
