import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import superjson from "superjson";
import { io as connect, type Socket } from "socket.io-client";
import { resolveSession, toHeaders } from "@ferry/auth";
import type { TestDatabase } from "@ferry/db/testing";
import { createLogger } from "@ferry/observability";
import { attachRealtime, createEmitter, type Realtime } from "@ferry/realtime";
import { DEFAULT_OAUTH_CLIENT } from "@ferry/salesforce-emulator";
import { listTenantsForUser, type LoginHostDirectory, type SalesforceRuntime } from "@ferry/services";
import { startWorker, type Worker } from "@ferry/jobs";
import { createCaller, installSalesforceEgressGuard, type ApiContext } from "../src";
import { apiHarness, type ApiHarness } from "./harness";

export const CALLBACK_URL = "http://localhost:3000/api/salesforce/oauth/callback";

/**
 * The API as the web server runs it for the Salesforce flow: real sessions, a real pg-boss queue on
 * the test database, a real socket.io server with a connected browser socket per user, and a pino
 * logger; every response, log line and socket event is kept so a test can search them.
 */
export interface SalesforceHarness extends ApiHarness {
  masterKey: string;
  settings: Omit<SalesforceRuntime, "gateway">;
  worker: Worker;
  captured: { responses: string[]; logs: string[]; events: string[] };
  sf(cookie: string): Promise<ReturnType<typeof createCaller>>;
  /** Calls through the API and records what went back to the browser (result, or error message and data). */
  record<T>(call: Promise<T>): Promise<T>;
  listen(cookie: string): Promise<void>;
  close(): Promise<void>;
}

export async function salesforceHarness(database: TestDatabase, hosts: LoginHostDirectory): Promise<SalesforceHarness> {
  const base = apiHarness(database);
  // As the web process does at boot: Salesforce traffic goes through the egress guard; the emulators are the configured hosts.
  installSalesforceEgressGuard(hosts.trustedOrigins);
  const captured = { responses: [] as string[], logs: [] as string[], events: [] as string[] };
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      captured.logs.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ name: "api-test", level: "trace", destination });
  const http: Server = createServer();
  const realtime: Realtime = await attachRealtime(http, {
    adapter: { kind: "memory" },
    logger,
    authenticate: async ({ headers }) => {
      const session = await resolveSession(base.auth, database.platform, toHeaders(headers), 43200);
      if (!session) return null;
      return { userId: session.user.id, tenantIds: (await listTenantsForUser({ db: database.platform, userId: session.user.id })).map((t) => t.id) };
    },
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const emitter = createEmitter({ kind: "inprocess", io: realtime.io });
  const worker = await startWorker({
    boss: database.kind === "pglite" ? { kind: "pglite", pglite: database.pglite! } : { kind: "postgres", connectionString: database.platformUrl! },
    handlers: {},
    logger,
    schedule: false,
  });
  const masterKey = randomBytes(32).toString("base64");
  const settings: Omit<SalesforceRuntime, "gateway"> = {
    masterKey,
    hosts,
    oauth: { clientId: DEFAULT_OAUTH_CLIENT.clientId, clientSecret: DEFAULT_OAUTH_CLIENT.clientSecret, redirectUri: CALLBACK_URL },
    enqueueInitialSync: (payload) => worker.send("sync.initial", payload),
  };
  const sockets: Socket[] = [];

  const sf = async (cookie: string) => {
    const headers = new Headers({ cookie });
    const ctx: ApiContext = {
      db: database.db,
      platform: database.platform,
      auth: base.auth,
      session: await resolveSession(base.auth, database.platform, headers, 43200),
      requestId: crypto.randomUUID(),
      headers,
      appendResponseHeader: () => undefined,
      portalUrl: "http://localhost:3000",
      showOutbox: true,
      sessionAbsoluteSeconds: 43200,
      log: logger,
      events: emitter,
      salesforce: settings,
    };
    return createCaller(ctx);
  };

  return {
    ...base,
    masterKey,
    settings,
    worker,
    captured,
    sf,
    async record(call) {
      try {
        const result = await call;
        captured.responses.push(superjson.stringify(result));
        return result;
      } catch (error) {
        const e = error as { message?: string; code?: string; cause?: { code?: string } };
        captured.responses.push(JSON.stringify({ message: e.message, code: e.code, salesforceCode: e.cause?.code }));
        throw error;
      }
    },
    async listen(cookie) {
      const socket = connect(url, { transports: ["websocket"], reconnection: false, forceNew: true, extraHeaders: { cookie } });
      socket.onAny((event: string, payload: unknown) => captured.events.push(JSON.stringify({ event, payload })));
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", reject);
      });
      sockets.push(socket);
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await realtime.close();
      await new Promise((resolve) => http.close(resolve));
      await worker.stop();
    },
  };
}

/** Follows the emulator's authorize endpoint (auto-approving user) to the callback's query, as a browser would. */
export async function authorizeInEmulator(authorizeUrl: string): Promise<URLSearchParams> {
  const response = await fetch(authorizeUrl, { redirect: "manual" });
  const location = response.headers.get("location");
  if (!location) throw new Error(`authorize did not redirect: ${response.status} ${await response.text()}`);
  return new URL(location).searchParams;
}
