import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "../tenants/tenants";

/** A secret sealed with AES-256-GCM under a fresh data key, itself wrapped by the master key `kid`. */
export interface SealedSecret {
  v: 1;
  kid: string;
  wrappedKey: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export const connectionAuthTypes = ["password", "oauth"] as const;
export const loginHosts = ["production", "sandbox", "custom"] as const;
/**
 * The setup flow, then the sync's own states: not_connected → validated → fields_synced →
 * confirmed (credentials locked in, mappings editable) → ready (mappings accepted) → syncing.
 */
export const connectionStates = ["not_connected", "validated", "fields_synced", "confirmed", "ready", "syncing", "paused", "failed"] as const;

/** An OAuth authorization in progress: `state` ties the callback to it, the PKCE verifier is sealed. */
export interface PendingAuthorization {
  state: string;
  codeVerifier: SealedSecret;
  loginHost: (typeof loginHosts)[number];
  customDomain: string | null;
  loginUrl: string;
  startedAt: string;
}

/** When and by whom a secret was last set: all the portal shows of it (no character of the secret). */
export interface SecretSetting {
  setAt: string;
  setBy: string;
}

/**
 * Per secret, its `SecretSetting`. Rows written before issue 13 hold a mask string here
 * ("••••••3f", the secret's last characters); it is never shown, only read as "set".
 */
export interface SecretMasks {
  password?: SecretSetting | string | null;
  securityToken?: SecretSetting | string | null;
  refreshToken?: SecretSetting | string | null;
}

export const salesforceConnections = pgTable(
  "salesforce_connections",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    authType: text("auth_type").$type<(typeof connectionAuthTypes)[number]>().notNull().default("password"),
    loginHost: text("login_host").$type<(typeof loginHosts)[number]>().notNull().default("production"),
    customDomain: text("custom_domain"),
    /** The login host resolved when the credentials were validated; later logins go to the same place. */
    loginUrl: text("login_url"),
    username: text("username"),
    password: jsonb("password").$type<SealedSecret>(),
    securityToken: jsonb("security_token").$type<SealedSecret>(),
    refreshToken: jsonb("refresh_token").$type<SealedSecret>(),
    /** The connected app the refresh token was issued to (a refresh token only works with its own client). */
    oauthClientId: text("oauth_client_id"),
    oauthClientSecret: jsonb("oauth_client_secret").$type<SealedSecret>(),
    oauthPending: jsonb("oauth_pending").$type<PendingAuthorization>(),
    secretMasks: jsonb("secret_masks").$type<SecretMasks>(),
    orgIsSandbox: boolean("org_is_sandbox"),
    orgId: text("org_id"),
    orgName: text("org_name"),
    instanceUrl: text("instance_url"),
    syncUserId: text("sync_user_id"),
    syncUsername: text("sync_username"),
    apiDailyLimit: integer("api_daily_limit"),
    apiDailyCap: integer("api_daily_cap"),
    state: text("state").$type<(typeof connectionStates)[number]>().notNull().default("not_connected"),
    syncEnabled: boolean("sync_enabled").notNull().default(false),
    /** Near-real-time: changes stream in over the Pub/Sub API; polling drops to an hourly safety net. */
    nearRealTime: boolean("near_real_time").notNull().default(false),
    consecutiveLoginFailures: integer("consecutive_login_failures").notNull().default(0),
    lastError: text("last_error"),
    validatedAt: timestamp("validated_at", { withTimezone: true }),
    fieldsSyncedAt: timestamp("fields_synced_at", { withTimezone: true }),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    mappingsAcceptedAt: timestamp("mappings_accepted_at", { withTimezone: true }),
    lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
    syncStartedAt: timestamp("sync_started_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId] })],
);
