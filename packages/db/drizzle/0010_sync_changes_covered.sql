-- The end of the last window in which Salesforce's Get Updated / Get Deleted saw no change the
-- engine has not read (their latestDateCovered): an incremental cycle asks both resources of every
-- object from here in one /composite request, and queries only the objects that changed.
ALTER TABLE "sync_checkpoints" ADD COLUMN "changes_covered_at" timestamp with time zone;
