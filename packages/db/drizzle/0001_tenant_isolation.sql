-- Tenant isolation that drizzle-kit cannot express: the runtime role, FORCE ROW LEVEL SECURITY,
-- and grants. Later migrations that add tenant tables end with `SELECT ferry_secure_tenant_tables();`.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ferry_app') THEN
    CREATE ROLE ferry_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  EXECUTE format('GRANT ferry_app TO %I', current_user);
EXCEPTION WHEN others THEN
  -- A superuser may already switch to any role; nothing to grant then.
  NULL;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO ferry_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION ferry_secure_tenant_tables() RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.relname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind = 'r'
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.relname);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t.relname);
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = t.relname AND policyname = 'tenant_isolation') THEN
      EXECUTE format(
        'CREATE POLICY tenant_isolation ON %I FOR ALL USING (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')) WITH CHECK (tenant_id = nullif(current_setting(''app.tenant_id'', true), ''''))',
        t.relname);
    END IF;
    IF t.relname = 'audit_log' THEN
      EXECUTE format('GRANT SELECT, INSERT ON %I TO ferry_app', t.relname);
    ELSE
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO ferry_app', t.relname);
    END IF;
  END LOOP;
END
$fn$;
--> statement-breakpoint
SELECT ferry_secure_tenant_tables();
--> statement-breakpoint
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON tenants FOR ALL
  USING (id = nullif(current_setting('app.tenant_id', true), ''))
  WITH CHECK (id = nullif(current_setting('app.tenant_id', true), ''));
--> statement-breakpoint
GRANT SELECT, UPDATE ON tenants TO ferry_app;
--> statement-breakpoint
-- Member lists show names and emails; the runtime role sees no credentials or session tokens.
GRANT SELECT (id, name, email, image, role, created_at) ON users TO ferry_app;
