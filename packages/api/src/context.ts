import type { Auth, ResolvedSession } from "@ferry/auth";
import type { Database, PlatformDatabase } from "@ferry/db";
import type { RealtimeEmitter } from "@ferry/realtime";
import type { SalesforceRuntime } from "@ferry/services";

/** What the web app supplies per request; the API never reads the tenant from client input. */
export interface ApiContext {
  /** The runtime login: tenant work through services and withTenant. */
  db: Database;
  /** The privileged connection, for platform services only (sessions, support console, sign-up). */
  platform: PlatformDatabase;
  auth: Auth;
  session: ResolvedSession | null;
  requestId: string;
  headers: Headers;
  /** Adds a header to the response (set-cookie from sign-up). */
  appendResponseHeader(name: string, value: string): void;
  portalUrl: string;
  showOutbox: boolean;
  sessionAbsoluteSeconds: number;
  log?: { error(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void };
  /** Live events to tenant rooms, sent by routers after the service's transaction committed. */
  events?: Pick<RealtimeEmitter, "emit">;
  /** Salesforce settings (master key, login hosts, OAuth app, job queue); absent where orgs cannot be connected. */
  salesforce?: Omit<SalesforceRuntime, "gateway">;
  /** The deployment's ceiling for support access, in seconds (at most an hour). */
  supportAccessMaxSeconds?: number;
  /** Re-joins a user's sockets to the tenant rooms they may see now (after support access or membership changes). */
  refreshRooms?: (userId: string) => Promise<void>;
}
