import { join } from "node:path";
import { loadavg } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@ferry/auth";
import { memberships, withTenant, rowsOf } from "@ferry/db";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { createTenantForOwner } from "@ferry/services";
import { SMALL_COUNTS } from "@ferry/sync/testing";
import {
  clusterSecrets,
  freePort,
  percentiles,
  startEmulatorProcess,
  startLoadBalancer,
  startWebProcess,
  storeReadyConnection,
  warmUp,
  type LoadBalancer,
  type WebProcess,
} from "../src/cluster";
import { openQueue, record, SIZE, sleep, startWorkerProcess, waitFor, workDir, type WorkerProcess } from "../src/harness";

const TENANTS = 50;
const USERS_PER_TENANT = 4;
const DURATION_MS = Number(process.env.RELIABILITY_LOAD_SECONDS ?? (SIZE === "full" ? 300 : 50)) * 1000;
/** Tenants with a Salesforce org whose syncs run (one after another) for the whole window. */
const SYNCED = SIZE === "full" ? 10 : 6;
const LEADS = SIZE === "full" ? 40_000 : 15_000;
/** A syncing tenant starts a run this often at most: 60× the shortest schedule (5 minutes). */
const SYNC_EVERY_MS = 5_000;
/** Half the users browse: each reads a page for 5–15 s before the next click. */
const THINK_MS: [number, number] = [5_000, 15_000];
/** The other half watch the progress page: the socket moves it; its activity charts refetch every 60 s (`sync-charts.tsx`). */
const CHART_REFETCH_MS = 60_000;
/** Users arrive within the first think time; figures after this show the steady state too. */
const WARM_UP_MS = 30_000;
/** React Query's staleTime in the portal: 15 s, `account.me` 60 s; fresher data is not re-requested on navigation. */
const STALE_MS = 15_000;
const ME_STALE_MS = 60_000;

interface VirtualUser {
  index: number;
  tenantId: string;
  synced: boolean;
  email: string;
  password: string;
  ip: string;
  cookie: string;
  socket?: Socket;
  fresh: Map<string, number>;
  events: Map<string, number>;
  foreign: number;
  connectErrors: string[];
  drops: number;
}

