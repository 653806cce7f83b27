import type { Auth, ResolvedSession } from "@ferry/auth";
import type { Database } from "@ferry/db";

/** What the web app supplies per request; the API never reads the tenant from client input. */
export interface ApiContext {
  db: Database;
  auth: Auth;
  session: ResolvedSession | null;
  requestId: string;
  headers: Headers;
  /** Adds a header to the response (set-cookie from sign-up). */
  appendResponseHeader(name: string, value: string): void;
  portalUrl: string;
  showOutbox: boolean;
  sessionAbsoluteSeconds: number;
  log?: { error(obj: unknown, msg?: string): void };
}
