import type { SyncJobSender } from "../sync-runs/enqueue";
import type { LoginHostDirectory } from "./hosts";

/** What Ferry learns about an org when it logs in: shown after Validate and stored with the connection. */
export interface OrgSummary {
  orgId: string;
  orgName: string | null;
  instanceUrl: string;
  syncUserId: string;
  syncUsername: string;
  syncUserDisplayName: string | null;
  apiDailyLimit: number | null;
  apiDailyRemaining: number | null;
  isSandbox: boolean | null;
}

export interface DescribedField {
  name: string;
  label: string;
  type: string;
  length: number | null;
  referenceTo: string[];
  picklistValues: string[];
  /** Updateable by the sync user: two-way mappings need it. */
  writable: boolean;
  custom: boolean;
  requiredByFerry: boolean;
}

export interface DescribedObject {
  name: string;
  label: string;
  /** False when the sync user cannot read the object at all. */
  accessible: boolean;
  fields: DescribedField[];
}

export interface MissingField {
  object: string;
  field: string;
  fix: string;
}

export interface OrgSchema {
  objects: DescribedObject[];
  missing: MissingField[];
}

export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export type SalesforceCredentials =
  | { kind: "password"; loginUrl: string; username: string; password: string; securityToken: string }
  | { kind: "oauth"; loginUrl: string; clientId: string; clientSecret: string; refreshToken: string };

/**
 * The Salesforce calls the connection verbs make, implemented by `@ferry/sync` (jsforce) and handed
 * in by the API layer: services own the flow and the data, the sync package owns the wire.
 * Failures are thrown as SalesforceError with Salesforce's code and a message that says what to fix.
 */
export interface SalesforceGateway {
  validate(credentials: SalesforceCredentials): Promise<OrgSummary>;
  describe(credentials: SalesforceCredentials): Promise<OrgSummary & { schema: OrgSchema }>;
  authorizationRequest(input: { loginUrl: string; client: OAuthClientConfig; state: string }): { url: string; codeVerifier: string };
  exchangeCode(input: { loginUrl: string; client: OAuthClientConfig; codeVerifier: string; code: string }): Promise<OrgSummary & { refreshToken: string }>;
}

/** Demo only: the built-in emulator's sign-in details, shown on the Salesforce page in embedded mode. */
export interface EmulatorDemoDetails {
  loginUrl: string;
  sandboxLoginUrl: string;
  users: { username: string; password: string; securityToken: string }[];
  oauth: boolean;
}

/** Everything the connection verbs need from the process: keys, hosts, the OAuth app, the job queue. */
export interface SalesforceRuntime {
  gateway: SalesforceGateway;
  /** Base64 32-byte master key that wraps each secret's data key. */
  masterKey: string;
  hosts: LoginHostDirectory;
  /** Ferry's connected app; without it tenants cannot use OAuth. */
  oauth?: OAuthClientConfig | undefined;
  enqueueInitialSync(payload: { tenantId: string; runId: string }): Promise<string | null>;
  /** Sends any sync job of a tenant at once (a push after an edit, a retry); absent where jobs cannot be sent. */
  enqueueSync?: SyncJobSender | undefined;
  demo?: EmulatorDemoDetails | undefined;
}
