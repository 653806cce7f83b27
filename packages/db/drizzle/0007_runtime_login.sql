-- The runtime login (DATABASE_URL) is a member of ferry_app and gets exactly ferry_app's grants:
-- DML on tenant tables under FORCE row-level security (ferry_secure_tenant_tables, which every
-- migration adding a tenant table calls), SELECT/UPDATE on tenants, and a few columns of users.
-- Global tables (sessions, accounts, verifications, pg-boss, migrations) stay with the platform
-- login. Nothing here grants tables by default: a table a later migration adds is invisible to
-- the runtime until that migration grants it, so a forgotten grant fails loudly, never open.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ferry_app;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION ferry_secure_tenant_tables() FROM PUBLIC;
--> statement-breakpoint
DO $$
BEGIN
  -- Before PostgreSQL 15 every role may create tables in public, and a table the runtime login
  -- created would be its own, outside row-level security. Only the schema's owner may revoke.
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'ferry: not the owner of schema public; revoke CREATE on it from PUBLIC yourself';
END
$$;
