import { sql } from "drizzle-orm";
import { boolean, customType, index, jsonb, pgTable, primaryKey, text, timestamp, integer } from "drizzle-orm/pg-core";
import { tenants } from "../tenants/tenants";

// COLLATE "C" is byte order, which makes a prefix an exact index range (migration 0005).
const textC = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });
const isPerson = sql`"object" IN ('Lead', 'Contact')`;

// Every synced Salesforce row, one table for all objects; `fields` holds the catalogued values.
export const sfRecords = pgTable(
  "sf_records",
  {
    // No foreign key: it checked every inserted row with a query of its own. Migration 0013's triggers
    // check the tenants once per statement, and delete a tenant's records with it.
    tenantId: text("tenant_id").notNull(),
    object: text("object").notNull(),
    sfId: text("sf_id").notNull(),
    fields: jsonb("fields").$type<Record<string, unknown>>().notNull(),
    systemModstamp: timestamp("system_modstamp", { withTimezone: true }),
    isDeleted: boolean("is_deleted").notNull().default(false),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    masterRecordId: text("master_record_id"),
    // A converted Lead keeps its Person identity: it points at the Contact it became.
    personId: text("person_id"),
    convertedToId: text("converted_to_id"),
    syncedAt: timestamp("synced_at", { withTimezone: true }).notNull().defaultNow(),
    // Record-browser keys as plain columns: under row-level security a condition on
    // lower(fields->>...) is not leakproof and stays out of the index scan; one on a column is not.
    nameKey: textC("name_key").generatedAlwaysAs(sql`lower("fields"->>'Name')`),
    emailKey: textC("email_key").generatedAlwaysAs(sql`lower(btrim("fields"->>'Email'))`),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.object, t.sfId] }),
    index("sf_records_people_name_key_idx").on(t.tenantId, t.nameKey, t.sfId).where(isPerson),
    index("sf_records_people_email_key_idx").on(t.tenantId, t.emailKey, t.sfId).where(isPerson),
    index("sf_records_object_name_key_idx").on(t.tenantId, t.object, t.nameKey, t.sfId),
  ],
);

export const pushStates = ["queued", "in_flight", "succeeded", "failed", "conflict"] as const;

// Edits to two-way fields waiting to go to Salesforce.
export const pushQueue = pgTable(
  "push_queue",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id")
      .notNull()
      .$defaultFn(() => crypto.randomUUID()),
    object: text("object").notNull(),
    sfId: text("sf_id"),
    changes: jsonb("changes").$type<Record<string, unknown>>().notNull(),
    baseModstamp: timestamp("base_modstamp", { withTimezone: true }),
    state: text("state").$type<(typeof pushStates)[number]>().notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    editedBy: text("edited_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("push_queue_state_idx").on(t.tenantId, t.state),
    index("push_queue_record_idx").on(t.tenantId, t.object, t.sfId),
  ],
);
