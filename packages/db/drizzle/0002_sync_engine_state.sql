CREATE TABLE "sync_states" (
	"tenant_id" text NOT NULL,
	"state" text DEFAULT 'idle' NOT NULL,
	"message" text,
	"paused_by_admin" boolean DEFAULT false NOT NULL,
	"resumes_at" timestamp with time zone,
	"api_used" integer,
	"api_limit" integer,
	"api_checked_at" timestamp with time zone,
	"last_synced_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_states_tenant_id_pk" PRIMARY KEY("tenant_id")
);
--> statement-breakpoint
ALTER TABLE "sync_checkpoints" ADD COLUMN "baseline_modstamp" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_checkpoints" ADD COLUMN "baseline_id" text;--> statement-breakpoint
ALTER TABLE "sync_checkpoints" ADD COLUMN "initial_done_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "resumes_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_states" ADD CONSTRAINT "sync_states_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
SELECT ferry_secure_tenant_tables();
