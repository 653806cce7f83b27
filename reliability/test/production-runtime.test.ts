import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, runtimeUrlFor, type TestDatabase } from "@ferry/db/testing";
import { freePort, productionCommand } from "@ferry/web/testing";
import { record, waitFor } from "../src/harness";

const root = fileURLToPath(new URL("../../", import.meta.url));
const at = (...parts: string[]) => join(root, ...parts);

/** What the build wrote; a start that builds rewrites these. */
const BUILD_OUTPUTS = [
  "apps/web/.next/BUILD_ID",
  "apps/web/.next/ferry/server.js",
  "apps/web/.next/ferry/build.json",
  "apps/worker/dist/main.js",
  "apps/worker/dist/build.json",
];
const outputTimes = () => Object.fromEntries(BUILD_OUTPUTS.map((f) => [f, statSync(at(f)).mtimeMs]));

/** Every process descended from `pid`, with its command line (Linux /proc). */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  const walk = (p: number) => {
    for (const [child, ppid] of parent) {
      if (ppid !== p) continue;
      try {
        out.push({ pid: child, cmd: readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").join(" ").trim() });
      } catch {
        // exited meanwhile
      }
      walk(child);
    }
  };
  walk(pid);
  return out;
}

const FORBIDDEN = /\btsx\b|next(\.js)? build|dist\/bin\/next\b|\besbuild\b|scripts\/build\.mjs|\.ts(\s|$)/;

/**
 * `pnpm <script>` (the package script a person or the README runs) in a process group of its own,
 * its process tree sampled every 50 ms until `ready`: everything it ever ran is in `seen`.
 */
async function runScript(script: string, env: NodeJS.ProcessEnv, ready: (lines: string[]) => Promise<boolean>) {
  const child: ChildProcess = spawn("pnpm", ["--silent", script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const lines: string[] = [];
  const onData = (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean));
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const seen = new Set<string>();
  const sampler = setInterval(() => descendants(child.pid!).forEach((p) => seen.add(p.cmd)), 50);
  try {
    await waitFor(
      `pnpm ${script} to be ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`pnpm ${script} exited (${child.exitCode}): ${lines.slice(-10).join("\n")}`);
        return ready(lines);
      },
      120_000,
      100,
    );
    descendants(child.pid!).forEach((p) => seen.add(p.cmd));
  } finally {
    clearInterval(sampler);
  }
  const stop = async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
  };
  return { seen: [...seen], lines, stop };
}

describe("the compiled production runtime (pnpm start:web, pnpm start:worker)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("start:worker runs the compiled worker: no tsx, no build, no TypeScript", async () => {
    const before = outputTimes();
    const run = await runScript(
      "start:worker",
      {
        DATABASE_URL: runtimeUrlFor(db.platformUrl!),
        DATABASE_PLATFORM_URL: db.platformUrl!,
        FERRY_MASTER_KEY: randomBytes(32).toString("base64"),
        LOG_LEVEL: "info",
      },
      async (lines) => lines.some((l) => l.includes('"worker started"')),
    );
    await run.stop();
    const nodes = run.seen.filter((cmd) => cmd.includes("launch.mjs"));
    record("production runtime", "pnpm start:worker", run.seen.some((c) => FORBIDDEN.test(c)) ? "FAIL" : "pass", { processes: run.seen.join(" | ") });
    expect(run.seen.filter((cmd) => FORBIDDEN.test(cmd))).toEqual([]);
    expect(nodes.some((cmd) => /node\S* \S*scripts\/launch\.mjs worker$/.test(cmd))).toBe(true);
    expect(outputTimes()).toEqual(before);
  });

  it("start:web runs the compiled server over Next's build: no tsx, no next build", async () => {
    const before = outputTimes();
    const port = await freePort();
    const env = {
      DATABASE_URL: runtimeUrlFor(db.platformUrl!),
      DATABASE_PLATFORM_URL: db.platformUrl!,
      BETTER_AUTH_SECRET: randomBytes(24).toString("hex"),
      FERRY_MASTER_KEY: randomBytes(32).toString("base64"),
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
    };
    const run = await runScript("start:web", env, () =>
      fetch(`http://127.0.0.1:${port}/readyz`)
        .then((r) => r.ok)
        .catch(() => false),
    );
    const signIn = await fetch(`http://127.0.0.1:${port}/sign-in`);
    await run.stop();
    record("production runtime", "pnpm start:web", run.seen.some((c) => FORBIDDEN.test(c)) ? "FAIL" : "pass", { processes: run.seen.join(" | ") });
    expect(signIn.status).toBe(200);
    expect(run.seen.filter((cmd) => FORBIDDEN.test(cmd))).toEqual([]);
    expect(run.seen.some((cmd) => /node\S* \S*scripts\/launch\.mjs web$/.test(cmd))).toBe(true);
    expect(outputTimes()).toEqual(before);
  });

  it("refuses a missing or a stale build and says what to run", () => {
    const { command, args, cwd } = productionCommand("web");
    // A Next output directory of its own (FERRY_NEXT_DIST_DIR): first empty, then with a build whose stamp is of other sources.
    const distName = `.next-runtime-test-${process.pid}`;
    const dist = at("apps/web", distName);
    rmSync(dist, { recursive: true, force: true });
    try {
      const missing = spawnSync(command, args, { cwd, env: { ...process.env, FERRY_NEXT_DIST_DIR: distName }, encoding: "utf8", timeout: 30_000 });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain(`there is no compiled web server (apps/web/${distName}/ferry/server.js)`);
      expect(missing.stderr).toContain("Run `pnpm build` first");

      mkdirSync(join(dist, "ferry"), { recursive: true });
      writeFileSync(join(dist, "ferry/server.js"), "throw new Error('a stale build must not run');\n");
      writeFileSync(join(dist, "ferry/build.json"), JSON.stringify({ target: "web", sourceHash: "0".repeat(64), builtAt: "2026-01-01T00:00:00.000Z" }));
      const stale = spawnSync(command, args, { cwd, env: { ...process.env, FERRY_NEXT_DIST_DIR: distName }, encoding: "utf8", timeout: 30_000 });
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain("the compiled web server is stale: the sources changed after it was built (2026-01-01T00:00:00.000Z)");
      expect(stale.stderr).not.toContain("a stale build must not run");
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });

  it("the Dockerfile and compose.yaml run these same commands over paths that exist", () => {
    const dockerfile = readFileSync(at("Dockerfile"), "utf8");
    const compose = readFileSync(at("compose.yaml"), "utf8");
    const nginx = readFileSync(at("deploy/nginx.conf"), "utf8");
    const asRun = (kind: "web" | "worker") => ["node", ...productionCommand(kind).args.map((a) => (a.startsWith(root) ? relative(root, a) : a))];

    // The containers' commands are the ones the reliability suite starts (productionCommand).
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!)).toEqual(asRun("web"));
    const commands = [...compose.matchAll(/^\s+command: (\[.*\])$/gm)]
      .map((m) => JSON.parse(m[1]!.replace(/'/g, '"')) as string[])
      .filter((c) => c[0] === "node");
    expect(commands).toContainEqual(asRun("web"));
    expect(commands).toContainEqual(asRun("worker"));
    for (const command of commands) expect(existsSync(at(command[1]!)), command.join(" ")).toBe(true);

    // Every path the runtime image copies exists after `pnpm build` (this suite runs after it).
    const copied = [...dockerfile.matchAll(/^COPY --from=build \S+ (.+) \S+$/gm)].flatMap((m) => m[1]!.split(" ")).map((p) => p.replace(/^\/app\//, ""));
    expect(copied.length).toBeGreaterThan(5);
    for (const path of copied) expect(existsSync(at(path)), `Dockerfile copies ${path}`).toBe(true);
    for (const required of ["scripts/launch.mjs", "scripts/build-stamp.mjs", "apps/web/.next", "apps/worker/dist", "packages/db/drizzle"])
      expect(copied).toContain(required);
    expect(dockerfile).toMatch(/^USER node$/m);

    // Two web replicas behind the balancer, which passes WebSocket upgrades; two workers.
    const services = [...compose.matchAll(/^ {2}([a-z0-9-]+):/gm)].map((m) => m[1]);
    const upstreams = [...nginx.matchAll(/^\s+server ([a-z0-9-]+):3000\b/gm)].map((m) => m[1]);
    expect(upstreams).toEqual(["web-1", "web-2"]);
    for (const name of upstreams) expect(services).toContain(name);
    expect(nginx).toContain("proxy_set_header Upgrade $http_upgrade;");
    expect(compose).toMatch(/worker:[\s\S]*replicas: 2/);
    expect(compose).toContain("./deploy/nginx.conf:/etc/nginx/nginx.conf:ro");
    // Every file compose mounts exists; the app gets the two logins the database init creates.
    const mounted = [...compose.matchAll(/^\s+- (\.\/[^:]+):/gm)].map((m) => m[1]!);
    expect(mounted).toContain("./deploy/postgres-init.sh");
    for (const path of mounted) expect(existsSync(at(path)), `compose mounts ${path}`).toBe(true);
    const init = readFileSync(at("deploy/postgres-init.sh"), "utf8");
    for (const login of ["ferry_owner", "ferry_runtime"]) {
      expect(init).toContain(`CREATE ROLE ${login} LOGIN`);
      expect(compose).toMatch(new RegExp(`postgres://${login}:`));
    }
    expect(compose).toContain("DATABASE_PLATFORM_URL:");
  });
});
