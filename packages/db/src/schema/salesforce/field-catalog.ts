import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "../tenants/tenants";

export const catalogFieldStates = ["active", "dropped", "retyped", "hidden"] as const;

// What "Sync Fields" created: permanent once committed, updated by the schema step of each cycle.
export const fieldCatalog = pgTable(
  "field_catalog",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    object: text("object").notNull(),
    fieldName: text("field_name").notNull(),
    label: text("label").notNull(),
    type: text("type").notNull(),
    length: integer("length"),
    referenceTo: jsonb("reference_to").$type<string[]>(),
    picklistValues: jsonb("picklist_values").$type<string[]>(),
    writable: boolean("writable").notNull().default(false),
    custom: boolean("custom").notNull().default(false),
    requiredByFerry: boolean("required_by_ferry").notNull().default(false),
    excluded: boolean("excluded").notNull().default(false),
    state: text("state").$type<(typeof catalogFieldStates)[number]>().notNull().default("active"),
    previousType: text("previous_type"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.object, t.fieldName] })],
);

export const mappingDirections = ["pull", "two_way"] as const;

export const fieldMappings = pgTable(
  "field_mappings",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    object: text("object").notNull(),
    sfField: text("sf_field").notNull(),
    ferryField: text("ferry_field").notNull(),
    direction: text("direction").$type<(typeof mappingDirections)[number]>().notNull().default("pull"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.object, t.sfField] })],
);
