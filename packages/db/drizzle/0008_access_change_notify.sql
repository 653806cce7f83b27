-- Every change that can end or narrow what a signed-in user may receive on a live socket
-- (session deleted or shortened, membership added, removed or re-roled, staff flag or ban changed)
-- notifies the channel `ferry_access` with the user's id, whatever path made it: better-auth,
-- Ferry's services, or SQL typed by hand. Each web process LISTENs and re-checks that user's
-- sockets (apps/web/src/server/socket-sessions.ts). NOTIFY is delivered at commit, so the
-- listener reads the committed state.
CREATE OR REPLACE FUNCTION ferry_notify_access_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  affected text;
BEGIN
  IF TG_TABLE_NAME = 'users' THEN
    affected := COALESCE(NEW.id, OLD.id);
  ELSIF TG_OP = 'DELETE' THEN
    affected := OLD.user_id;
  ELSE
    affected := NEW.user_id;
  END IF;
  PERFORM pg_notify('ferry_access', json_build_object('userId', affected, 'table', TG_TABLE_NAME)::text);
  -- A membership moved to another user also changes what the previous user may see.
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME <> 'users' THEN
    IF OLD.user_id IS DISTINCT FROM NEW.user_id THEN
      PERFORM pg_notify('ferry_access', json_build_object('userId', OLD.user_id, 'table', TG_TABLE_NAME)::text);
    END IF;
  END IF;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "sessions_access_deleted" AFTER DELETE ON "sessions"
  FOR EACH ROW EXECUTE FUNCTION ferry_notify_access_change();--> statement-breakpoint
-- Sliding expiry moves expires_at later on every renewal; only a shortened session needs a re-check.
CREATE TRIGGER "sessions_access_shortened" AFTER UPDATE OF "expires_at", "user_id" ON "sessions"
  FOR EACH ROW WHEN (NEW.expires_at < OLD.expires_at OR NEW.user_id IS DISTINCT FROM OLD.user_id)
  EXECUTE FUNCTION ferry_notify_access_change();--> statement-breakpoint
CREATE TRIGGER "memberships_access_changed" AFTER INSERT OR DELETE ON "memberships"
  FOR EACH ROW EXECUTE FUNCTION ferry_notify_access_change();--> statement-breakpoint
CREATE TRIGGER "memberships_access_updated" AFTER UPDATE OF "role", "tenant_id", "user_id" ON "memberships"
  FOR EACH ROW WHEN (NEW.role IS DISTINCT FROM OLD.role OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id OR NEW.user_id IS DISTINCT FROM OLD.user_id)
  EXECUTE FUNCTION ferry_notify_access_change();--> statement-breakpoint
CREATE TRIGGER "users_access_updated" AFTER UPDATE OF "role", "banned" ON "users"
  FOR EACH ROW WHEN (NEW.role IS DISTINCT FROM OLD.role OR NEW.banned IS DISTINCT FROM OLD.banned)
  EXECUTE FUNCTION ferry_notify_access_change();
