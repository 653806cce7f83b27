ALTER TABLE "salesforce_connections" ADD COLUMN "login_url" text;--> statement-breakpoint
ALTER TABLE "salesforce_connections" ADD COLUMN "oauth_client_id" text;--> statement-breakpoint
ALTER TABLE "salesforce_connections" ADD COLUMN "oauth_client_secret" jsonb;--> statement-breakpoint
ALTER TABLE "salesforce_connections" ADD COLUMN "oauth_pending" jsonb;--> statement-breakpoint
ALTER TABLE "salesforce_connections" ADD COLUMN "secret_masks" jsonb;--> statement-breakpoint
ALTER TABLE "salesforce_connections" ADD COLUMN "org_is_sandbox" boolean;--> statement-breakpoint
ALTER TABLE "salesforce_connections" ADD COLUMN "fields_synced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "salesforce_connections" ADD COLUMN "mappings_accepted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "salesforce_connections" ADD COLUMN "last_login_at" timestamp with time zone;