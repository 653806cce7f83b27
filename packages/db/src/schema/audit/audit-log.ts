import { index, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "../tenants/tenants";

export const auditOutcomes = ["success", "failure", "denied"] as const;

// Append-only for the runtime role (granted SELECT and INSERT only).
export const auditLog = pgTable(
  "audit_log",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id")
      .notNull()
      .$defaultFn(() => crypto.randomUUID()),
    actorUserId: text("actor_user_id").notNull(),
    actorEmail: text("actor_email"),
    // Set when a support staff member acts inside the tenant through an access grant.
    supportGrantId: text("support_grant_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    outcome: text("outcome").$type<(typeof auditOutcomes)[number]>().notNull().default("success"),
    reason: text("reason"),
    requestId: text("request_id"),
    details: jsonb("details").$type<Record<string, unknown>>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("audit_log_tenant_time_idx").on(t.tenantId, t.createdAt)],
);
