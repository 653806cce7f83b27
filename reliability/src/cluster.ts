import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import jsforce from "jsforce";
import { salesforceConnections, withTenant } from "@ferry/db";
import { runtimeUrlFor, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle, EmulatorOptions } from "@ferry/salesforce-emulator";
import { sealSecret } from "@ferry/services";
import { freePort, startWebProcess as startWeb } from "@ferry/web/testing";
import { masterKey, noteSecret, workDir } from "./harness";

/**
 * The production shape of issue 9 point 6: several web processes (`apps/web/server.ts` over the
 * existing Next build, Postgres mode, no in-process worker) behind a load balancer, which here is a
 * small TCP proxy of our own.
 */

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

export { freePort };

export interface WebProcess {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  lines: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** One cluster's shared settings: every web process must sign cookies with the same secret. */
export function clusterSecrets() {
  return { authSecret: randomBytes(24).toString("hex") };
}

/** `server.ts` in Postgres mode with FERRY_WORKER=off, as each replica runs in production. */
export async function startWebProcess(
  platformUrl: string,
  options: { name: string; publicUrl: string; authSecret: string; env?: Record<string, string> },
): Promise<WebProcess> {
  const logFile = join(workDir, `${options.name}.log`);
  const web = await startWeb({
    name: options.name,
    env: {
      DATABASE_URL: runtimeUrlFor(platformUrl),
      DATABASE_PLATFORM_URL: platformUrl,
      BETTER_AUTH_SECRET: options.authSecret,
      FERRY_MASTER_KEY: masterKey,
      FERRY_WORKER: "off",
      FERRY_EMULATOR: "off",
      FERRY_DEMO: "off",
      PUBLIC_URL: options.publicUrl,
      LOG_LEVEL: "warn",
      ...options.env,
    },
    onLine: (line) => appendFileSync(logFile, `${line}\n`),
  });
  return { name: options.name, url: web.url, pid: web.child.pid!, child: web.child, lines: web.lines, kill: (signal) => web.stop(signal) };
}

/** Next compiles nothing in production, but each route's code is loaded on its first request. */
export async function warmUp(url: string) {
  for (const route of ["/sign-in", "/salesforce/progress", "/records", "/errors", "/sync-history", "/api/trpc/syncStatus.badge"]) {
    await fetch(`${url}${route}`).catch(() => undefined);
  }
}

export interface ProxyStats {
  /** Connections handed to each backend (by index). */
  connections: number[];
  /** Connections whose first request was a WebSocket upgrade of /socket.io/, per backend. */
  websockets: number[];
  /** Connections that found a backend refusing and went on to the next. */
  redispatched: number;
  /** Connections no backend took. */
  refused: number;
}

export interface LoadBalancer {
  url: string;
  stats: ProxyStats;
  close(): Promise<void>;
}

/**
 * A layer-4 load balancer: each client TCP connection is piped to one backend. `failover` sends
 * everything to the first backend that accepts (web 1, then web 2 when web 1 is down);
 * `round-robin` spreads connections with no stickiness at all. A refused connect is redispatched
 * to the next backend, as HAProxy's `option redispatch` does. When a backend dies, its
 * connections are closed and the clients reconnect.
 */
export async function startLoadBalancer(backends: string[], mode: "failover" | "round-robin", port = 0): Promise<LoadBalancer> {
  const targets = backends.map((b) => new URL(b));
  const stats: ProxyStats = { connections: targets.map(() => 0), websockets: targets.map(() => 0), redispatched: 0, refused: 0 };
  const open = new Set<Socket>();
  let next = 0;
  const server: Server = createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    client.pause();
    const first = mode === "failover" ? 0 : next++ % targets.length;
    const attempt = (tries: number) => {
      if (tries === targets.length) {
        stats.refused++;
        client.destroy();
        return;
      }
      const index = (first + tries) % targets.length;
      const target = targets[index]!;
      const upstream = connect(Number(target.port), target.hostname);
      let connected = false;
      upstream.once("connect", () => {
        connected = true;
        stats.connections[index]!++;
        open.add(upstream);
        // pipe() ends each side when the other ends (so a response is never cut short); a dead peer destroys both.
        upstream.on("close", () => open.delete(upstream));
        upstream.on("error", () => client.destroy());
        client.on("close", () => upstream.destroy());
        client.once("data", (chunk: Buffer) => {
          const head = chunk.subarray(0, 512).toString("latin1");
          if (head.startsWith("GET /socket.io/") && /\r\nupgrade: websocket/i.test(head)) stats.websockets[index]!++;
        });
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.once("error", () => {
        if (connected) return;
        stats.redispatched++;
        attempt(tries + 1);
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    stats,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Stores the emulator org's sealed login for `tenantId`, as Validate + Fields + Confirm leave it ("ready" to start). */
export async function storeReadyConnection(
  db: TestDatabase,
  emu: Pick<EmulatorHandle, "users" | "loginUrl" | "url">,
  tenantId: string,
  state: "ready" | "syncing" = "ready",
) {
  const user = emu.users[0]!;
  const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: "62.0" });
  const info = await conn.login(user.username, user.password + user.securityToken);
  noteSecret(user.password, user.securityToken, user.password + user.securityToken, conn.accessToken ?? undefined);
  await withTenant({ db: db.db, tenantId }, (tx) =>
    tx.insert(salesforceConnections).values({
      tenantId,
      authType: "password",
      loginUrl: emu.loginUrl,
      username: user.username,
      password: sealSecret(user.password, masterKey, `${tenantId}:password`),
      securityToken: sealSecret(user.securityToken, masterKey, `${tenantId}:securityToken`),
      orgId: info.organizationId,
      instanceUrl: emu.url,
      state,
      syncEnabled: state === "syncing",
      apiDailyLimit: 15_000,
    }),
  );
}

/** The Salesforce emulator in a child process (its own event loop), reached over HTTP like any org. */
export async function startEmulatorProcess(options: EmulatorOptions): Promise<Pick<EmulatorHandle, "users" | "loginUrl" | "url"> & { stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./emulator-entry.ts", import.meta.url))], {
    env: { ...process.env, RELIABILITY_EMULATOR: JSON.stringify(options) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      children.delete(child);
      resolve();
    }),
  );
  const handle = await new Promise<Pick<EmulatorHandle, "users" | "loginUrl" | "url">>((resolve, reject) => {
    let buffered = "";
    child.stdout!.on("data", (c: Buffer) => {
      buffered += c.toString();
      const line = buffered.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line) as Pick<EmulatorHandle, "users" | "loginUrl" | "url">);
    });
    void exited.then(() => reject(new Error("the emulator process exited before it started")));
  });
  return {
    ...handle,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Latency samples in milliseconds → the figures the suite prints. */
export function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : 0);
  return { n: sorted.length, p50: Math.round(at(50)), p95: Math.round(at(95)), p99: Math.round(at(99)), max: Math.round(sorted[sorted.length - 1] ?? 0) };
}
