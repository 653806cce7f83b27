import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { appRouter } from "@ferry/api";
import { AUTH_BASE_PATH, isAllowedAuthEndpoint } from "@ferry/auth";
import { migrationStatus } from "@ferry/db";
import { observeHttpRequest, renderMetrics } from "@ferry/observability";
import { apiContextFor } from "./api-context";
import type { Runtime } from "./runtime";
import { SALESFORCE_CALLBACK_PATH } from "./salesforce";
import { handleSalesforceCallback } from "./salesforce-callback";
import { MAX_BODY_BYTES, MAX_TRPC_BATCH, refuseMalformedPath, refuseUnsafeRequest } from "./request-guard";
import { endSupportAfterSignOut, sessionUserBeforeSignOut } from "./support-access";

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Everything the portal serves besides pages: health, metrics, better-auth and tRPC run here in
 * the server's own module graph (one database handle), and the rest goes to Next.
 */
export function createRequestHandler(runtime: Runtime, nextHandler: NodeHandler): NodeHandler {
  const authHandler = runtime.authDoor;
  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    // refuseUnsafeRequest answers first with a clearer message; these hold if it is ever bypassed.
    maxBodySize: MAX_BODY_BYTES,
    maxBatchSize: MAX_TRPC_BATCH,
    createContext: ({ req, res }) => apiContextFor(runtime, req, res),
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") runtime.logger.error({ err: error.cause ?? error, path }, "tRPC error");
    },
  });

  const policy = { allowedOrigins: new Set(runtime.env.allowedOrigins) };
  const setSecurityHeaders = securityHeaderSetter(runtime.env.publicUrl);
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://internal");
    const route = routeLabel(url.pathname);
    const done = observeHttpRequest(req.method ?? "GET", route);
    res.on("finish", () => done(res.statusCode));
    setSecurityHeaders(res);
    try {
      // Before any route decodes the path (tRPC's batch count, Next's page params): a URIError there was a 500.
      if (refuseMalformedPath(req, res, url)) return;
      // Paths better-auth serves but the portal never calls do not exist, whatever the request looks like.
      if (url.pathname.startsWith(`${AUTH_BASE_PATH}/`) && !isAllowedAuthEndpoint(req.method ?? "GET", url.pathname.slice(AUTH_BASE_PATH.length))) {
        return json(res, 404, { code: "NOT_FOUND", message: "Not found." });
      }
      if (await refuseUnsafeRequest(req, res, url, policy)) return;
      if (url.pathname === "/healthz") return json(res, 200, { status: "ok" });
      if (url.pathname === "/readyz") return await ready(runtime, res);
      if (url.pathname === "/metrics") {
        const body = await renderMetrics();
        res.writeHead(200, { "content-type": body.contentType });
        return void res.end(body.body);
      }
      if (url.pathname === "/api/auth/sign-out" && req.method === "POST") {
        const staffUserId = await sessionUserBeforeSignOut(runtime, req);
        await authHandler(req, res);
        if (staffUserId && res.statusCode < 400) await endSupportAfterSignOut(runtime, staffUserId, randomUUID());
        return;
      }
      if (url.pathname.startsWith("/api/auth/")) return await authHandler(req, res);
      if (url.pathname.startsWith("/api/trpc/")) return trpcHandler(req, res);
      if (url.pathname === SALESFORCE_CALLBACK_PATH) return await handleSalesforceCallback(runtime, req, res, url);
      return await nextHandler(req, res);
    } catch (error) {
      runtime.logger.error({ err: error, path: url.pathname }, "request failed");
      if (!res.headersSent) json(res, 500, { error: "Internal error" });
      else res.end();
    }
  };
}

async function ready(runtime: Runtime, res: ServerResponse) {
  try {
    const { applied, expected } = await migrationStatus(runtime.database);
    if (applied < expected) return json(res, 503, { status: "migrations pending", applied, expected });
    return json(res, 200, { status: "ready", database: runtime.database.kind, migrations: applied });
  } catch (error) {
    runtime.logger.warn({ err: error }, "readiness check failed");
    return json(res, 503, { status: "database unreachable" });
  }
}

/**
 * Sets the headers sent on every response, pages, API, auth and socket.io's polling alike. The CSP
 * holds only frame-ancestors: a script policy would have to allow Next's inline bootstrap scripts.
 * HSTS only when the portal is served over https (browsers ignore it over http, and it would pin a
 * local http setup).
 */
export function securityHeaderSetter(publicUrl: string): (res: ServerResponse) => void {
  const headers = securityHeadersFor(publicUrl);
  return (res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
  };
}

function securityHeadersFor(publicUrl: string): [string, string][] {
  const headers: [string, string][] = [
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
    ["Content-Security-Policy", "frame-ancestors 'none'"],
    ["Referrer-Policy", "same-origin"],
  ];
  if (publicUrl.startsWith("https:")) headers.push(["Strict-Transport-Security", "max-age=31536000; includeSubDomains"]);
  return headers;
}

function routeLabel(pathname: string): string {
  if (pathname.startsWith("/api/trpc/")) return "/api/trpc";
  if (pathname.startsWith("/api/auth/")) return "/api/auth";
  if (pathname.startsWith("/_next/")) return "/_next";
  if (["/healthz", "/readyz", "/metrics"].includes(pathname)) return pathname;
  return "page";
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
