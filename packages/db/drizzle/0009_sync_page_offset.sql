-- A Bulk results page (50,000 rows or more) is committed in chunks: the checkpoint keeps the
-- page's locator plus how many of its rows are committed, so a resumed run skips exactly those
-- (counters never count a row twice). first_load: the object had no stored rows when its initial
-- read began, so its chunks are plain INSERTs instead of upserts.
ALTER TABLE "sync_checkpoints" ADD COLUMN "page_offset" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_checkpoints" ADD COLUMN "first_load" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- The object's last describe, so an incremental cycle describes only when the schema may have
-- changed (daily, or when Salesforce rejects a field) instead of every cycle.
ALTER TABLE "sync_checkpoints" ADD COLUMN "described_fields" jsonb;--> statement-breakpoint
ALTER TABLE "sync_checkpoints" ADD COLUMN "described_at" timestamp with time zone;
