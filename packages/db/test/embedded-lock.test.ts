import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DatabaseLockedError, expectedMigrations, migrate, migrationStatus, openDatabase, tenants } from "../src";

const dir = mkdtempSync(path.join(tmpdir(), "ferry-pglite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("embedded database", () => {
  it("persists across reopen and refuses a second owner of the data directory", async () => {
    const dataDir = path.join(dir, "pglite");
    const first = await openDatabase({ dataDir });
    await migrate(first);
    expect(await migrationStatus(first)).toEqual({ applied: expectedMigrations(), expected: expectedMigrations() });
    await first.platform.insert(tenants).values({ id: "t1", name: "Acme", slug: "acme" });

    await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(DatabaseLockedError);
    await expect(openDatabase({ dataDir })).rejects.toThrow(/already open in another Ferry process/);

    await first.close();
    const second = await openDatabase({ dataDir });
    const rows = await second.platform.select().from(tenants);
    expect(rows.map((r) => r.slug)).toEqual(["acme"]);
    await second.close();
  });

  it("takes over at once from an owner that crashed", async () => {
    const dataDir = path.join(dir, "crashed");
    const first = await openDatabase({ dataDir });
    await first.pglite!.close();
    // The owner died without releasing: its lock stays, and its pid names a process that is gone.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(path.join(dir, "crashed.lock.pid"), gone.stdout);
    const second = await openDatabase({ dataDir });
    expect(await second.pglite!.query("select 1 as ok")).toMatchObject({ rows: [{ ok: 1 }] });
    await second.close();
  });

  it("reports unapplied migrations on a fresh database", async () => {
    const handle = await openDatabase({ inMemory: true });
    expect(await migrationStatus(handle)).toEqual({ applied: 0, expected: expectedMigrations() });
    await handle.close();
  });
});
