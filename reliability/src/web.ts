import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { startWebProcess as startWeb } from "@ferry/web/testing";
import { runtimeUrlFor } from "@ferry/db/testing";
import { masterKey, noteSecret, workDir } from "./harness";

export interface WebProcess {
  url: string;
  child: ChildProcess;
  lines: string[];
  authSecret: string;
  alive(): boolean;
  stop(): Promise<void>;
}

/**
 * The web process in Postgres mode (`apps/web/server.ts` over the existing Next build, as
 * `pnpm start:web` runs it), its output appended to `<logName>.log` in the run's directory.
 * The auth secret and master key are noted as secrets for the leak search.
 */
export async function startWebProcess(platformUrl: string, options: { logName?: string; env?: Record<string, string> } = {}): Promise<WebProcess> {
  const authSecret = randomBytes(24).toString("hex");
  noteSecret(authSecret, masterKey);
  const logFile = join(workDir, `${options.logName ?? "web"}.log`);
  const web = await startWeb({
    name: "web",
    env: {
      DATABASE_URL: runtimeUrlFor(platformUrl),
      DATABASE_PLATFORM_URL: platformUrl,
      BETTER_AUTH_SECRET: authSecret,
      FERRY_MASTER_KEY: masterKey,
      LOG_LEVEL: "info",
      ...options.env,
    },
    readyPath: "/healthz",
    onLine: (line) => appendFileSync(logFile, `${line}\n`),
  });
  return { url: web.url, child: web.child, lines: web.lines, authSecret, alive: web.alive, stop: () => web.stop() };
}
