import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "../tenants/tenants";

/**
 * `starting` until the first answer, `live` while events flow (or keepalives arrive), `catching_up`
 * while a keyset read covers a gap, `retrying` after a failure (the reason says what), `stopped`
 * when the tenant turned near-real-time off or the connection stopped syncing.
 */
export const cdcStreamStates = ["starting", "live", "catching_up", "retrying", "stopped"] as const;

export const cdcStreams = pgTable(
  "cdc_streams",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The last applied event's replay id (base64), committed with the rows it brought. */
    replayId: text("replay_id"),
    state: text("state").$type<(typeof cdcStreamStates)[number]>().notNull().default("starting"),
    /** In words, why the stream is not live (a fallback, a failure). */
    reason: text("reason"),
    lastEventAt: timestamp("last_event_at", { withTimezone: true }),
    /** Salesforce's commit time of the last applied change. */
    lastCommitAt: timestamp("last_commit_at", { withTimezone: true }),
    eventsApplied: bigint("events_applied", { mode: "number" }).notNull().default(0),
    echoesSkipped: bigint("echoes_skipped", { mode: "number" }).notNull().default(0),
    /** Objects whose keyset catch-up read is still owed (a gap, an overflow, an expired replay id). */
    catchUpObjects: jsonb("catch_up_objects").$type<string[]>(),
    leaseOwner: text("lease_owner"),
    /** Raised on every take-over: a worker whose epoch is stale may not commit. */
    leaseEpoch: bigint("lease_epoch", { mode: "number" }).notNull().default(0),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId] }),
    index("cdc_streams_lease_idx").on(t.leaseExpiresAt),
    check("cdc_streams_state_check", sql.raw(`"state" IN (${cdcStreamStates.map((state) => `'${state}'`).join(", ")})`)),
  ],
);

export const cdcMinutes = pgTable(
  "cdc_minutes",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    events: integer("events").notNull().default(0),
    records: integer("records").notNull().default(0),
    echoes: integer("echoes").notNull().default(0),
    lagMsSum: bigint("lag_ms_sum", { mode: "number" }).notNull().default(0),
    lagMsMax: integer("lag_ms_max").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.minute] })],
);
