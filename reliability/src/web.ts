import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { masterKey, noteSecret, waitFor, workDir } from "./harness";

const webDir = fileURLToPath(new URL("../../apps/web/", import.meta.url));

export interface WebProcess {
  url: string;
  child: ChildProcess;
  lines: string[];
  authSecret: string;
  alive(): boolean;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The web process in Postgres mode (`apps/web/server.ts` over the existing Next build, as
 * `pnpm start:web` runs it), its output appended to `<logName>.log` in the run's directory.
 * The auth secret and master key are noted as secrets for the leak search.
 */
export async function startWebProcess(databaseUrl: string, options: { logName?: string; env?: Record<string, string> } = {}): Promise<WebProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const authSecret = randomBytes(24).toString("hex");
  noteSecret(authSecret, masterKey);
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    cwd: webDir,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: authSecret,
      FERRY_MASTER_KEY: masterKey,
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: url,
      LOG_LEVEL: "info",
      NODE_ENV: "production",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const logFile = join(workDir, `${options.logName ?? "web"}.log`);
  const onData = (c: Buffer) => {
    const added = c.toString().split("\n").filter(Boolean);
    lines.push(...added);
    for (const line of added) appendFileSync(logFile, `${line}\n`);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.once("exit", () => child.kill("SIGKILL"));
  const alive = () => child.exitCode === null && child.signalCode === null;
  await waitFor(
    "the web process to answer /healthz",
    async () => {
      if (!alive()) throw new Error(`web exited (${child.exitCode}): ${lines.slice(-5).join("\n")}`);
      return fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false);
    },
    120_000,
    250,
  );
  return {
    url,
    child,
    lines,
    authSecret,
    alive,
    async stop() {
      if (!alive()) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
