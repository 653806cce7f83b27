import type { IncomingMessage, ServerResponse } from "node:http";
import { TRPCError } from "@trpc/server";
import { createCaller } from "@ferry/api";
import { toHeaders } from "@ferry/auth";
import { SalesforceError } from "@ferry/services";
import { apiContextFor } from "./api-context";
import type { Runtime } from "./runtime";

/**
 * Salesforce sends the browser back here after "Log in to Salesforce". The session's active
 * tenant completes its pending authorization (state + PKCE) through the API, and the browser goes
 * back to the Salesforce page with the outcome; the code and tokens never reach the page.
 */
export async function handleSalesforceCallback(runtime: Runtime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const headers = toHeaders(req.headers);
  const session = await runtime.sessionFromHeaders(headers);
  const back = (params: Record<string, string>) => {
    res.writeHead(303, { location: `/salesforce?${new URLSearchParams(params).toString()}`, "cache-control": "no-store" });
    res.end();
  };
  if (!session) {
    res.writeHead(303, { location: `/sign-in?${new URLSearchParams({ next: "/salesforce" }).toString()}` });
    return void res.end();
  }
  const caller = createCaller(await apiContextFor(runtime, req, res, { session }));
  const param = (name: string) => url.searchParams.get(name)?.slice(0, 2000) ?? undefined;
  try {
    const result = await caller.salesforce.completeOAuth({
      state: param("state"),
      code: param("code"),
      error: param("error"),
      errorDescription: param("error_description"),
    });
    back({ oauth: result.ok ? "connected" : "other_org" });
  } catch (error) {
    back({ oauth: failureReason(error) });
  }
}

/**
 * Only a reason code travels in the URL (the page has the wording), so a crafted link cannot put
 * arbitrary text on the Salesforce page.
 */
function failureReason(error: unknown): string {
  const cause = error instanceof TRPCError ? error.cause : error;
  if (cause instanceof SalesforceError) {
    if (cause.code === "access_denied") return "denied";
    if (cause.code === "AUTHORIZATION_EXPIRED" || cause.code === "invalid_grant") return "expired";
    if (cause.code === "UNREACHABLE_HOST") return "unreachable";
    return "failed";
  }
  if (error instanceof TRPCError && error.code === "BAD_REQUEST") return "mismatch";
  if (error instanceof TRPCError && error.code === "FORBIDDEN") return "forbidden";
  return "failed";
}
