import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "../src/migrate";

/** Migration 0006 on a database that already holds roles Ferry does not know (as better-auth could write them). */
describe("migration 0006: tenant roles are a closed set", () => {
  const before = mkdtempSync(path.join(os.tmpdir(), "ferry-0006-"));
  afterAll(() => rmSync(before, { recursive: true, force: true }));

  it("maps stray membership and invitation roles to viewer, then refuses any role but owner, admin and viewer", async () => {
    // The migrations up to 0005, as a database created before this change had them.
    cpSync(migrationsFolder, before, { recursive: true });
    const journalFile = path.join(before, "meta/_journal.json");
    const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < "0006");
    writeFileSync(journalFile, JSON.stringify(journal));

    const client = await PGlite.create();
    const db = drizzle(client);
    try {
      await migrate(db, { migrationsFolder: before });
      await db.execute(sql`insert into users (id, name, email) values ('u1', 'U1', 'u1@x.test'), ('u2', 'U2', 'u2@x.test'), ('u3', 'U3', 'u3@x.test')`);
      await db.execute(sql`insert into tenants (id, name, slug) values ('t1', 'T1', 't1')`);
      await db.execute(
        sql`insert into memberships (tenant_id, id, user_id, role) values ('t1', 'm1', 'u1', 'owner'), ('t1', 'm2', 'u2', 'member'), ('t1', 'm3', 'u3', '')`,
      );
      await db.execute(
        sql`insert into invitations (tenant_id, id, email, role, inviter_id, expires_at) values ('t1', 'i1', 'x@x.test', 'member', 'u1', now()), ('t1', 'i2', 'y@x.test', 'admin', 'u1', now())`,
      );

      await migrate(db, { migrationsFolder });
      const roles = (
        await client.query<{ id: string; role: string }>("select id, role from memberships union all select id, role from invitations order by id")
      ).rows;
      expect(roles).toEqual([
        { id: "i1", role: "viewer" },
        { id: "i2", role: "admin" },
        { id: "m1", role: "owner" },
        { id: "m2", role: "viewer" },
        { id: "m3", role: "viewer" },
      ]);
      for (const role of ["member", "", "Owner", "superuser"]) {
        await expect(client.query("update memberships set role = $1 where id = 'm2'", [role]), role).rejects.toThrow(/memberships_role_check/);
        await expect(client.query("update invitations set role = $1 where id = 'i1'", [role]), role).rejects.toThrow(/invitations_role_check/);
      }
    } finally {
      await client.close();
    }
  }, 60_000);
});
