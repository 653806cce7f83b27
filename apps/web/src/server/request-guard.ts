import type { IncomingMessage, ServerResponse } from "node:http";
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { malformedText } from "@ferry/services";

/** Largest request body the portal accepts (tRPC and better-auth alike). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Most procedures in one tRPC batch; the portal's client splits larger batches (src/lib/trpc.tsx). */
export const MAX_TRPC_BATCH = 20;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface RequestPolicy {
  /** Origins whose pages may send state-changing requests (PUBLIC_URL and FERRY_ALLOWED_ORIGINS). */
  allowedOrigins: Set<string>;
}

/**
 * Refuses a path whose percent-encoding does not decode (`%ZZ`, `%ff` alone is not UTF-8): every
 * route that reads a path segment would otherwise throw a URIError and answer 500.
 * Resolves true when it answered the request.
 */
export function refuseMalformedPath(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  try {
    decodeURIComponent(url.pathname);
    return false;
  } catch {
    return refuse(req, res, 400, "The request path has a malformed percent-encoding: each % must start a valid UTF-8 escape such as %20.");
  }
}

/**
 * Refuses, before any handler runs, what a cross-site page could send with the user's cookie and
 * what is too big to handle: a state-changing request must be JSON from one of the portal's
 * origins (a form post or a `text/plain` fetch from another site, even a same-site subdomain, is
 * not), with a declared length within the limit; a tRPC batch must stay within its size; a body
 * for better-auth must be well-formed text (tRPC checks its own inputs, see packages/api/src/trpc.ts).
 * Resolves true when it answered the request.
 */
export async function refuseUnsafeRequest(req: IncomingMessage, res: ServerResponse, url: URL, policy: RequestPolicy): Promise<boolean> {
  if (url.pathname.startsWith("/api/trpc/") && url.searchParams.get("batch") === "1") {
    const procedures = decodeURIComponent(url.pathname.slice("/api/trpc/".length)).split(",").length;
    if (procedures > MAX_TRPC_BATCH) return refuse(req, res, 400, `A batch may hold at most ${MAX_TRPC_BATCH} procedures; this one holds ${procedures}.`);
  }
  if (SAFE_METHODS.has(req.method ?? "GET")) return false;

  const origin = requestOrigin(req);
  if (!origin) return refuse(req, res, 403, "Cross-site request refused: a state-changing request needs an Origin (or Referer) header of this portal.");
  if (!policy.allowedOrigins.has(origin)) return refuse(req, res, 403, `Cross-site request refused: requests from ${origin} may not change anything here.`);
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json") return refuse(req, res, 403, "Request refused: a state-changing request must be sent as application/json.");

  const declared = req.headers["content-length"];
  if (declared === undefined) return refuse(req, res, 411, `Send a Content-Length header; request bodies may be at most ${MAX_BODY_BYTES} bytes.`);
  if (!/^\d+$/.test(declared)) return refuse(req, res, 400, "The Content-Length header is not a number.");
  if (Number(declared) > MAX_BODY_BYTES)
    return refuse(req, res, 413, `The request body is ${declared} bytes; at most ${MAX_BODY_BYTES} bytes (1 MiB) are accepted.`);
  if (url.pathname.startsWith("/api/auth/")) return refuseMalformedAuthBody(req, res);
  return false;
}

/** RFC 5321: an address is at most 254 characters (a longer one overflowed the users.email index: a 500). */
const MAX_EMAIL = 254;

/**
 * Reads a better-auth request's body (its length is declared and within the cap by now) and refuses
 * what Postgres would fail on as a 500: text that is not well formed, an email over 254
 * characters. The parsed body goes on as `req.body`, which better-auth's Node adapter reads when
 * the stream has been consumed.
 */
async function refuseMalformedAuthBody(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (raw.trim() === "") return false;
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return refuse(req, res, 400, "The request body is not valid JSON.");
  }
  const found = malformedText(body);
  if (found) return refuse(req, res, 400, `${found.path ? `${found.path}: ` : ""}${found.problem}`);
  if (body && typeof body === "object") {
    for (const [key, value] of Object.entries(body)) {
      if (/email/i.test(key) && typeof value === "string" && value.length > MAX_EMAIL)
        return refuse(req, res, 400, `${key}: An email address is at most ${MAX_EMAIL} characters.`);
    }
  }
  (req as IncomingMessage & { body?: unknown }).body = body;
  return false;
}

/** The Origin header, or the origin of the Referer when a browser left Origin out; null when neither names one. */
function requestOrigin(req: IncomingMessage): string | null {
  const origin = req.headers.origin;
  const source = origin ?? req.headers.referer;
  // A sandboxed or privacy-redirected page sends the literal "null": never one of ours.
  if (!source || source === "null") return null;
  try {
    return new URL(source).origin;
  } catch {
    return null;
  }
}

const TRPC_KEYS: Record<number, TRPC_ERROR_CODE_KEY> = { 400: "BAD_REQUEST", 403: "FORBIDDEN", 411: "BAD_REQUEST", 413: "PAYLOAD_TOO_LARGE" };

/**
 * Answers in the caller's own error shape, so its client shows the message: tRPC's envelope on
 * /api/trpc, better-auth's `{ code, message }` elsewhere. The unread body is drained by Node.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string): true {
  const key = TRPC_KEYS[status] ?? "BAD_REQUEST";
  const body = req.url?.startsWith("/api/trpc/")
    ? { error: { json: { message, code: TRPC_ERROR_CODES_BY_KEY[key], data: { code: key, httpStatus: status } } } }
    : { code: key, message };
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
  return true;
}
