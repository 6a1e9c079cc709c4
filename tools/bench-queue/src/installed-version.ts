import { readFileSync } from "node:fs";

/** Version of a package installed in this package's node_modules (some packages don't export package.json). */
export function installedVersion(packageName: string): string {
  const file = new URL(`../node_modules/${packageName}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}
