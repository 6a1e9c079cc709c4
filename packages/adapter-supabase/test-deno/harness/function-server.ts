/**
 * Serves the example project's Edge Function (examples/supabase/.../index.ts) in a real Deno process
 * on 127.0.0.1, resolving `@ehr-sync/*` to this workspace's built packages instead of npm.
 */
import { paths } from "./paths.ts";

export interface FunctionServer {
  url: string;
  /** Everything the function printed (summaries are logged; tests check no PHI leaks there). */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

export async function startFunctionServer(env: Record<string, string>): Promise<FunctionServer> {
  const port = await freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      paths.localImportMap.pathname,
      // The function's own committed lock, frozen: a dependency that drifted from it fails the run.
      `--lock=${paths.functionLock.pathname}`,
      "--frozen",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-sys",
      paths.functionEntry.pathname,
    ],
    env: { ...env, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) log += decoder.decode(chunk);
  };
  const pumping = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch (error) {
      // Deno throws a TypeError when the child has already exited; anything else is a real failure
      if (!(error instanceof TypeError)) throw error;
    }
    await child.status;
    await pumping;
  };
  const deadline = Date.now() + 60_000;
  while (true) {
    try {
      const response = await fetch(url, { method: "GET" });
      await response.body?.cancel();
      break;
    } catch (error) {
      // not listening yet: fetch fails with a TypeError (connection refused)
      if (!(error instanceof TypeError)) throw error;
      const status = await Promise.race([child.status, new Promise((r) => setTimeout(r, 200, null))]);
      if (status !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`the Edge Function did not start on port ${port}:\n${log}`);
      }
    }
  }
  return { url, output: () => log, stop };
}
