import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "../tenants/tenants";

export const syncRunKinds = ["initial", "incremental", "push", "reconcile"] as const;
export const syncRunStatuses = ["queued", "in_progress", "succeeded", "failed", "incomplete", "paused"] as const;
// The phases of sync.progress events (@ferry/realtime), plus `done` for a run that finished.
export const syncPhases = ["counting", "reading", "writing", "pushing", "reconciling", "done"] as const;

export const syncRuns = pgTable(
  "sync_runs",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id")
      .notNull()
      .$defaultFn(() => crypto.randomUUID()),
    kind: text("kind").$type<(typeof syncRunKinds)[number]>().notNull(),
    status: text("status").$type<(typeof syncRunStatuses)[number]>().notNull().default("in_progress"),
    phase: text("phase").$type<(typeof syncPhases)[number]>().notNull().default("counting"),
    error: text("error"),
    errorCode: text("error_code"),
    apiCalls: integer("api_calls").notNull().default(0),
    // Set while the run waits for the API budget; the job is re-sent to start at this time.
    resumesAt: timestamp("resumes_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("sync_runs_tenant_started_idx").on(t.tenantId, t.startedAt)],
);

export const syncOperations = ["pull_updates", "pull_deletes", "pull_conversions", "push_new", "push_updates", "sync_schema", "reconcile"] as const;

// Per object and operation counters of a run, updated in the same transaction as each chunk.
export const syncRunObjects = pgTable(
  "sync_run_objects",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    runId: text("run_id").notNull(),
    object: text("object").notNull(),
    operation: text("operation").$type<(typeof syncOperations)[number]>().notNull(),
    status: text("status").$type<(typeof syncRunStatuses)[number]>().notNull().default("in_progress"),
    total: bigint("total", { mode: "number" }),
    processed: bigint("processed", { mode: "number" }).notNull().default(0),
    created: bigint("created", { mode: "number" }).notNull().default(0),
    updated: bigint("updated", { mode: "number" }).notNull().default(0),
    deleted: bigint("deleted", { mode: "number" }).notNull().default(0),
    failed: bigint("failed", { mode: "number" }).notNull().default(0),
    skipped: bigint("skipped", { mode: "number" }).notNull().default(0),
    apiCalls: integer("api_calls").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.runId, t.object, t.operation] })],
);

// The resume point of each object's read: a Bulk job + locator, or a (SystemModstamp, Id) keyset.
export const syncCheckpoints = pgTable(
  "sync_checkpoints",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    object: text("object").notNull(),
    runId: text("run_id"),
    mode: text("mode").$type<"bulk" | "rest" | "incremental">().notNull(),
    bulkJobId: text("bulk_job_id"),
    locator: text("locator"),
    lastModstamp: timestamp("last_modstamp", { withTimezone: true }),
    lastId: text("last_id"),
    pagesRead: integer("pages_read").notNull().default(0),
    // Rows of the page at `locator` already committed (a page is committed in chunks).
    pageOffset: integer("page_offset").notNull().default(0),
    // The object had no stored rows when its initial read began: chunks are plain INSERTs.
    firstLoad: boolean("first_load").notNull().default(false),
    // The object's last describe (readable fields): cycles describe again only when it is a day old.
    describedFields:
      jsonb("described_fields").$type<
        { name: string; type: string; label?: string; length?: number; updateable?: boolean; custom?: boolean; referenceTo?: string[] }[]
      >(),
    describedAt: timestamp("described_at", { withTimezone: true }),
    // Salesforce's latestDateCovered of the last Get Updated / Get Deleted window with nothing unread:
    // the next cycle's change check starts here.
    changesCoveredAt: timestamp("changes_covered_at", { withTimezone: true }),
    // Newest (SystemModstamp, Id) in Salesforce when the initial read began: incremental cycles start here.
    baselineModstamp: timestamp("baseline_modstamp", { withTimezone: true }),
    baselineId: text("baseline_id"),
    initialDoneAt: timestamp("initial_done_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.object] })],
);

export const syncErrorLevels = ["record", "job"] as const;
export const syncErrorStates = ["open", "retrying", "ignored", "resolved"] as const;

export const syncErrors = pgTable(
  "sync_errors",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id")
      .notNull()
      .$defaultFn(() => crypto.randomUUID()),
    runId: text("run_id"),
    level: text("level").$type<(typeof syncErrorLevels)[number]>().notNull(),
    object: text("object"),
    sfId: text("sf_id"),
    operation: text("operation"),
    code: text("code").notNull(),
    message: text("message").notNull(),
    state: text("state").$type<(typeof syncErrorStates)[number]>().notNull().default("open"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("sync_errors_tenant_code_idx").on(t.tenantId, t.code),
    index("sync_errors_record_idx").on(t.tenantId, t.object, t.sfId),
    index("sync_errors_created_idx").on(t.tenantId, t.createdAt),
  ],
);

export const syncStateKinds = ["idle", "running", "paused", "api_capped", "org_limited", "failed"] as const;

// One row per tenant: what the status badge shows, the API budget last seen, and when the next cycle is due.
export const syncStates = pgTable(
  "sync_states",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    state: text("state").$type<(typeof syncStateKinds)[number]>().notNull().default("idle"),
    message: text("message"),
    pausedByAdmin: boolean("paused_by_admin").notNull().default(false),
    resumesAt: timestamp("resumes_at", { withTimezone: true }),
    apiUsed: integer("api_used"),
    apiLimit: integer("api_limit"),
    apiCheckedAt: timestamp("api_checked_at", { withTimezone: true }),
    lastSyncedAt: timestamp("last_synced_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId] })],
);
