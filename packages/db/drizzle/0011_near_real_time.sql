-- Near-real-time sync (issue 18): an owner or admin opts the tenant in; the worker holding the
-- tenant's lease then streams Salesforce's change events over the Pub/Sub API.
ALTER TABLE "salesforce_connections" ADD COLUMN "near_real_time" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- One row per tenant that has ever streamed: the last applied replay id (committed in the same
-- transaction as the rows it brought), what the stream is doing, and which worker holds it.
CREATE TABLE "cdc_streams" (
	"tenant_id" text NOT NULL,
	"replay_id" text,
	"state" text DEFAULT 'starting' NOT NULL,
	"reason" text,
	"last_event_at" timestamp with time zone,
	"last_commit_at" timestamp with time zone,
	"events_applied" bigint DEFAULT 0 NOT NULL,
	"echoes_skipped" bigint DEFAULT 0 NOT NULL,
	"catch_up_objects" jsonb,
	"lease_owner" text,
	"lease_epoch" bigint DEFAULT 0 NOT NULL,
	"lease_expires_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cdc_streams_tenant_id_pk" PRIMARY KEY("tenant_id"),
	CONSTRAINT "cdc_streams_state_check" CHECK ("state" IN ('starting', 'live', 'catching_up', 'retrying', 'stopped'))
);
--> statement-breakpoint
ALTER TABLE "cdc_streams" ADD CONSTRAINT "cdc_streams_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Streamed changes per minute and their lag (Salesforce commit → Ferry commit), for the charts.
CREATE TABLE "cdc_minutes" (
	"tenant_id" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"events" integer DEFAULT 0 NOT NULL,
	"records" integer DEFAULT 0 NOT NULL,
	"echoes" integer DEFAULT 0 NOT NULL,
	"lag_ms_sum" bigint DEFAULT 0 NOT NULL,
	"lag_ms_max" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "cdc_minutes_tenant_id_minute_pk" PRIMARY KEY("tenant_id","minute")
);
--> statement-breakpoint
ALTER TABLE "cdc_minutes" ADD CONSTRAINT "cdc_minutes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cdc_streams_lease_idx" ON "cdc_streams" ("lease_expires_at");--> statement-breakpoint
SELECT ferry_secure_tenant_tables();
