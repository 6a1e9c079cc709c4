import { CliError, runCli } from "./cli-commands.js";

const stopSignal = new Promise<string>((resolve) => {
  process.once("SIGTERM", () => resolve("SIGTERM"));
  process.once("SIGINT", () => resolve("SIGINT"));
});

runCli(process.argv.slice(2), { env: process.env, print: (line) => console.log(line), stopSignal }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Messages name the setting or the failing migration; they never contain secrets or note content.
    console.error(
      `ehr-sync: ${error instanceof CliError || error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  },
);
