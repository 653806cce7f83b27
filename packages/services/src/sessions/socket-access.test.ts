import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberships, sessions, users } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TenantFixture, type TestDatabase } from "@ferry/db/testing";
import { socketAccess } from "./socket-access";

const HOUR = 3600_000;

describe.each(await availableBackends())("socketAccess and the access-change notifications (%s)", (backend) => {
  let db: TestDatabase;
  let fixture: TenantFixture;
  const heard: string[] = [];
  let unlisten: () => Promise<void>;

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    fixture = await createTenantFixture(db, { role: "admin" });
    const onChange = (payload: string) => heard.push((JSON.parse(payload) as { userId: string }).userId);
    unlisten = db.kind === "pglite" ? await db.pglite!.listen("ferry_access", onChange) : (await db.sql!.listen("ferry_access", onChange)).unlisten;
  });
  afterAll(async () => {
    await unlisten?.();
    await db?.drop();
  });

  async function session(id: string, options: { expiresInMs?: number; createdAgoMs?: number } = {}) {
    await db.platform.insert(sessions).values({
      id,
      token: `token-${id}`,
      userId: fixture.ownerId,
      expiresAt: new Date(Date.now() + (options.expiresInMs ?? HOUR)),
      createdAt: new Date(Date.now() - (options.createdAgoMs ?? 0)),
    });
  }

  async function notified(userId: string, change: () => Promise<unknown>, waitMs = 5000) {
    heard.length = 0;
    await change();
    const deadline = Date.now() + waitMs;
    while (!heard.includes(userId) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return heard.includes(userId);
  }

  it("gives a live session its tenants, roles and end; the earlier of idle expiry and the absolute limit", async () => {
    await session("s-live", { expiresInMs: HOUR, createdAgoMs: 11.5 * HOUR });
    const access = await socketAccess({ db: db.platform, userId: fixture.ownerId, sessionId: "s-live", absoluteSeconds: 12 * 3600 });
    expect(access?.tenantIds).toEqual([fixture.tenantId]);
    expect(access?.roles).toEqual({ [fixture.tenantId]: "admin" });
    // created 11.5 h ago with a 12 h limit: it ends in half an hour, before its idle expiry in an hour.
    expect(access!.expiresAt - Date.now()).toBeGreaterThan(0.45 * HOUR);
    expect(access!.expiresAt - Date.now()).toBeLessThanOrEqual(0.5 * HOUR);
  });

  it("is null for a missing, idle-expired, absolutely expired or someone else's session, and for a banned user", async () => {
    await session("s-idle", { expiresInMs: -1000 });
    await session("s-old", { createdAgoMs: 13 * HOUR });
    await session("s-banned");
    const check = (sessionId: string, userId = fixture.ownerId) => socketAccess({ db: db.platform, userId, sessionId, absoluteSeconds: 12 * 3600 });
    expect(await check("s-none")).toBeNull();
    expect(await check("s-idle")).toBeNull();
    expect(await check("s-old")).toBeNull();
    expect(await check("s-live", "someone-else")).toBeNull();
    await db.platform.update(users).set({ banned: true }).where(eq(users.id, fixture.ownerId));
    expect(await check("s-banned")).toBeNull();
    await db.platform.update(users).set({ banned: false }).where(eq(users.id, fixture.ownerId));
    expect(await check("s-banned")).not.toBeNull();
  });

  it("notifies ferry_access for every change that can narrow a socket's access, whatever made it", async () => {
    await session("s-notify");
    expect(
      await notified(fixture.ownerId, () =>
        db.platform
          .update(sessions)
          .set({ expiresAt: new Date(Date.now() + 60_000) })
          .where(eq(sessions.id, "s-notify")),
      ),
    ).toBe(true);
    expect(await notified(fixture.ownerId, () => db.platform.delete(sessions).where(eq(sessions.id, "s-notify")))).toBe(true);
    expect(await notified(fixture.ownerId, () => db.platform.update(memberships).set({ role: "viewer" }).where(eq(memberships.userId, fixture.ownerId)))).toBe(
      true,
    );
    expect(await notified(fixture.ownerId, () => db.platform.update(users).set({ role: "staff" }).where(eq(users.id, fixture.ownerId)))).toBe(true);
    expect(await notified(fixture.ownerId, () => db.platform.delete(memberships).where(eq(memberships.userId, fixture.ownerId)))).toBe(true);
    expect(await socketAccess({ db: db.platform, userId: fixture.ownerId, sessionId: "s-live", absoluteSeconds: 12 * 3600 })).toMatchObject({
      tenantIds: [],
      roles: {},
    });
  });

  it("stays quiet when a session is only renewed (sliding expiry moves it later)", async () => {
    await session("s-renew");
    expect(
      await notified(
        fixture.ownerId,
        () =>
          db.platform
            .update(sessions)
            .set({ expiresAt: new Date(Date.now() + 2 * HOUR) })
            .where(eq(sessions.id, "s-renew")),
        1000,
      ),
    ).toBe(false);
  });
});
