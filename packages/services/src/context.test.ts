import { describe, expect, it } from "vitest";
import type { Database, TenantRole } from "@ferry/db";
import { requireRole, roleRank, type TenantAccess, type TenantContext } from "./context";
import { ForbiddenError } from "./errors";

function as(access: TenantAccess): TenantContext {
  return { db: {} as Database, actor: { userId: "u1", email: "u1@x.test", name: "U", isStaff: false }, tenantId: "t1", access };
}
// A row read from the database is typed TenantRole, but a stray value ("member", "", null) is what the check must survive.
const member = (role: unknown) => as({ kind: "member", role: role as TenantRole });

describe("requireRole", () => {
  it("orders the known roles owner > admin > viewer", () => {
    expect([roleRank("owner"), roleRank("admin"), roleRank("viewer")]).toEqual([2, 1, 0]);
    expect(() => requireRole(member("owner"), "owner")).not.toThrow();
    expect(() => requireRole(member("admin"), "admin")).not.toThrow();
    expect(() => requireRole(member("viewer"), "viewer")).not.toThrow();
    expect(() => requireRole(member("admin"), "owner")).toThrow(ForbiddenError);
    expect(() => requireRole(member("viewer"), "admin")).toThrow(ForbiddenError);
  });

  for (const [label, role] of [
    ["an unknown role", "member"],
    ["a role differing in case", "Owner"],
    ["an empty role", ""],
    ["a missing role", undefined],
    ["a null role", null],
    ["a prototype key", "constructor"],
    ["a non-string role", 2],
  ] as const) {
    it(`refuses ${label} even the lowest level`, () => {
      for (const minimum of ["viewer", "admin", "owner"] as const) {
        expect(() => requireRole(member(role), minimum)).toThrow(ForbiddenError);
      }
    });
  }

  it("treats support access by its mode, and an unknown mode as nothing", () => {
    expect(() => requireRole(as({ kind: "support", grantId: "g", mode: "read" }), "viewer")).not.toThrow();
    expect(() => requireRole(as({ kind: "support", grantId: "g", mode: "read" }), "admin")).toThrow(/read-only/);
    expect(() => requireRole(as({ kind: "support", grantId: "g", mode: "write" }), "admin")).not.toThrow();
    expect(() => requireRole(as({ kind: "support", grantId: "g", mode: "write" }), "owner")).toThrow(ForbiddenError);
    expect(() => requireRole(as({ kind: "support", grantId: "g", mode: "delete" as "write" }), "viewer")).toThrow(ForbiddenError);
  });
});
