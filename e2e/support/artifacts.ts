import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";

/** Where the e2e run leaves its screenshots; kept after the run (git-ignored), printed once per file. */
export const ARTIFACTS_DIR = process.env.FERRY_E2E_ARTIFACTS ?? path.resolve(import.meta.dirname, "../artifacts");

/** A full-page screenshot named for what it shows, e.g. `progress-page`, written to ARTIFACTS_DIR/screenshots. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(ARTIFACTS_DIR, "screenshots");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`[e2e] screenshot ${file}`);
  return file;
}
