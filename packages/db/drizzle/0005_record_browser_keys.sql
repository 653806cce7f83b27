-- Keys for the record browser as real columns: under row-level security a condition on
-- lower(fields->>...) is not leakproof, so Postgres keeps it out of the index scan; a condition on
-- a plain text column is, so search and keyset paging become index ranges. Generated, so every
-- writer of sf_records fills them without knowing about them. COLLATE "C": byte order, which
-- makes a prefix an exact range.
ALTER TABLE "sf_records" ADD COLUMN "name_key" text COLLATE "C" GENERATED ALWAYS AS (lower("fields"->>'Name')) STORED;--> statement-breakpoint
ALTER TABLE "sf_records" ADD COLUMN "email_key" text COLLATE "C" GENERATED ALWAYS AS (lower(btrim("fields"->>'Email'))) STORED;--> statement-breakpoint
DROP INDEX IF EXISTS "sf_records_people_name_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "sf_records_people_email_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "sf_records_object_name_idx";--> statement-breakpoint
CREATE INDEX "sf_records_people_name_key_idx" ON "sf_records" ("tenant_id", "name_key", "sf_id") WHERE "object" IN ('Lead', 'Contact');--> statement-breakpoint
CREATE INDEX "sf_records_people_email_key_idx" ON "sf_records" ("tenant_id", "email_key", "sf_id") WHERE "object" IN ('Lead', 'Contact');--> statement-breakpoint
CREATE INDEX "sf_records_object_name_key_idx" ON "sf_records" ("tenant_id", "object", "name_key", "sf_id");
