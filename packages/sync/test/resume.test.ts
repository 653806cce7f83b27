import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runInitialSync, SYNC_OBJECTS } from "../src";
import { checksum, connect, emulatorRows, runObjects, SMALL_COUNTS, startOrg, storedRows } from "./helpers";

const backends = await availableBackends();
const LEADS = 30_000;
const child = fileURLToPath(new URL("./fixtures/initial-child.ts", import.meta.url));
const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

/** Aborts a random 0–60 ms after the tenant's stored rows first grow (polled every 10 ms). */
function abortAfterProgress(db: TestDatabase, tenantId: string, controller: AbortController) {
  const stored = async () => Number(rowsOf(await db.platform.execute(sql`select count(*)::int as n from sf_records where tenant_id = ${tenantId}`))[0]!.n);
  let stopped = false;
  void (async () => {
    const before = await stored();
    while (!stopped && (await stored()) === before) await new Promise((resolve) => setTimeout(resolve, 10));
    if (stopped) return;
    await new Promise((resolve) => setTimeout(resolve, random(0, 60)));
    if (!stopped) controller.abort();
  })();
  return { stop: () => void (stopped = true) };
}

async function expectExactCopy(emu: EmulatorHandle, db: TestDatabase, tenantId: string, runId: string) {
  const counters = await runObjects(db, tenantId, runId);
  for (const object of SYNC_OBJECTS) {
    const expected = emulatorRows(emu, object);
    const stored = await storedRows(db, tenantId, object);
    expect(stored.length, object).toBe(expected.length);
    expect(new Set(stored.map((r) => r.id)).size, object).toBe(expected.length);
    expect(checksum(stored), object).toBe(checksum(expected));
    // Counters commit with the checkpoint, so a page read twice is never counted twice.
    expect(
      counters.find((c) => c.object === object),
      object,
    ).toMatchObject({ status: "succeeded", processed: expected.length, created: expected.length });
  }
}

describe.each(backends)("resume after a crash on %s", (backend) => {
  let emu: EmulatorHandle;
  let db: TestDatabase;

  beforeAll(async () => {
    emu = await startOrg({ counts: { ...SMALL_COUNTS, Lead: LEADS } });
    db = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("continues from the last checkpoint after aborts at random points", { timeout: 300_000 }, async () => {
    const { tenantId } = await createTenantFixture(db);
    let aborts = 0;
    for (let attempt = 0; attempt < 40; attempt++) {
      const conn = await connect(emu);
      const controller = new AbortController();
      // Six aborts, then the attempt that is let finish. Each abort falls a random 0–60 ms after the
      // attempt's first committed chunk (a point fixed in time would let a fast machine finish the
      // whole run before the sixth): every aborted attempt makes progress and leaves work to resume.
      const armed = aborts < 6 ? abortAfterProgress(db, tenantId, controller) : undefined;
      try {
        const outcome = await runInitialSync({ database: db, tenantId, runId: "aborted", conn, signal: controller.signal, options: { bulkPageSize: 1_000 } });
        expect(outcome).toEqual({ outcome: "completed" });
        break;
      } catch {
        expect(controller.signal.aborted).toBe(true);
        aborts++;
      } finally {
        armed?.stop();
      }
    }
    expect(aborts).toBe(6);
    await expectExactCopy(emu, db, tenantId, "aborted");
  });

  it.runIf(backend === "postgres")("survives the worker process being killed at five or more random points", { timeout: 300_000 }, async () => {
    const { tenantId } = await createTenantFixture(db);
    const user = emu.users[0]!;
    const env = {
      ...process.env,
      CHILD_DATABASE_URL: db.runtimeUrl!,
      CHILD_DATABASE_PLATFORM_URL: db.platformUrl!,
      CHILD_LOGIN_URL: emu.loginUrl,
      CHILD_SF_USER: user.username,
      CHILD_SF_PASSWORD: user.password + user.securityToken,
      CHILD_TENANT_ID: tenantId,
      CHILD_RUN_ID: "killed",
      CHILD_PAGE_SIZE: "1500",
    };
    let kills = 0;
    let finished = false;
    for (let attempt = 0; attempt < 30 && !finished; attempt++) {
      // node itself, not the tsx wrapper: SIGKILL must hit the process that syncs.
      const proc = spawn(process.execPath, ["--import", "tsx", child], { env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      let errors = "";
      proc.stderr.on("data", (d: Buffer) => (errors += d.toString()));
      const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
      await new Promise<void>((resolve) =>
        proc.stdout
          .on("data", (d: Buffer) => {
            output += d.toString();
            if (output.includes("started")) resolve();
          })
          .on("end", () => resolve()),
      );
      // Killed a random moment after the next committed Lead page (or while still reading the first).
      let timer: NodeJS.Timeout | undefined;
      if (kills < 5) {
        const pagesBefore = output.split("page").length;
        timer = setTimeout(() => proc.kill("SIGKILL"), random(2_000, 4_000));
        let armed = false;
        proc.stdout.on("data", () => {
          if (!armed && output.split("page").length > pagesBefore + 1 && timer) {
            armed = true;
            clearTimeout(timer);
            timer = setTimeout(() => proc.kill("SIGKILL"), random(0, 300));
          }
        });
      }
      const code = await exited;
      if (timer) clearTimeout(timer);
      if (code === 0) {
        expect(output).toContain('"outcome":"completed"');
        finished = true;
      } else {
        expect(errors).not.toMatch(/Error:(?!.*SIGKILL)/);
        kills++;
      }
    }
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(finished).toBe(true);
    console.log(`[${backend}] initial sync finished after ${kills} kills`);
    await expectExactCopy(emu, db, tenantId, "killed");
  });
});
