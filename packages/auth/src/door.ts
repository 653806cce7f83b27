import type { IncomingMessage, ServerResponse } from "node:http";
import type { Auth } from "./auth";
import { clientAddress, type TrustedProxies } from "./client-address";
import type { SignInThrottle } from "./throttle";

export const AUTH_BASE_PATH = "/api/auth";

/**
 * The better-auth endpoints the portal itself calls; every other path under /api/auth answers
 * 404. Membership, role, invitation, ownership and tenant changes go through Ferry's own services
 * (audited), never through better-auth's organization or admin endpoints.
 */
export const allowedAuthEndpoints = [
  { method: "POST", path: "/sign-in/email" }, // the sign-in form
  { method: "POST", path: "/sign-out" }, // the user menu, the invitation page
  { method: "POST", path: "/revoke-sessions" }, // the user menu: sign out everywhere
  { method: "GET", path: "/get-session" }, // the shell's session-expiry check
  { method: "GET", path: "/verify-email" }, // the link in the verification mail
] as const;

export function isAllowedAuthEndpoint(method: string, path: string): boolean {
  return allowedAuthEndpoints.some((endpoint) => endpoint.method === method && endpoint.path === path);
}

/** Every method and path better-auth would serve with this configuration, read from the instance (not a hand list). */
export function servedAuthEndpoints(auth: Auth): { name: string; method: string; path: string }[] {
  const served: { name: string; method: string; path: string }[] = [];
  for (const [name, endpoint] of Object.entries(auth.api as Record<string, { path?: string; options?: { method?: string | string[] } }>)) {
    if (!endpoint.path) continue; // server-only functions have no route
    const methods = endpoint.options?.method;
    for (const method of Array.isArray(methods) ? methods : [methods ?? "GET"]) {
      served.push({ name, method: method === "*" ? "POST" : method, path: endpoint.path });
    }
  }
  return served;
}

/** Header the door sets (and strips from clients) so better-auth records the address the door decided on. */
export const CLIENT_ADDRESS_HEADER = "x-ferry-client-address";

const MAX_BODY_BYTES = 16 * 1024;
// Describe the connection to this server, not the request handed on (its body is already read).
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"]);

export interface AuthDoorOptions {
  auth: Auth;
  throttle: SignInThrottle;
  trustedProxies: TrustedProxies;
  onError?: (error: unknown) => void;
}

/**
 * The one way into better-auth over HTTP: allow-listed endpoints only, sign-in throttled per
 * account and address, the client address decided here (X-Forwarded-For only from trusted proxies).
 */
export function createAuthDoor({ auth, throttle, trustedProxies }: AuthDoorOptions) {
  return async function authDoor(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://internal");
    const method = req.method ?? "GET";
    const path = url.pathname.startsWith(`${AUTH_BASE_PATH}/`) ? url.pathname.slice(AUTH_BASE_PATH.length) : "";
    if (!isAllowedAuthEndpoint(method, path)) return sendJson(res, 404, { code: "NOT_FOUND", message: "Not found." });

    const address = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trustedProxies);
    const body = method === "GET" ? undefined : await readBody(req);
    if (body === "too large") return sendJson(res, 413, { code: "PAYLOAD_TOO_LARGE", message: `The request body is over ${MAX_BODY_BYTES} bytes.` });

    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name === CLIENT_ADDRESS_HEADER || HOP_BY_HOP.has(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    headers.set(CLIENT_ADDRESS_HEADER, address);
    const request = new Request(new URL(url.pathname + url.search, originOf(auth)), { method, headers, ...(body ? { body: new Uint8Array(body) } : {}) });

    if (path !== "/sign-in/email") return sendResponse(res, await auth.handler(request));

    const email = signInEmail(body);
    if (!email) return sendResponse(res, await auth.handler(request)); // better-auth explains the malformed request
    const decision = await throttle.begin(email, address);
    if (!decision.allowed) {
      res.setHeader("retry-after", String(decision.retryAfterSeconds));
      const minutes = Math.ceil(decision.retryAfterSeconds / 60);
      return sendJson(res, 429, {
        code: "TOO_MANY_ATTEMPTS",
        message: `Too many failed sign-ins from your address. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      });
    }
    let response: Response;
    try {
      response = await auth.handler(request);
    } catch (error) {
      await throttle.inconclusive(decision.attempt);
      throw error;
    }
    if (response.ok) await throttle.succeeded(decision.attempt);
    else if (response.status !== 401) await throttle.inconclusive(decision.attempt);
    return sendResponse(res, response);
  };
}

function originOf(auth: Auth): string {
  const base = auth.options.baseURL;
  return typeof base === "string" && base ? base : "http://localhost";
}

function signInEmail(body: Buffer | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { email?: unknown };
    return typeof parsed.email === "string" && parsed.email.trim() ? parsed.email : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | "too large" | undefined> {
  // The web's request guard may have read and checked the JSON body already (it leaves it as
  // `req.body`, as Node adapters expect); the stream is spent then.
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (parsed !== undefined) {
    const buffer = Buffer.from(JSON.stringify(parsed));
    return buffer.length > MAX_BODY_BYTES ? "too large" : buffer;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return "too large";
    chunks.push(chunk);
  }
  return size === 0 ? undefined : Buffer.concat(chunks);
}

async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie" && name !== "content-length") res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  res.writeHead(response.status);
  res.end(withoutSessionToken(Buffer.from(await response.arrayBuffer()), response.headers.get("content-type")));
}

/**
 * better-auth repeats the session token in JSON bodies (sign-in, get-session). The cookie is
 * httpOnly so that page scripts never hold it; the body must not hand it to them either.
 */
function withoutSessionToken(body: Buffer, contentType: string | null): Buffer {
  if (!contentType?.includes("application/json") || body.length === 0) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return body;
  }
  if (!parsed || typeof parsed !== "object") return body;
  const top = parsed as { token?: unknown; session?: { token?: unknown } | null };
  if (!("token" in top) && !(top.session && typeof top.session === "object" && "token" in top.session)) return body;
  delete top.token;
  if (top.session && typeof top.session === "object") delete top.session.token;
  return Buffer.from(JSON.stringify(top));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