describe("load: 200 portal users across 50 tenants while syncs run (2 web, 2 worker processes, round-robin proxy)", () => {
  let db: TestDatabase;
  let emu: Awaited<ReturnType<typeof startEmulatorProcess>>;
  beforeAll(async () => {
    emu = await startEmulatorProcess({ counts: { ...SMALL_COUNTS, Lead: LEADS }, bulkPageSize: 4000, bulkJobDurationMs: 100 });
    db = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it(`${TENANTS * USERS_PER_TENANT} users browse and watch progress: every response 2xx, every socket gets its own tenant's events only`, async () => {
    const url = db.platformUrl!;
    const { authSecret } = clusterSecrets();
    const lbPort = await freePort();
    const publicUrl = `http://127.0.0.1:${lbPort}`;
    // Small pools: two web and two worker processes share the machine's Postgres (max_connections 100) with other tests.
    const webs: WebProcess[] = await Promise.all(
      ["load-web-1", "load-web-2"].map((name) => startWebProcess(url, { name, publicUrl, authSecret, env: { DATABASE_POOL_SIZE: "6" } })),
    );
    const workers: WorkerProcess[] = [];
    for (let k = 0; k < 2; k++)
      workers.push(
        await startWorkerProcess(url, { logFile: join(workDir, `load-worker-${k}.log`), env: { WORKER_STOP_TIMEOUT_MS: "5000", DATABASE_POOL_SIZE: "4" } }),
      );
    // No stickiness at all: every TCP connection goes to the next web process.
    const lb: LoadBalancer = await startLoadBalancer(
      webs.map((w) => w.url),
      "round-robin",
      lbPort,
    );
    const queue = await openQueue(url);
    const vus: VirtualUser[] = [];
    const failures: string[] = [];
    const latency = new Map<string, number[]>();
    let stopped = false;
    /** Latencies of requests answered after the arrival burst (every user's first page at once). */
    const steady: number[] = [];
    let windowStart = 0;
    const syncLoops: Promise<void>[] = [];
    const runs: { kind: string; status: string }[] = [];
    try {
      for (const w of webs) await warmUp(w.url);

      // 200 accounts through better-auth's own sign-up API on the test database (scrypt hashes, as over HTTP).
      const auth = createAuth({ db: db.platform, baseURL: publicUrl, secret: authSecret, sessionIdleSeconds: 1800, sessionAbsoluteSeconds: 12 * 3600 });
      const created = Date.now();
      const tenantIds: string[] = [];
      for (let t = 0; t < TENANTS; t++) {
        const members = await Promise.all(
          Array.from({ length: USERS_PER_TENANT }, async (_, u) => {
            const email = `load-${t}-${u}@example.test`;
            const password = `load-password-${t}-${u}`;
            const { user } = await auth.api.signUpEmail({ body: { name: `Load User ${t}.${u}`, email, password } });
            return { id: user.id, email, name: user.name, password };
          }),
        );
        const owner = members[0]!;
        const { tenantId } = await createTenantForOwner({
          db: db.platform,
          actor: { userId: owner.id, email: owner.email, name: owner.name, isStaff: false },
          input: { name: `Load Tenant ${t}` },
        });
        await db.platform
          .insert(memberships)
          .values(
            members.slice(1).map((m, k) => ({ tenantId, id: crypto.randomUUID(), userId: m.id, role: k === 0 ? ("admin" as const) : ("viewer" as const) })),
          );
        tenantIds.push(tenantId);
        for (const [u, m] of members.entries()) {
          const index = t * USERS_PER_TENANT + u;
          vus.push({
            index,
            tenantId,
            synced: t < SYNCED,
            email: m.email,
            password: m.password,
            ip: `10.9.${Math.floor(index / 250)}.${(index % 250) + 1}`,
            cookie: "",
            fresh: new Map(),
            events: new Map(),
            foreign: 0,
            connectErrors: [],
            drops: 0,
          });
        }
      }
      const createMs = Date.now() - created;
      for (let t = 0; t < SYNCED; t++) await storeReadyConnection(db, emu, tenantIds[t]!, "syncing");

      // Sign in over HTTP through the load balancer; each user comes from an address of its own (X-Forwarded-For, as a balancer sets it).
      const signInMs: number[] = [];
      for (let k = 0; k < vus.length; k += 10) {
        await Promise.all(
          vus.slice(k, k + 10).map(async (vu) => {
            const started = performance.now();
            const res = await fetch(`${lb.url}/api/auth/sign-in/email`, {
              method: "POST",
              headers: { "content-type": "application/json", origin: publicUrl, "x-forwarded-for": vu.ip },
              body: JSON.stringify({ email: vu.email, password: vu.password }),
            });
            signInMs.push(performance.now() - started);
            const cookie = res.headers.getSetCookie().find((c) => c.includes("session_token="));
            if (!res.ok || !cookie) throw new Error(`sign-in of ${vu.email} failed: ${res.status} ${await res.text()}`);
            vu.cookie = cookie.split(";")[0]!;
          }),
        );
      }

      const call = async (vu: VirtualUser, procedure: string, input?: unknown): Promise<unknown> => {
        const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
        const started = performance.now();
        try {
          const res = await fetch(`${lb.url}/api/trpc/${procedure}${query}`, { headers: { cookie: vu.cookie, "x-forwarded-for": vu.ip } });
          const body = await res.text();
          const ms = performance.now() - started;
          if (!latency.has(procedure)) latency.set(procedure, []);
          latency.get(procedure)!.push(ms);
          if (windowStart && Date.now() - windowStart > WARM_UP_MS) steady.push(ms);
          if (res.status < 200 || res.status > 299) {
            failures.push(`${procedure} ${res.status} ${body.slice(0, 160)}`);
            return undefined;
          }
          return (JSON.parse(body) as { result: { data: { json: unknown } } }).result.data.json;
        } catch (error) {
          failures.push(`${procedure} ${String(error).slice(0, 160)}`);
          return undefined;
        }
      };
      /** A query the page mounts: requested unless the tab already holds a fresh copy. */
      const query = (vu: VirtualUser, procedure: string, input?: unknown, staleMs = STALE_MS) => {
        const key = `${procedure}${JSON.stringify(input ?? null)}`;
        const last = vu.fresh.get(key);
        if (last !== undefined && Date.now() - last < staleMs) return Promise.resolve(undefined);
        vu.fresh.set(key, Date.now());
        return call(vu, procedure, input);
      };
      // What each page of the portal asks for (apps/web components), besides the shell's own queries.
      const pages: [weight: number, name: string, open: (vu: VirtualUser) => Promise<unknown>][] = [
        [35, "progress", (vu) => Promise.all([query(vu, "syncStatus.currentRun"), query(vu, "chart.sync", { days: 3 })])],
        [
          25,
          "records",
          async (vu) => {
            const kind = (["people", "companies", "opportunities"] as const)[Math.floor(Math.random() * 3)]!;
            const search = Math.random() < 0.3 ? String.fromCharCode(97 + Math.floor(Math.random() * 26)) : undefined;
            const [, first] = await Promise.all([
              query(vu, "record.owners"),
              call(vu, "record.list", { kind, search, deleted: "exclude", sort: "asc", limit: 50 }),
            ]);
            const next = (first as { nextCursor?: { key: string; sfId: string } | null } | undefined)?.nextCursor;
            if (next && Math.random() < 0.5) await call(vu, "record.list", { kind, search, deleted: "exclude", sort: "asc", cursor: next, limit: 50 });
          },
        ],
        [15, "history", (vu) => query(vu, "history.list", { days: 30, page: 1, pageSize: 50 })],
        [15, "errors", (vu) => query(vu, "syncError.list", { state: "open", perGroup: 50 })],
        [10, "notifications", (vu) => call(vu, "notification.list", { limit: 20 })],
      ];
      const totalWeight = pages.reduce((s, [w]) => s + w, 0);
      const pickPage = () => {
        let r = Math.random() * totalWeight;
        for (const page of pages) if ((r -= page[0]) < 0) return page;
        return pages[0]!;
      };
      const shell = (vu: VirtualUser) =>
        Promise.all([
          query(vu, "account.me", undefined, ME_STALE_MS),
          query(vu, "syncStatus.badge"),
          query(vu, "salesforce.connection"),
          query(vu, "notification.list", { limit: 20 }),
          query(vu, "syncStatus.currentRun"),
        ]);

      // One socket per user, WebSocket only (what the portal's client opens first), through the balancer.
      for (const vu of vus) {
        const socket = io(lb.url, { path: "/socket.io", transports: ["websocket"], extraHeaders: { cookie: vu.cookie, "x-forwarded-for": vu.ip } });
        socket.on("connect_error", (error) => vu.connectErrors.push(error.message));
        socket.on("disconnect", (reason) => {
          if (reason !== "io client disconnect") vu.drops++;
        });
        socket.onAny((event: string, payload: { tenantId?: string } | undefined) => {
          vu.events.set(event, (vu.events.get(event) ?? 0) + 1);
          if (payload?.tenantId !== vu.tenantId) vu.foreign++;
          // The badge and the run re-read on a status change, as the portal's hooks do.
          if (event === "sync.status") {
            vu.fresh.delete("syncStatus.badgenull");
            vu.fresh.delete("syncStatus.currentRunnull");
            void shell(vu);
          }
        });
        vu.socket = socket;
      }
      await waitFor("every socket to connect", async () => vus.every((vu) => vu.socket!.connected), 120_000, 200);

      // Syncs for the synced tenants for the whole window: initial, then reconcile / incremental, each
      // starting SYNC_EVERY_MS after the one before (or when it ends, if later). Back to back, the
      // load depended on the engine's speed: once a small org's cycle took under a second, six
      // tenants finished three runs a second, and every run's status events made 200 tabs re-read.
      for (let t = 0; t < SYNCED; t++) {
        const tenantId = tenantIds[t]!;
        syncLoops.push(
          (async () => {
            for (let n = 0; !stopped; n++) {
              const started = Date.now();
              try {
                const kind = n === 0 ? "sync.initial" : n % 2 === 1 ? "sync.reconcile" : "sync.incremental";
                const runId = `load-${t}-${n}`;
                await queue.send(kind, { tenantId, runId }, { retryLimit: 2, retryDelay: 1 });
                let status: string | undefined;
                await waitFor(
                  `${kind} ${runId}`,
                  async () => {
                    if (stopped) return true;
                    status = rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select status from sync_runs where id = ${runId}`)))[0]
                      ?.status as string | undefined;
                    return status !== undefined && !["queued", "in_progress"].includes(status);
                  },
                  30 * 60_000,
                  500,
                );
                if (status && !["queued", "in_progress"].includes(status)) runs.push({ kind, status });
              } catch (error) {
                failures.push(`sync driver: ${String(error).slice(0, 160)}`);
                await sleep(1_000);
              }
              if (!stopped) await sleep(Math.max(0, started + SYNC_EVERY_MS - Date.now()));
            }
          })(),
        );
      }

      const loopDelay = monitorEventLoopDelay({ resolution: 20 });
      loopDelay.enable();
      const load = [loadavg()[0]!];
      const loadTimer = setInterval(() => load.push(loadavg()[0]!), 5_000);
      windowStart = Date.now();
      const pageViews = new Map<string, number>();
      await Promise.all(
        vus.map(async (vu) => {
          // Users arrive over the first think time, not all in the same millisecond.
          await sleep(Math.random() * THINK_MS[1]);
          if (vu.index % 2 === 1) {
            pageViews.set("progress (watching)", (pageViews.get("progress (watching)") ?? 0) + 1);
            await Promise.all([shell(vu), query(vu, "syncStatus.currentRun"), call(vu, "chart.sync", { days: 3 })]);
            while (Date.now() - windowStart < DURATION_MS) {
              await sleep(Math.min(CHART_REFETCH_MS, DURATION_MS - (Date.now() - windowStart)));
              if (Date.now() - windowStart < DURATION_MS) await call(vu, "chart.sync", { days: 3 });
            }
            return;
          }
          while (Date.now() - windowStart < DURATION_MS) {
            const [, name, open] = pickPage();
            pageViews.set(name, (pageViews.get(name) ?? 0) + 1);
            await Promise.all([shell(vu), open(vu)]);
            await sleep(THINK_MS[0] + Math.random() * (THINK_MS[1] - THINK_MS[0]));
          }
        }),
      );
      const windowMs = Date.now() - windowStart;
      clearInterval(loadTimer);
      loopDelay.disable();
      stopped = true;
      const connectedAtEnd = vus.filter((vu) => vu.socket!.connected).length;
      for (const vu of vus) vu.socket!.disconnect();
      await Promise.all(syncLoops);

      const all = [...latency.values()].flat();
      const overall = percentiles(all);
      const byProcedure = [...latency.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, samples]) => ({ name, ...percentiles(samples) }));
      const events = new Map<string, number>();
      for (const vu of vus) for (const [e, n] of vu.events) events.set(e, (events.get(e) ?? 0) + n);
      const foreign = vus.reduce((s, vu) => s + vu.foreign, 0);
      const connectErrors = vus.flatMap((vu) => vu.connectErrors);
      const drops = vus.reduce((s, vu) => s + vu.drops, 0);
      const syncedWithoutProgress = vus.filter((vu) => vu.synced && !vu.events.get("sync.progress")).length;
      const out = process.stdout;
      out.write(`\n[load] ${vus.length} users, ${TENANTS} tenants, ${Math.round(windowMs / 1000)} s window; per procedure (ms):\n`);
      out.write(`  ${"procedure".padEnd(24)} ${"n".padStart(6)} ${"p50".padStart(6)} ${"p95".padStart(6)} ${"p99".padStart(6)} ${"max".padStart(6)}\n`);
      for (const p of [...byProcedure, { name: "overall", ...overall }])
        out.write(
          `  ${p.name.padEnd(24)} ${String(p.n).padStart(6)} ${String(p.p50).padStart(6)} ${String(p.p95).padStart(6)} ${String(p.p99).padStart(6)} ${String(p.max).padStart(6)}\n`,
        );
      for (const f of failures.slice(0, 10)) out.write(`  failure: ${f}\n`);
      const pass =
        failures.length === 0 && connectErrors.length === 0 && drops === 0 && foreign === 0 && syncedWithoutProgress === 0 && connectedAtEnd === vus.length;
      const runOutcomes = new Map<string, number>();
      for (const r of runs) {
        const outcome = `${r.kind.replace("sync.", "")} ${r.status}`;
        runOutcomes.set(outcome, (runOutcomes.get(outcome) ?? 0) + 1);
      }
      record(
        "7 load",
        `${vus.length} users (${TENANTS} tenants × ${USERS_PER_TENANT}) over HTTP + socket.io through a round-robin proxy to 2 web processes for ${Math.round(windowMs / 1000)} s (half browsing, ${THINK_MS[0] / 1000}–${THINK_MS[1] / 1000} s per page; half watching progress), syncs of ${SYNCED} tenants on 2 workers`,
        pass ? "pass" : "FAIL",
        {
          requests: all.length,
          errors: failures.length,
          "error rate": all.length ? `${((failures.length / all.length) * 100).toFixed(3)}%` : "n/a",
          "requests/s": Math.round(all.length / (windowMs / 1000)),
          "page API p50/p95/p99 ms": `${overall.p50}/${overall.p95}/${overall.p99}`,
          [`after the first ${WARM_UP_MS / 1000} s p50/p95/p99 ms`]: `${percentiles(steady).p50}/${percentiles(steady).p95}/${percentiles(steady).p99}`,
          "p95 per procedure ms": byProcedure.map((p) => `${p.name} ${p.p95}`).join(", "),
          "page views": [...pageViews.entries()].map(([k, v]) => `${k} ${v}`).join(", "),
          "sockets connected / connect errors / dropped": `${connectedAtEnd}/${connectErrors.length}/${drops}`,
          "sockets per web process": lb.stats.websockets.join("/"),
          "socket events received": [...events.entries()].map(([k, v]) => `${k} ${v}`).join(", ") || 0,
          "events of another tenant": foreign,
          "synced-tenant users with no progress event": syncedWithoutProgress,
          "sync runs finished in the window": `${runs.length} (${[...runOutcomes].map(([k, v]) => `${k} ${v}`).join(", ")})`,
          "account creation (200 sign-ups) s": Math.round(createMs / 100) / 10,
          "sign-in over HTTP p50/p95 ms": `${percentiles(signInMs).p50}/${percentiles(signInMs).p95}`,
          "load average 1-min min/max": `${Math.min(...load).toFixed(1)}/${Math.max(...load).toFixed(1)}`,
          "test process event-loop delay p99 ms": Math.round(loopDelay.percentile(99) / 1e6),
        },
      );
      expect(failures).toEqual([]);
      expect(connectErrors).toEqual([]);
      expect(drops).toBe(0);
      expect(foreign).toBe(0);
      expect(syncedWithoutProgress).toBe(0);
      expect(connectedAtEnd).toBe(vus.length);
    } finally {
      stopped = true;
      for (const vu of vus) vu.socket?.disconnect();
      await Promise.all(syncLoops).catch(() => undefined);
      await queue.stop().catch(() => undefined);
      await lb.close();
      for (const w of workers) await w.kill("SIGTERM");
      for (const w of webs) await w.kill("SIGTERM");
    }
  });
});
