import { Org, DEFAULT_COUNTS, DEFAULT_USERS, type OrgOptions, type UserOptions, type FieldAccess } from "./data/org";
import { createApp, CONTROL_PREFIX, SANDBOX_PREFIX } from "./server/app";
import type { EmulatorConfig, EmulatorContext, OAuthClient } from "./server/context";
import type { Control } from "./server/control";
import { Faults, type LatencyProfile } from "./server/faults";
import { Sessions } from "./server/sessions";
import { generateTls, type TlsFiles } from "./server/tls";
import { ChangeCapture } from "./cdc/capture";
import type { PubSubOptions, PubSubServer } from "./server/pubsub";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface EmulatorOptions extends OrgOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Enables the `/__emulator` control API over HTTP (the handle's methods always work). */
  controlApi?: boolean;
  /** Idle timeout of access tokens; Salesforce's default is 2 hours. */
  sessionTimeoutSeconds?: number;
  oauthClients?: OAuthClient[];
  /** Approve OAuth authorize requests as this user without showing the login page. */
  autoApproveUser?: string;
  /** When false, the password alone is accepted (as from a trusted IP range). */
  requireSecurityToken?: boolean;
  /** Time a Bulk API 2.0 job takes from UploadComplete to JobComplete. */
  bulkJobDurationMs?: number;
  /** Records per Bulk API 2.0 results page when the client sends no maxRecords. */
  bulkPageSize?: number;
  /**
   * The most records a Bulk API 2.0 results page holds, whatever maxRecords asks for: a real org
   * also ends a page early at its size limits, and the client follows `Sforce-Locator`. Unlimited
   * by default.
   */
  bulkPageLimit?: number;
  latency?: LatencyProfile;
  queryLocatorIdleSeconds?: number;
  minApiVersion?: number;
  maxApiVersion?: number;
  /**
   * Serve https with a CA generated into `certDir` (default: a new temporary directory); every URL the
   * emulator hands out (instance, identity, token responses) then uses https. Needs `openssl`.
   */
  https?: boolean | { certDir?: string };
  /** gzip responses when the client sends Accept-Encoding: gzip (default true, as Salesforce). */
  compressResponses?: boolean;
  /** Objects with Change Data Capture on from the start (more can be enabled through the control API). */
  cdc?: string[];
  /**
   * Run a Pub/Sub API (gRPC) server next to the REST one. TLS with the emulator's CA unless
   * `plaintext`; the CA is the https one when `https` is on, else one generated into a temporary directory.
   */
  pubsub?: boolean | PubSubOptions;
}

export interface EmulatorHandle extends Control {
  /** Instance URL (REST, Bulk). */
  url: string;
  /** Production login host: SOAP login and OAuth endpoints. */
  loginUrl: string;
  /** Sandbox login host (test.salesforce.com equivalent). */
  sandboxLoginUrl: string;
  controlUrl: string | undefined;
  /** With `https`: the CA certificate clients must trust (e.g. NODE_EXTRA_CA_CERTS). */
  caFile: string | undefined;
  /** With `pubsub`: the gRPC endpoint as `host:port` (the Pub/Sub API's api.pubsub.salesforce.com:7443). */
  pubsubEndpoint: string | undefined;
  /** With a TLS `pubsub`: the CA certificate its server certificate is signed with. */
  pubsubCaFile: string | undefined;
  /** Change Data Capture bus (events, enabled objects). */
  capture: ChangeCapture;
  pubsub: PubSubServer | undefined;
  org: Org;
  users: Required<Pick<UserOptions, "username" | "password" | "securityToken">>[];
  oauthClients: OAuthClient[];
  stop(): Promise<void>;
}

