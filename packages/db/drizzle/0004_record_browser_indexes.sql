-- The record browser and the duplicate report page through sf_records by normalised name and email
-- with keyset paging; these expression indexes keep that index-backed at a million rows. COLLATE "C"
-- lets one index serve both ORDER BY and prefix LIKE.
CREATE INDEX IF NOT EXISTS "sf_records_people_name_idx" ON "sf_records" ("tenant_id", (lower("fields"->>'Name') COLLATE "C"), "sf_id") WHERE "object" IN ('Lead', 'Contact');--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "sf_records_people_email_idx" ON "sf_records" ("tenant_id", (lower(btrim("fields"->>'Email')) COLLATE "C"), "sf_id") WHERE "object" IN ('Lead', 'Contact');--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "sf_records_object_name_idx" ON "sf_records" ("tenant_id", "object", (lower("fields"->>'Name') COLLATE "C"), "sf_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "sync_errors_record_idx" ON "sync_errors" ("tenant_id", "object", "sf_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "sync_errors_created_idx" ON "sync_errors" ("tenant_id", "created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "push_queue_record_idx" ON "push_queue" ("tenant_id", "object", "sf_id");
