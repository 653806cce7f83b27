import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResolvedSession } from "@ferry/auth";
import type { ApiContext } from "@ferry/api";
import { toHeaders } from "@ferry/auth";
import { withContext } from "@ferry/observability";
import type { Runtime } from "./runtime";

/** The API context of one HTTP request: the same for tRPC calls and for server-side callers. */
export async function apiContextFor(
  runtime: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  resolved?: { session: ResolvedSession | null },
): Promise<ApiContext> {
  const headers = toHeaders(req.headers);
  const requestId = acceptedRequestId(req.headers["x-request-id"]) ?? randomUUID();
  return {
    db: runtime.database.db,
    platform: runtime.database.platform,
    auth: runtime.auth,
    session: resolved ? resolved.session : await runtime.sessionFromHeaders(headers),
    requestId,
    headers,
    appendResponseHeader: (name, value) => res.appendHeader(name, value),
    portalUrl: runtime.env.publicUrl,
    showOutbox: runtime.env.showOutbox,
    sessionAbsoluteSeconds: runtime.env.SESSION_ABSOLUTE_SECONDS,
    log: withContext(runtime.logger, { requestId }),
    ...(runtime.events ? { events: runtime.events } : {}),
    ...(runtime.salesforce ? { salesforce: runtime.salesforce } : {}),
    supportAccessMaxSeconds: runtime.env.FERRY_SUPPORT_ACCESS_MAX_SECONDS,
    ...(runtime.refreshRooms ? { refreshRooms: runtime.refreshRooms } : {}),
  };
}

/** A UUID, or a short token of [A-Za-z0-9._-] (what proxies and tracers send). */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The caller's X-Request-Id, kept only when it looks like one: it lands in audit_log.request_id
 * and every log line, so an 8,000-character or multi-line value is replaced by a fresh id.
 */
export function acceptedRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : undefined;
}
