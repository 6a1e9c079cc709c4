/**
 * Headless Chromium for the dashboard tests: Debian's `chromium` package (installed by
 * `bash scripts/testbed.sh up`) driven by playwright-core, which downloads no browser of its own.
 * Playwright gives every launch a fresh temporary --user-data-dir and removes it on close.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. Install it with \`bash scripts/testbed.sh up\` ` +
        "(Debian's `chromium` package) from the repository root.",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
