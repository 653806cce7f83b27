import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../../scripts/free-port.mjs";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const launcher = fileURLToPath(new URL("../../../scripts/launch.mjs", import.meta.url));

/**
 * The production command of a web or worker process, exactly as `pnpm start:web` /
 * `pnpm start:worker` and the containers (Dockerfile, compose.yaml) run it: the compiled build
 * (`pnpm build`), no TypeScript, no build on start. `preload` files are loaded first (`--import`),
 * e.g. a test's request log.
 */
export function productionCommand(kind: "web" | "worker", preload: string[] = []): { command: string; args: string[]; cwd: string } {
  return { command: process.execPath, args: [...preload.flatMap((file) => ["--import", file]), launcher, kind], cwd: repoRoot };
}

/** A port nothing listens on right now, below the ephemeral range, for a server a test starts. */
export { freePort };

export interface WebProcessOptions {
  /** Added to the test process's environment; `undefined` removes a variable (e.g. DATABASE_URL for the embedded database). */
  env?: Record<string, string | undefined>;
  /** Named in errors ("web-1 exited …"). */
  name?: string;
  /** Polled until it answers 2xx. */
  readyPath?: string;
  readyTimeoutMs?: number;
  /** Its own process group, so stop() also ends whatever the server started. */
  detached?: boolean;
  /** After stop()'s signal, SIGKILL if it has not exited this long after; by default stop() waits as long as it takes. */
  killAfterMs?: number;
  /** Each line the server writes (stdout and stderr), e.g. to append it to a log file. */
  onLine?: (line: string) => void;
  /** How many of the last lines `lines` keeps; all by default. */
  keepLines?: number;
}

export interface WebProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** The whole environment it runs with, for a worker process beside it. */
  env: NodeJS.ProcessEnv;
  /** What it has written, stdout and stderr, one entry a line. */
  lines: string[];
  alive(): boolean;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const started = new Set<() => void>();
process.once("exit", () => {
  for (const kill of started) kill();
});

/**
 * The compiled web server (`productionCommand("web")`, over the existing `pnpm build`) in a
 * process of its own, on a free port of 127.0.0.1 with PUBLIC_URL at that address unless `env`
 * says otherwise, resolved once it answers `readyPath`. Node itself, not a pnpm wrapper, so a
 * signal reaches the process that serves.
 */
export async function startWebProcess(options: WebProcessOptions = {}): Promise<WebProcess> {
  const name = options.name ?? "Ferry";
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: url, NODE_ENV: "production", ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const { command, args, cwd } = productionCommand("web");
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: options.detached ?? false });
  const signal = (sig: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    try {
      if (options.detached) process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // already gone
    }
  };
  const killNow = () => signal("SIGKILL");
  started.add(killNow);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      started.delete(killNow);
      resolve();
    }),
  );
  const lines: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line) continue;
      lines.push(line);
      options.onLine?.(line);
    }
    if (options.keepLines !== undefined && lines.length > options.keepLines) lines.splice(0, lines.length - options.keepLines);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const readyPath = options.readyPath ?? "/readyz";
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (!alive()) throw new Error(`${name} exited early (${child.exitCode ?? child.signalCode}): ${lines.slice(-20).join("\n")}`);
    if (
      await fetch(`${url}${readyPath}`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      break;
    if (Date.now() > deadline) {
      signal("SIGKILL");
      throw new Error(`${name} did not answer ${readyPath} in time: ${lines.slice(-20).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    port,
    child,
    env,
    lines,
    alive,
    async stop(sig = "SIGTERM") {
      if (!alive()) return;
      signal(sig);
      if (options.killAfterMs === undefined) return exited;
      const timer = setTimeout(() => signal("SIGKILL"), options.killAfterMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
