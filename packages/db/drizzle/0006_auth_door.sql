-- Tenant roles are a closed set: a value Ferry does not know (better-auth's "member", say) used to
-- slip through the role check. Stray values become the least privileged role, then a CHECK keeps
-- anything else out.
UPDATE "memberships" SET "role" = 'viewer' WHERE "role" IS NULL OR "role" NOT IN ('owner', 'admin', 'viewer');--> statement-breakpoint
UPDATE "invitations" SET "role" = 'viewer' WHERE "role" IS NULL OR "role" NOT IN ('owner', 'admin', 'viewer');--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_role_check" CHECK ("role" IN ('owner', 'admin', 'viewer'));--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_role_check" CHECK ("role" IN ('owner', 'admin', 'viewer'));--> statement-breakpoint
-- Sign-in throttling shared by every web replica. A platform table (no tenant_id, so no RLS):
-- one row per bucket (a client address, an account from one address, an account from addresses
-- it never signed in from) plus the addresses an account last signed in from.
CREATE TABLE "sign_in_throttle" (
  "key" text PRIMARY KEY NOT NULL,
  "failures" integer DEFAULT 0 NOT NULL,
  "window_started_at" timestamp with time zone DEFAULT now() NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE INDEX "sign_in_throttle_updated_idx" ON "sign_in_throttle" ("updated_at");
