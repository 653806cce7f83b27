import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
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

  // Another process holds the directory's lock the way an open Ferry does (proper-lockfile with
  // the lock beside the directory, its pid beside the lock), then is killed without releasing it.
  async function lockInAnotherProcess(dataDir: string) {
    const lockfilePath = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.lock`);
    const script = `
      const lockfile = require(${JSON.stringify(createRequire(import.meta.url).resolve("proper-lockfile"))});
      lockfile.lock(${JSON.stringify(dataDir)}, { lockfilePath: ${JSON.stringify(lockfilePath)}, stale: 86400000, update: 60000, realpath: false }).then(() => {
        require("node:fs").writeFileSync(${JSON.stringify(`${lockfilePath}.pid`)}, String(process.pid));
        process.stdout.write("locked");
        setInterval(() => {}, 1000);
      });`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`the locking process exited (${code})`)));
    });
    const killed = new Promise((resolve) => child.once("exit", resolve));
    return { lockfilePath, pid: child.pid!, kill: async () => (child.kill("SIGKILL"), await killed) };
  }

  it("refuses a directory another live process holds, and takes it over once that process is killed", async () => {
    const dataDir = path.join(dir, "killed");
    await (await openDatabase({ dataDir })).close();
    const other = await lockInAnotherProcess(dataDir);
    await expect(openDatabase({ dataDir })).rejects.toThrow(new RegExp(`another Ferry process \\(pid ${other.pid}\\)`));
    await other.kill();
    const next = await openDatabase({ dataDir });
    expect(await next.pglite!.query("select 1 as ok")).toMatchObject({ rows: [{ ok: 1 }] });
    await next.close();
  });

  it("takes over a lock left without its pid by a process killed while it stopped, once it is seconds old", async () => {
    const dataDir = path.join(dir, "killed-stopping");
    await (await openDatabase({ dataDir })).close();
    const other = await lockInAnotherProcess(dataDir);
    await other.kill();
    rmSync(`${other.lockfilePath}.pid`);
    // A lock this young may be an owner between locking and writing its pid.
    await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(DatabaseLockedError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(other.lockfilePath, old, old);
    const next = await openDatabase({ dataDir });
    expect(await next.pglite!.query("select 1 as ok")).toMatchObject({ rows: [{ ok: 1 }] });
    await next.close();
  });

  it("reports unapplied migrations on a fresh database", async () => {
    const handle = await openDatabase({ inMemory: true });
    expect(await migrationStatus(handle)).toEqual({ applied: 0, expected: expectedMigrations() });
    await handle.close();
  });
});
