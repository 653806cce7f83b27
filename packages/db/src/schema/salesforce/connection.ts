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
export const connectionStates = ["not_connected", "validated", "confirmed", "syncing", "paused", "failed"] as const;

export const salesforceConnections = pgTable(
  "salesforce_connections",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    authType: text("auth_type").$type<(typeof connectionAuthTypes)[number]>().notNull().default("password"),
    loginHost: text("login_host").$type<(typeof loginHosts)[number]>().notNull().default("production"),
    customDomain: text("custom_domain"),
    username: text("username"),
    password: jsonb("password").$type<SealedSecret>(),
    securityToken: jsonb("security_token").$type<SealedSecret>(),
    refreshToken: jsonb("refresh_token").$type<SealedSecret>(),
    orgId: text("org_id"),
    orgName: text("org_name"),
    instanceUrl: text("instance_url"),
    syncUserId: text("sync_user_id"),
    syncUsername: text("sync_username"),
    apiDailyLimit: integer("api_daily_limit"),
    apiDailyCap: integer("api_daily_cap"),
    state: text("state").$type<(typeof connectionStates)[number]>().notNull().default("not_connected"),
    syncEnabled: boolean("sync_enabled").notNull().default(false),
    consecutiveLoginFailures: integer("consecutive_login_failures").notNull().default(0),
    lastError: text("last_error"),
    validatedAt: timestamp("validated_at", { withTimezone: true }),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    syncStartedAt: timestamp("sync_started_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId] })],
);
