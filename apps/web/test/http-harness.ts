import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest, createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { createTestDatabase, runtimeUrlFor, type Backend, type TestDatabase } from "@ferry/db/testing";
import { loadEnv } from "../src/server/env";
import { createRequestHandler } from "../src/server/http";
import { createRuntime, type Runtime } from "../src/server/runtime";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
  cookies: string[];
}

/**
 * The portal's real request handler (better-auth door, tRPC, health) on a real HTTP server, with
 * pages answered 404 instead of by a Next build: what these tests prove lives outside the pages.
 */
export interface PortalServer {
  url: string;
  runtime: Runtime;
  /** `from` is the local address the client connects from (any of 127.0.0.0/8), i.e. the peer the server sees. */
  send(method: string, pathname: string, options?: { body?: unknown; cookie?: string; headers?: Record<string, string>; from?: string }): Promise<Reply>;
  trpc(
    kind: "query" | "mutation",
    procedure: string,
    input?: unknown,
    options?: { cookie?: string; from?: string },
  ): Promise<{ status: number; data: unknown; code?: string; message?: string; cookies: string[] }>;
  close(): Promise<void>;
}

export async function startPortal(
  backend: Backend,
  env: Record<string, string> = {},
  reuse?: { database?: TestDatabase; dataDir?: string },
): Promise<PortalServer & { database?: TestDatabase; dataDir?: string }> {
  let database = reuse?.database;
  let dataDir = reuse?.dataDir;
  const base: Record<string, string> = { LOG_LEVEL: "silent", FERRY_SHOW_OUTBOX: "on", PORT: "0", ...env };
  if (backend === "postgres") {
    database ??= await createTestDatabase("postgres");
    Object.assign(base, {
      DATABASE_URL: runtimeUrlFor(database.platformUrl!),
      DATABASE_PLATFORM_URL: database.platformUrl!,
      BETTER_AUTH_SECRET: "http-test-secret-".padEnd(40, "x"),
      FERRY_MASTER_KEY: randomBytes(32).toString("base64"),
    });
  } else {
    dataDir ??= mkdtempSync(path.join(os.tmpdir(), "ferry-http-"));
    base.FERRY_DATA_DIR = dataDir;
  }
  // PUBLIC_URL must name the port, which is known only once listening: listen first, then build.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  // An explicit PUBLIC_URL (an https one, as behind a TLS proxy) wins; requests still go to `url`.
  const runtime = await createRuntime(loadEnv({ PUBLIC_URL: url, ...base }));
  const handler = createRequestHandler(runtime, (_req, res) => {
    res.writeHead(404);
    res.end();
  });
  server.on("request", (req, res) => void handler(req, res));

  const send: PortalServer["send"] = (method, pathname, options = {}) =>
    new Promise((resolve, reject) => {
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const req = httpRequest(
        `${url}${pathname}`,
        {
          method,
          localAddress: options.from ?? "127.0.0.1",
          headers: {
            origin: url,
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
            ...(options.cookie ? { cookie: options.cookie } : {}),
            ...options.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            const setCookie = res.headers["set-cookie"] ?? [];
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, cookies: setCookie.map((c) => c.split(";")[0]!) });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const trpc: PortalServer["trpc"] = async (kind, procedure, input, options = {}) => {
    const reply =
      kind === "query"
        ? await send("GET", `/api/trpc/${procedure}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`, options)
        : await send("POST", `/api/trpc/${procedure}`, { ...options, body: { json: input ?? null } });
    const json = reply.json as { result?: { data?: { json?: unknown } }; error?: { json?: { message?: string; data?: { code?: string } } } } | undefined;
    return {
      status: reply.status,
      data: json?.result?.data?.json,
      code: json?.error?.json?.data?.code,
      message: json?.error?.json?.message,
      cookies: reply.cookies,
    };
  };

  return {
    url,
    runtime,
    send,
    trpc,
    ...(database ? { database } : {}),
    ...(dataDir ? { dataDir } : {}),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.database.close();
    },
  };
}

export async function dispose(portal: { database?: TestDatabase; dataDir?: string }) {
  await portal.database?.drop();
  if (portal.dataDir) rmSync(portal.dataDir, { recursive: true, force: true });
}
