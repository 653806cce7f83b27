-- The foreign key from sf_records to tenants checked every inserted row with a query of its own
-- (a trigger per row, run at the end of each statement: a million of them in a 1,000,000-Lead load).
-- The triggers below keep what it guaranteed with one check per statement.
ALTER TABLE "sf_records" DROP CONSTRAINT "sf_records_tenant_id_tenants_id_fk";
--> statement-breakpoint
-- Every tenant a statement's rows name must exist: one check per statement, over the distinct
-- tenants of the rows it inserted (usually one). Each is locked FOR KEY SHARE, as the key's check
-- locked it, so a tenant being deleted waits for this transaction and then deletes these rows too.
-- SECURITY DEFINER: the owner (superuser or BYPASSRLS) sees every tenant; its search_path puts the
-- caller's temporary objects last, so none can stand in for a name used here.
CREATE FUNCTION sf_records_check_tenants() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  named text[];
  missing text;
BEGIN
  named := ARRAY(SELECT DISTINCT tenant_id FROM new_rows);
  PERFORM 1 FROM public.tenants WHERE id = ANY (named) FOR KEY SHARE;
  SELECT n INTO missing FROM unnest(named) n WHERE NOT EXISTS (SELECT 1 FROM public.tenants t WHERE t.id = n) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'sf_records rows name tenant "%", which does not exist', missing
      USING ERRCODE = 'foreign_key_violation', TABLE = 'sf_records', COLUMN = 'tenant_id';
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER sf_records_tenant_exists AFTER INSERT ON sf_records
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sf_records_check_tenants();
--> statement-breakpoint
-- A record never moves to another tenant (stricter than the key was; nothing does it).
CREATE FUNCTION sf_records_keep_tenant() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'an sf_records row cannot move from tenant "%" to "%"', OLD.tenant_id, NEW.tenant_id
    USING ERRCODE = 'foreign_key_violation', TABLE = 'sf_records', COLUMN = 'tenant_id';
END
$$;
--> statement-breakpoint
CREATE TRIGGER sf_records_tenant_fixed BEFORE UPDATE OF tenant_id ON sf_records
  FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION sf_records_keep_tenant();
--> statement-breakpoint
-- ON DELETE CASCADE, as the key had it. SECURITY DEFINER: row-level security would hide the rows.
CREATE FUNCTION tenants_delete_records() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  DELETE FROM public.sf_records WHERE tenant_id = OLD.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER tenants_delete_records AFTER DELETE ON tenants
  FOR EACH ROW EXECUTE FUNCTION tenants_delete_records();
