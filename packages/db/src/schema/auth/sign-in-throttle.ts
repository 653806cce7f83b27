import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

// Failed sign-ins per bucket, shared by every web replica (see @ferry/auth's throttle). A
// platform table: no tenant_id, so no row-level security.
export const signInThrottle = pgTable(
  "sign_in_throttle",
  {
    key: text("key").primaryKey(),
    failures: integer("failures").notNull().default(0),
    windowStartedAt: timestamp("window_started_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sign_in_throttle_updated_idx").on(t.updatedAt)],
);
