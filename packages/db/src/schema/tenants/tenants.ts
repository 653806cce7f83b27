import { sql } from "drizzle-orm";
import { check, integer, jsonb, pgTable, primaryKey, text, timestamp, index, uniqueIndex } from "drizzle-orm/pg-core";
import { users } from "../auth/users";

export const tenantRoles = ["owner", "admin", "viewer"] as const;
export type TenantRole = (typeof tenantRoles)[number];
// The same closed set as a CHECK in the database (migration 0006).
const roleIsKnown = (column: string) => sql.raw(`"${column}" IN (${tenantRoles.map((r) => `'${r}'`).join(", ")})`);

// better-auth's "organization" model. The tenant row itself is guarded by RLS on `id`.
export const tenants = pgTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  logo: text("logo"),
  metadata: text("metadata"),
  syncIntervalMinutes: integer("sync_interval_minutes").notNull().default(5),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

// better-auth's "member" model; organizationId is mapped onto tenantId.
export const memberships = pgTable(
  "memberships",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id").notNull().unique(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<TenantRole>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("memberships_tenant_user_idx").on(t.tenantId, t.userId),
    index("memberships_user_idx").on(t.userId),
    check("memberships_role_check", roleIsKnown("role")),
  ],
);

export const invitationStatuses = ["pending", "accepted", "rejected", "canceled"] as const;

// better-auth's "invitation" model.
export const invitations = pgTable(
  "invitations",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id").notNull().unique(),
    email: text("email").notNull(),
    role: text("role").$type<TenantRole>().notNull(),
    status: text("status").$type<(typeof invitationStatuses)[number]>().notNull().default("pending"),
    teamId: text("team_id"),
    inviterId: text("inviter_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("invitations_email_idx").on(t.email), check("invitations_role_check", roleIsKnown("role"))],
);

// Stands in for an email provider: what would have been sent, readable in the portal in development.
export const emailOutbox = pgTable(
  "email_outbox",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id")
      .notNull()
      .$defaultFn(() => crypto.randomUUID()),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    link: text("link"),
    meta: jsonb("meta").$type<Record<string, unknown>>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);
