import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Writable } from "node:stream";
import { createGzip, gzipSync } from "node:zlib";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiError, limitExceeded, notFound, sessionInvalid } from "../errors";
import { WriteFailure } from "../data/org";
import { authRoutes, identityUrl } from "./auth";
import { BulkJobs, bulkRoutes } from "./bulk";
import { BulkV1 } from "./bulk1";
import type { EmulatorContext } from "./context";
import { Control, controlRoutes } from "./control";
import type { EndpointClass } from "./faults";
import { compositeRoutes, type SubrequestRunner } from "./composite";
import { cdcControlRoutes } from "./cdc-control";
import { originForRequest, withWriteScope } from "../cdc/capture";
import { apiError, dispatch, json, JSON_TYPE, makeReq, syntheticReq, type Res, type Route } from "./http";
import { QueryCursors } from "./query";
import { restRoutes, type RestCall, type RestRoute } from "./rest";
import { bearerToken, type LoginHost } from "./sessions";

export const SANDBOX_PREFIX = "/sandbox";
export const CONTROL_PREFIX = "/__emulator";

function releaseLabel(v: number): string {
  const offset = v - 50;
  const season = ["Winter", "Spring", "Summer"][((offset % 3) + 3) % 3]!;
  const year = 21 + Math.floor(offset / 3);
  return `${season} '${String(year).padStart(2, "0")}`;
}

function drainedOrClosed(sink: Writable, out: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off("drain", done);
      out.off("close", done);
      resolve();
    };
    sink.on("drain", done);
    out.on("close", done);
  });
}

