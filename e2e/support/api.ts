import { randomBytes } from "node:crypto";
import type { APIRequestContext, BrowserContext } from "@playwright/test";

export interface SeededUser {
  name: string;
  email: string;
  password: string;
  tenantName?: string;
  cookie: { name: string; value: string };
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}@e2e.test`;
}

/** Seeds a user (and their tenant) through the portal's own sign-up procedure, as a browser would. */
export async function signUpThroughApi(
  request: APIRequestContext,
  baseURL: string,
  input: { name: string; email?: string; password?: string; tenantName?: string },
): Promise<SeededUser> {
  const email = input.email ?? uniqueEmail(input.name.toLowerCase().replace(/\W+/g, "-"));
  const password = input.password ?? `pw-${randomBytes(8).toString("hex")}`;
  const response = await request.post(`${baseURL}/api/trpc/account.signUp`, {
    headers: { "content-type": "application/json", origin: baseURL },
    data: { json: { name: input.name, email, password, ...(input.tenantName ? { tenantName: input.tenantName } : {}) } },
  });
  if (!response.ok()) throw new Error(`sign-up failed: ${response.status()} ${await response.text()}`);
  const setCookie = response.headersArray().find((h) => h.name.toLowerCase() === "set-cookie" && h.value.includes("session_token"));
  if (!setCookie) throw new Error("sign-up returned no session cookie");
  const [pair] = setCookie.value.split(";");
  const eq = pair!.indexOf("=");
  return {
    name: input.name,
    email,
    password,
    ...(input.tenantName ? { tenantName: input.tenantName } : {}),
    cookie: { name: pair!.slice(0, eq), value: pair!.slice(eq + 1) },
  };
}

export async function signInContext(context: BrowserContext, baseURL: string, user: SeededUser): Promise<void> {
  await context.addCookies([{ name: user.cookie.name, value: user.cookie.value, url: baseURL, httpOnly: true, sameSite: "Lax" }]);
}

export function cookieHeader(user: SeededUser): string {
  return `${user.cookie.name}=${user.cookie.value}`;
}
