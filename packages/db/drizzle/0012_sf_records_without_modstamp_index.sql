-- Nothing reads sf_records by (tenant, object, SystemModstamp): incremental cycles track their
-- watermark in sync_checkpoints, and the record browser sorts by name or email. The index only cost
-- every stored row one more index insert.
DROP INDEX IF EXISTS "sf_records_modstamp_idx";
