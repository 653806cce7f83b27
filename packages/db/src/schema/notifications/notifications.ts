import { pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "../tenants/tenants";

export const notificationKinds = [
  "credentials_expired",
  "api_cap_reached",
  "schema_changed",
  "sync_failed",
  "initial_sync_finished",
  "reconcile_repaired",
  "member_joined",
  "invitation_sent",
  "info",
] as const;

export const notifications = pgTable(
  "notifications",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id")
      .notNull()
      .$defaultFn(() => crypto.randomUUID()),
    kind: text("kind").$type<(typeof notificationKinds)[number]>().notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp("read_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);
