import type { ChangeCapture } from "../cdc/capture";
import type { Org } from "../data/org";
import type { Faults } from "./faults";
import type { PubSubServer } from "./pubsub";
import type { LoginHost, Sessions } from "./sessions";

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** Allowed callback URLs; empty allows any (handy for local tools). */
  redirectUris: string[];
  /** Client credentials flow: the run-as user's username; the flow is off for the client when absent. */
  clientCredentialsUser?: string;
  /** JWT bearer flow: the PEM certificate or public key uploaded to the connected app; off when absent. */
  jwtCertificate?: string;
}

export interface EmulatorConfig {
  oauthClients: OAuthClient[];
  /** Username to approve authorize requests for without showing the login page. */
  autoApproveUser: string | undefined;
  requireSecurityToken: boolean;
  bulkJobDurationMs: number;
  bulkPageSize: number;
  bulkPageLimit: number;
  queryLocatorIdleMs: number;
  minApiVersion: number;
  maxApiVersion: number;
  /** gzip responses for clients that accept it, as Salesforce does. */
  compressResponses: boolean;
}

export interface EmulatorContext {
  org: Org;
  sessions: Sessions;
  faults: Faults;
  config: EmulatorConfig;
  /** Change Data Capture bus (always present; objects are enabled per org). */
  capture: ChangeCapture;
  /** The Pub/Sub API server, when the emulator runs one. */
  pubsub?: PubSubServer;
  baseUrl(): string;
  loginBase(host: LoginHost): string;
}
