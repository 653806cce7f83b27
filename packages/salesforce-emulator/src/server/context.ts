import type { Org } from '../data/org';
import type { Faults } from './faults';
import type { LoginHost, Sessions } from './sessions';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** Allowed callback URLs; empty allows any (handy for local tools). */
  redirectUris: string[];
}

export interface EmulatorConfig {
  oauthClients: OAuthClient[];
  /** Username to approve authorize requests for without showing the login page. */
  autoApproveUser: string | undefined;
  requireSecurityToken: boolean;
  bulkJobDurationMs: number;
  bulkPageSize: number;
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
  baseUrl(): string;
  loginBase(host: LoginHost): string;
}
