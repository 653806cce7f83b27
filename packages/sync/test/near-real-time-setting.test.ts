import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { salesforceConnections, withTenant } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase } from "@ferry/db/testing";
import { ForbiddenError, NotFoundError, setNearRealTime, viewNearRealTime, type TenantContext } from "@ferry/services";
import { rowsOf } from "@ferry/db";

const backends = await availableBackends();

describe.each(backends)("the near-real-time setting on %s", (backend) => {
  it("is turned on and off by owners and admins only, audited once per change, and shown with the stream's state", async () => {
    const db = await createTestDatabase(backend);
    try {
      const fixture = await createTenantFixture(db);
      const { tenantId } = fixture;
      const actor = { userId: fixture.ownerId, email: fixture.ownerEmail, name: "Owner", isStaff: false };
      const owner: TenantContext = { db: db.db, tenantId, actor, access: { kind: "member", role: "owner" } };
      const viewer: TenantContext = { ...owner, access: { kind: "member", role: "viewer" } };
      const readOnlySupport: TenantContext = { ...owner, access: { kind: "support", grantId: "g1", mode: "read" } };

      await expect(setNearRealTime({ ctx: owner, input: { enabled: true } })).rejects.toBeInstanceOf(NotFoundError);
      await db.platform.insert(salesforceConnections).values({ tenantId, state: "syncing", syncEnabled: true, orgId: "00D000000000031AAA" });
      await expect(setNearRealTime({ ctx: viewer, input: { enabled: true } })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(setNearRealTime({ ctx: readOnlySupport, input: { enabled: true } })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(setNearRealTime({ ctx: owner, input: { enabled: "yes" as unknown as boolean } })).rejects.toThrow(/on or off/);
      expect(await viewNearRealTime({ ctx: viewer })).toMatchObject({ enabled: false, state: "off", available: true, reason: null, minutes: [] });

      expect(await setNearRealTime({ ctx: owner, input: { enabled: true } })).toEqual({ enabled: true });
      expect(await setNearRealTime({ ctx: owner, input: { enabled: true } })).toEqual({ enabled: true });
      const view = await viewNearRealTime({ ctx: viewer });
      expect(view).toMatchObject({ enabled: true, state: "waiting" });
      expect(view.reason).toMatch(/worker/);

      // A worker holds the stream and has applied changes this minute.
      await db.platform.execute(
        sql`INSERT INTO cdc_streams (tenant_id, state, lease_owner, lease_expires_at, last_event_at, events_applied) VALUES (${tenantId}, 'live', 'w', now() + interval '30 seconds', now(), 3)`,
      );
      await db.platform.execute(
        sql`INSERT INTO cdc_minutes (tenant_id, minute, events, records, echoes, lag_ms_sum, lag_ms_max) VALUES (${tenantId}, date_trunc('minute', now()), 3, 3, 1, 900, 500)`,
      );
      const live = await viewNearRealTime({ ctx: viewer });
      expect(live).toMatchObject({ enabled: true, state: "live", reason: null, eventsApplied: 3 });
      expect(live.minutes).toEqual([expect.objectContaining({ events: 3, echoes: 1, lagMsAvg: 300, lagMsMax: 500 })]);

      expect(await setNearRealTime({ ctx: owner, input: { enabled: false } })).toEqual({ enabled: false });
      const audit = rowsOf(
        await withTenant({ db: db.db, tenantId }, (tx) =>
          tx.execute(sql`select action, details from audit_log where action = 'salesforce.near_real_time.update' order by created_at`),
        ),
      );
      expect(audit).toEqual([
        { action: "salesforce.near_real_time.update", details: { from: false, to: true } },
        { action: "salesforce.near_real_time.update", details: { from: true, to: false } },
      ]);
    } finally {
      await db.drop();
    }
  });
});
