import type { APIRequestContext, Page, WebSocket } from "@playwright/test";
import { cookieHeader, signUpThroughApi, type SeededUser } from "../support/api";

/**
 * Signs up one of the operator-listed staff emails (FERRY_BOOTSTRAP_STAFF_EMAILS in the Playwright
 * config) and opens the verification link from the outbox: a listed address becomes staff only
 * once verified.
 */
export async function signUpStaff(request: APIRequestContext, baseURL: string, email: string, name: string): Promise<SeededUser> {
  const staff = await signUpThroughApi(request, baseURL, { name, email, tenantName: `${name}'s desk` });
  const outbox = await query(request, baseURL, staff, "outbox.list");
  const mail = (outbox.data as { to: string; link: string | null; meta: { kind?: string } | null }[] | undefined)?.find(
    (m) => m.to === email && m.meta?.kind === "email_verification",
  );
  if (!mail?.link) throw new Error(`no verification mail for ${email} in the outbox: ${JSON.stringify(outbox)}`);
  const opened = await request.get(mail.link, { maxRedirects: 0 });
  if (opened.status() !== 302) throw new Error(`the verification link answered ${opened.status()}: ${await opened.text()}`);
  return staff;
}

/** Whether the user can read the members of the tenant `ownerEmail` belongs to (staff have a tenant of their own, so "refused" is not the only way to not see it). */
export async function seesMembersOf(request: APIRequestContext, baseURL: string, user: SeededUser, ownerEmail: string): Promise<boolean> {
  const members = await query(request, baseURL, user, "member.list");
  return members.status === 200 && (members.data as { email: string }[]).some((m) => m.email === ownerEmail);
}

type TrpcResult = { status: number; data: unknown; code: string | undefined; message: string | undefined };

async function parse(response: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<TrpcResult> {
  const body = (await response.json()) as { result?: { data?: { json?: unknown } }; error?: { json?: { message?: string; data?: { code?: string } } } };
  return { status: response.status(), data: body.result?.data?.json, code: body.error?.json?.data?.code, message: body.error?.json?.message };
}

const headersFor = (baseURL: string, user: SeededUser) => ({ "content-type": "application/json", origin: baseURL, cookie: cookieHeader(user) });

/** A tRPC query as the browser sends it (GET, superjson-wrapped input). */
export async function query(request: APIRequestContext, baseURL: string, user: SeededUser, path: string, input?: unknown): Promise<TrpcResult> {
  const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  return parse(await request.get(`${baseURL}/api/trpc/${path}${search}`, { headers: headersFor(baseURL, user) }));
}

export async function mutate(request: APIRequestContext, baseURL: string, user: SeededUser, path: string, input?: unknown): Promise<TrpcResult> {
  return parse(await request.post(`${baseURL}/api/trpc/${path}`, { headers: headersFor(baseURL, user), data: { json: input ?? null } }));
}

export async function activeTenantId(request: APIRequestContext, baseURL: string, user: SeededUser): Promise<string> {
  const me = await query(request, baseURL, user, "account.me");
  const id = (me.data as { activeTenantId?: string } | null)?.activeTenantId;
  if (!id) throw new Error(`${user.email} has no active tenant`);
  return id;
}

/** The socket.io frames a page's websocket receives. */
export function recordFrames(page: Page): string[] {
  const frames: string[] = [];
  page.on("websocket", (ws: WebSocket) => {
    if (!ws.url().includes("/socket.io/")) return;
    ws.on("framereceived", (frame) => frames.push(String(frame.payload)));
  });
  return frames;
}