export interface App {
  server: Server;
  control: Control;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

export function createApp(ctx: EmulatorContext, controlEnabled: boolean, tls?: { key: Buffer; cert: Buffer }): App {
  const cursors = new QueryCursors(() => ctx.config.queryLocatorIdleMs);
  const bulk = new BulkJobs(ctx);
  const bulkV1 = new BulkV1(ctx);
  const control = new Control(ctx, () => {
    cursors.clear();
    bulk.clear();
    bulkV1.clear();
    ctx.sessions.clear();
    ctx.capture.reset();
  });
  const auth: Record<LoginHost, Route[]> = { production: authRoutes(ctx, "production"), sandbox: authRoutes(ctx, "sandbox") };
  const rest: RestRoute[] = [...bulkRoutes(bulk), ...restRoutes(ctx, cursors, (s) => identityUrl(ctx, s.host, s.user))];
  const controls = [...controlRoutes(control), ...cdcControlRoutes(ctx)];

  function findRoute(method: string, sub: string): { route: RestRoute; params: string[] } {
    const allowed: string[] = [];
    for (const r of rest) {
      const hit = r.pattern.exec(sub);
      if (!hit) continue;
      allowed.push(r.method);
      if (r.method === method) return { route: r, params: hit.slice(1).map((s) => (s === undefined ? "" : decodeURIComponent(s))) };
    }
    if (allowed.length) throw new ApiError(405, "METHOD_NOT_ALLOWED", `HTTP Method '${method}' not allowed. Allowed are ${[...new Set(allowed)].join(",")}`);
    throw notFound();
  }

  /** Fault check, then the handler; every failure becomes a Salesforce error response. */
  async function invoke(route: RestRoute, params: string[], call: Omit<RestCall, "lockRows">, sub: string, subrequest: boolean): Promise<Res> {
    // Retrieving a collection is a POST that writes nothing.
    const isWrite = call.req.method !== "GET" && !(call.req.method === "POST" && /^\/composite\/sobjects\/[^/]+\/?$/.test(sub));
    const fault = ctx.faults.check(route.endpoint, isWrite, subrequest);
    const lockRows = fault?.errorCode === "UNABLE_TO_LOCK_ROW" && route.endpoint === "composite";
    if (fault && !lockRows) return apiError(fault);
    try {
      return await route.handler({ ...call, lockRows }, params);
    } catch (e) {
      return errorResponse(e);
    }
  }

  const runSubrequest: SubrequestRunner = async (session, method, urlText, body, headers) => {
    const url = new URL(urlText, "http://emulator.invalid");
    const m = /^\/services\/data\/v(\d+)\.0(\/.*)?$/.exec(url.pathname);
    try {
      if (!m) throw notFound();
      const sub = m[2] ?? "/";
      const { route, params } = findRoute(method, sub);
      const lower: Record<string, string> = { "content-type": JSON_TYPE };
      for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = String(v);
      const req = syntheticReq(method, url, url.pathname, lower, body === undefined ? "" : JSON.stringify(body));
      return await invoke(route, params, { req, session, version: `${m[1]}.0` }, sub, true);
    } catch (e) {
      return errorResponse(e);
    }
  };
  rest.push(...compositeRoutes(ctx, runSubrequest));

  async function handleRest(raw: IncomingMessage, url: URL, path: string): Promise<Res> {
    const req = makeReq(raw, url, path);
    if (/^\/services\/data\/?$/.test(path)) {
      const versions = [];
      for (let v = ctx.config.minApiVersion; v <= ctx.config.maxApiVersion; v++)
        versions.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
      return json(200, versions);
    }
    const m = /^\/services\/data\/v(\d+)\.0(\/.*)?$/.exec(path);
    if (!m) throw notFound();
    const version = `${m[1]}.0`;
    if (Number(m[1]) < ctx.config.minApiVersion) throw new ApiError(410, "GONE", `API version ${version} has been retired and is no longer supported`);
    const sub = m[2] ?? "/";
    const session = ctx.sessions.validate(bearerToken(req.headers));
    if (!session) throw sessionInvalid();
    const { route, params } = findRoute(req.method, sub);
    const org = ctx.org;
    const counted = route.endpoint !== "versions";
    const limitHeader = () => ({ "Sforce-Limit-Info": `api-usage=${org.apiUsage}/${org.dailyApiLimit}` });
    if (counted) {
      if (org.apiUsage >= org.dailyApiLimit) return withHeaders(apiError(limitExceeded()), limitHeader(), route.endpoint);
      org.apiUsage++;
    }
    const res = await invoke(route, params, { req, session, version }, sub, false);
    return withHeaders(res, counted ? limitHeader() : {}, route.endpoint);
  }

  function withHeaders(res: Res, headers: Record<string, string>, endpoint: EndpointClass): Res & { endpoint: EndpointClass } {
    return { ...res, headers: { ...res.headers, ...headers }, endpoint };
  }

  async function route(raw: IncomingMessage): Promise<Res & { endpoint?: EndpointClass }> {
    // Clients that keep a trailing slash on the instance URL (the Salesforce CLI) ask for `//services/…`.
    const target = (raw.url ?? "/").replace(/^[^?]*/, (p) => p.replace(/\/{2,}/g, "/"));
    const url = new URL(target, "http://emulator.invalid");
    let path = url.pathname;
    let host: LoginHost = "production";
    if (path === SANDBOX_PREFIX || path.startsWith(`${SANDBOX_PREFIX}/`)) {
      host = "sandbox";
      path = path.slice(SANDBOX_PREFIX.length) || "/";
    }
    if (path.startsWith(CONTROL_PREFIX)) {
      if (!controlEnabled) throw notFound();
      const res = await dispatch(controls, makeReq(raw, url, path), path);
      if (!res) throw notFound();
      return res;
    }
    if (ctx.faults.outage) {
      return {
        status: 503,
        headers: { "Content-Type": "text/html;charset=UTF-8", "Retry-After": "60" },
        body: "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>Salesforce is down for maintenance.</p></body></html>",
      };
    }
    if (path.startsWith("/services/data")) return handleRest(raw, url, path);
    const async = /^\/services\/async\/(\d+\.\d)(\/.*)?$/.exec(path);
    if (async) {
      const res = await bulkV1.handle(makeReq(raw, url, path), async[1]!, async[2] ?? "/");
      return { ...res, endpoint: /\/result\//.test(path) ? "bulk-query" : "bulk-ingest" };
    }
    const authRoute = auth[host];
    const isAuth = authRoute.some((r) => r.pattern.test(path));
    if (isAuth) {
      const endpoint: EndpointClass = path.startsWith("/id/") || path.endsWith("/userinfo") ? "identity" : "auth";
      const fault = ctx.faults.check(endpoint, false);
      if (fault) return { ...apiError(fault), endpoint };
      const res = await dispatch(authRoute, makeReq(raw, url, path), path);
      return { ...(res ?? apiError(notFound())), endpoint };
    }
    throw notFound();
  }

  function errorResponse(e: unknown): Res {
    if (e instanceof ApiError) return apiError(e);
    if (e instanceof WriteFailure) return apiError(new ApiError(400, e.statusCode, e.message, e.fields));
    if (e instanceof SyntaxError) return apiError(new ApiError(400, "JSON_PARSER_ERROR", e.message));
    console.error("[salesforce-emulator] unexpected error", e);
    return apiError(new ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support: 0-0 (0)"));
  }

  async function handle(raw: IncomingMessage, out: ServerResponse): Promise<void> {
    let res: Res & { endpoint?: EndpointClass };
    try {
      res = await route(raw);
    } catch (e) {
      res = errorResponse(e);
    }
    if (res.endpoint) await ctx.faults.pass(res.endpoint);
    const delay = res.endpoint ? ctx.faults.delayMs(res.endpoint, res.records ?? 0) : 0;
    if (delay > 0) await sleep(delay);
    // Drain unread bodies so keep-alive connections stay usable.
    if (!raw.readableEnded) raw.resume();
    const headers: Record<string, string> = { Date: new Date().toUTCString(), ...res.headers };
    // Salesforce compresses responses for clients that send Accept-Encoding: gzip.
    const gzip =
      ctx.config.compressResponses &&
      /\bgzip\b/i.test(String(raw.headers["accept-encoding"] ?? "")) &&
      (res.stream !== undefined || (res.body !== undefined && res.body.length > 0));
    if (gzip) {
      headers["Content-Encoding"] = "gzip";
      headers.Vary = "Accept-Encoding";
    }
    if (res.stream) {
      out.writeHead(res.status, headers);
      const sink: Writable = gzip ? createGzip({ level: 1 }) : out;
      if (gzip) sink.pipe(out);
      for (const chunk of res.stream) {
        if (out.destroyed) {
          if (sink !== out) sink.destroy();
          return;
        }
        // Wait for the socket between chunks so writing overlaps with the client reading.
        if (!sink.write(chunk)) await drainedOrClosed(sink, out);
        else await new Promise((r) => setImmediate(r));
      }
      sink.end();
      return;
    }
    const body = gzip ? gzipSync(res.body!, { level: 1 }) : res.body;
    if (body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(body));
    out.writeHead(res.status, headers);
    out.end(body);
  }

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const run = () =>
      handle(req, res).catch((e) => {
        console.error("[salesforce-emulator] failed to answer", e);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    // Change events name the API and client id a write came through (changeOrigin).
    const scope = originForRequest(new URL(req.url ?? "/", "http://emulator.invalid").pathname.replace(/\/{2,}/g, "/"), req.headers["sforce-call-options"]);
    void (scope ? withWriteScope(scope, run) : run());
  };
  const server: Server = tls
    ? createTlsServer({ keepAliveTimeout: 30_000, key: tls.key, cert: tls.cert }, answer)
    : createServer({ keepAliveTimeout: 30_000 }, answer);

  return {
    server,
    control,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          const addr = server.address() as AddressInfo;
          resolve(`${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${addr.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
