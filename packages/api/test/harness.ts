import { createAuth, resolveSession, type Auth } from "@ferry/auth";
import type { TestDatabase } from "@ferry/db/testing";
import { createCaller, type ApiContext } from "../src";

export interface ApiHarness {
  auth: Auth;
  /** A caller as an anonymous visitor, or as the holder of `cookie`. */
  caller(cookie?: string, responseCookies?: string[]): Promise<ReturnType<typeof createCaller>>;
  signUp(input: { name: string; email: string; password?: string; tenantName?: string }): Promise<{ cookie: string; tenantId: string | null }>;
}

/** `extra` adds what a test wires for real (a socket.io server's room refresh and emitter, a support access ceiling). */
export function apiHarness(database: TestDatabase, extra: Partial<ApiContext> = {}): ApiHarness {
  const auth = createAuth({
    db: database.platform,
    baseURL: "http://localhost:3000",
    secret: "test-secret-test-secret-test-secret-0123",
    sessionIdleSeconds: 1800,
    sessionAbsoluteSeconds: 43200,
  });
  const caller: ApiHarness["caller"] = async (cookie, responseCookies = []) => {
    const headers = new Headers(cookie ? { cookie } : {});
    const ctx: ApiContext = {
      db: database.db,
      platform: database.platform,
      auth,
      session: cookie ? await resolveSession(auth, database.platform, headers, 43200) : null,
      requestId: crypto.randomUUID(),
      headers,
      appendResponseHeader: (name, value) => {
        if (name === "set-cookie") responseCookies.push(value);
      },
      portalUrl: "http://localhost:3000",
      showOutbox: true,
      sessionAbsoluteSeconds: 43200,
      ...extra,
    };
    return createCaller(ctx);
  };
  return {
    auth,
    caller,
    async signUp(input) {
      const responseCookies: string[] = [];
      const anonymous = await caller(undefined, responseCookies);
      const result = await anonymous.account.signUp({ password: "correct horse battery", ...input });
      const cookie = responseCookies.map((c) => c.split(";")[0]).join("; ");
      return { cookie, tenantId: result.tenantId };
    },
  };
}
