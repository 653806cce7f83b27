import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { ForbiddenError } from "../errors";
import { platformRead } from "./platform";

const staff = { userId: "usr_staff", email: "staff@ferry.test", name: "Staff", isStaff: true };

describe.each(await availableBackends())("the console's cross-tenant read (%s)", (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const tenant = await createTenantFixture(database);
    await database.platform.insert(auditLog).values({ tenantId: tenant.tenantId, id: "audit-1", actorUserId: tenant.ownerId, action: "tenant.create" });
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("is read-only at the database", async () => {
    const rows = await database.platform.select({ n: auditLog.id }).from(auditLog).limit(1);
    expect(rows.length).toBe(1);
    const attempt = platformRead({ db: database.platform, actor: { userId: "x", email: "x@ferry.test", name: "X", isStaff: true } }, (tx) =>
      tx.delete(auditLog),
    );
    await expect(attempt).rejects.toThrow();
    expect((await database.platform.select({ n: auditLog.id }).from(auditLog).limit(1)).length).toBe(1);
  });

  it("reads across tenants for staff only", async () => {
    expect(await platformRead({ db: database.platform, actor: staff }, (tx) => tx.select({ id: auditLog.id }).from(auditLog))).toEqual([{ id: "audit-1" }]);
    await expect(platformRead({ db: database.platform, actor: { ...staff, isStaff: false } }, (tx) => tx.select().from(auditLog))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });
});
