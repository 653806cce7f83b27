import { index, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "../tenants/tenants";

export const supportAccessModes = ["read", "write"] as const;

export const supportAccessGrants = pgTable(
  "support_access_grants",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id")
      .notNull()
      .$defaultFn(() => crypto.randomUUID()),
    staffUserId: text("staff_user_id").notNull(),
    reason: text("reason").notNull(),
    ticket: text("ticket"),
    mode: text("mode").$type<(typeof supportAccessModes)[number]>().notNull().default("read"),
    elevationReason: text("elevation_reason"),
    elevatedAt: timestamp("elevated_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    endReason: text("end_reason"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("support_access_staff_idx").on(t.staffUserId)],
);