export const DEFAULT_OAUTH_CLIENT: OAuthClient = {
  clientId: "ferry-emulator-client",
  clientSecret: "ferry-emulator-secret",
  redirectUris: [],
};

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  if (options.bulkPageLimit !== undefined && !(Number.isInteger(options.bulkPageLimit) && options.bulkPageLimit > 0))
    throw new Error(`bulkPageLimit must be a positive integer, not ${options.bulkPageLimit}`);
  const org = new Org(options);
  const config: EmulatorConfig = {
    oauthClients: options.oauthClients ?? [{ ...DEFAULT_OAUTH_CLIENT, clientCredentialsUser: org.users[0]?.username }],
    autoApproveUser: options.autoApproveUser,
    requireSecurityToken: options.requireSecurityToken ?? true,
    bulkJobDurationMs: options.bulkJobDurationMs ?? 1_500,
    bulkPageSize: options.bulkPageSize ?? 50_000,
    bulkPageLimit: options.bulkPageLimit ?? Number.POSITIVE_INFINITY,
    queryLocatorIdleMs: (options.queryLocatorIdleSeconds ?? 15 * 60) * 1000,
    minApiVersion: options.minApiVersion ?? 31,
    maxApiVersion: options.maxApiVersion ?? 66,
    compressResponses: options.compressResponses ?? true,
  };
  const faults = new Faults(options.seed ?? 42);
  if (options.latency) faults.latency = options.latency;
  let base = "";
  const capture = new ChangeCapture(org, options.cdc ?? []);
  org.changes = capture;
  const ctx: EmulatorContext = {
    org,
    sessions: new Sessions(org, (options.sessionTimeoutSeconds ?? 7200) * 1000),
    faults,
    config,
    capture,
    baseUrl: () => base,
    loginBase: (host) => (host === "sandbox" ? `${base}${SANDBOX_PREFIX}` : base),
  };
  const host = options.host ?? "127.0.0.1";
  const certDir = (typeof options.https === "object" && options.https.certDir) || undefined;
  const tls = options.https ? generateTls(certDir || mkdtempSync(join(tmpdir(), "salesforce-emulator-tls-")), host) : undefined;
  const app = createApp(ctx, options.controlApi ?? false, tls);
  base = await app.listen(options.port ?? 0, host);
  const pubsubOptions: PubSubOptions | undefined = options.pubsub === true ? {} : options.pubsub || undefined;
  let pubsub: PubSubServer | undefined;
  let pubsubTls: TlsFiles | undefined;
  let pubsubEndpoint: string | undefined;
  if (pubsubOptions) {
    pubsubTls = pubsubOptions.plaintext ? undefined : (tls ?? generateTls(mkdtempSync(join(tmpdir(), "salesforce-emulator-pubsub-tls-")), host));
    // Loaded only when asked for, so hosts that embed the emulator without Pub/Sub never load grpc-js.
    const { PubSubServer } = await import("./server/pubsub");
    pubsub = new PubSubServer(ctx, capture, pubsubOptions);
    const port = await pubsub.listen(host, pubsubOptions.port ?? 0, pubsubTls);
    ctx.pubsub = pubsub;
    pubsubEndpoint = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  }
  const handle = app.control as EmulatorHandle;
  return Object.assign(handle, {
    url: base,
    loginUrl: base,
    sandboxLoginUrl: `${base}${SANDBOX_PREFIX}`,
    controlUrl: options.controlApi ? `${base}${CONTROL_PREFIX}` : undefined,
    caFile: tls?.caFile,
    pubsubEndpoint,
    pubsubCaFile: pubsubTls?.caFile,
    capture,
    pubsub,
    org,
    users: org.users.map((u) => ({ username: u.username, password: u.password, securityToken: u.securityToken })),
    oauthClients: config.oauthClients,
    stop: async () => {
      // Held requests are answered, so their connections close with the server.
      faults.configure({ hold: null });
      await pubsub?.close();
      await app.close();
    },
  });
}

export { Org, DEFAULT_COUNTS, DEFAULT_USERS };
export type { OrgOptions, UserOptions, FieldAccess, OAuthClient, LatencyProfile };
export type { FaultRule, FaultSettings, EndpointClass, FaultKind, HoldRule } from "./server/faults";
export type { FieldSpec, FieldType } from "./schema";
export type { ConvertLeadOptions } from "./data/writes";
export { FIRST_NAMES, LAST_NAMES } from "./data/generator";
export { makeId, canonicalId, checksumSuffix } from "./ids";
export { formatDateTime, parseDateTime } from "./time";
export type { PubSubOptions } from "./server/pubsub";
export type { BusEvent, ChangeEventHeader, ChangeType } from "./cdc/capture";
export { ChangeCapture, OVERFLOW_RECORD_ID, encodeReplayId } from "./cdc/capture";
export type { PubSubServer } from "./server/pubsub";
