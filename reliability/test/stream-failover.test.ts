import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "@ferry/db";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runInitialSync, SYNC_OBJECTS } from "@ferry/sync";
import { rowsOf } from "@ferry/db";
import { checksum, emulatorRows, SMALL_COUNTS, startOrg, storedRows } from "@ferry/sync/testing";
import { connectedTenant, record, SIZE, startWorkerProcess, waitFor, workDir, type WorkerProcess } from "../src/harness";

// Full: the 500 events/s for 60 s. CI: the same rate for 20 s.
const RATE = 500;
const SECONDS = SIZE === "full" ? 60 : 20;
const LEASE_SECONDS = 3;

function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

describe("near-real-time: the real worker SIGKILLed mid-stream under 500 events/s", () => {
  let emu: EmulatorHandle;
  let db: TestDatabase;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    emu = await startOrg({ counts: SMALL_COUNTS, controlApi: true, cdc: [...SYNC_OBJECTS], pubsub: { keepaliveMs: 500 } });
    db = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    for (const w of workers) await w.kill("SIGKILL").catch(() => undefined);
    await db?.drop();
    await emu?.stop();
  });

  it(`applies ${RATE} events/s for ${SECONDS} s across a SIGKILL and a take-over: 0 differences, 0 duplicates, bounded memory`, async () => {
    const { tenantId } = await connectedTenant(db, emu);
    const user = emu.users[0]!;
    const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: "62.0" });
    await conn.login(user.username, user.password + user.securityToken);
    expect(await runInitialSync({ database: db, tenantId, runId: "initial", conn })).toEqual({ outcome: "completed" });
    await db.platform.execute(sql`UPDATE salesforce_connections SET near_real_time = true WHERE tenant_id = ${tenantId}`);
    const env = { FERRY_PUBSUB_ENDPOINT: emu.pubsubEndpoint!, FERRY_PUBSUB_CA_FILE: emu.pubsubCaFile!, STREAM_LEASE_SECONDS: String(LEASE_SECONDS) };
    const stream = async () =>
      rowsOf(
        await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`SELECT state, lease_owner, events_applied::int AS applied FROM cdc_streams`)),
      )[0] as { state: string; lease_owner: string | null; applied: number } | undefined;

    const first = await startWorkerProcess(db.platformUrl!, { env, logFile: join(workDir, "stream-worker-a.log") });
    workers.push(first);
    await waitFor("the first worker's stream to be live", async () => (await stream())?.state === "live", 60_000);
    const ownerA = (await stream())!.lease_owner;
    // The state is live once the stream is asked for; the emulator registers the subscription when
    // the first FetchRequest reaches it, at the tip of the bus (a change before that is the catch-up
    // read's, not the stream's). Nothing is written before that, so its position is the head.
    await waitFor("the emulator to hold the subscription", async () => (emu.pubsub!.subscriptions.size > 0 ? true : undefined), 30_000);
    // Everything after this position must arrive exactly once.
    const position = emu.capture.head;

    const leads = emulatorRows(emu, "Lead")
      .filter((l) => l.fields.IsConverted !== true)
      .map((l) => l.id);
    let written = 0;
    let killedAt = 0;
    let second: WorkerProcess | undefined;
    let peakB = 0;
    const started = Date.now();
    for (let tick = 0; tick < SECONDS * 10; tick++) {
      for (let k = 0; k < RATE / 10; k++) emu.updateRecord(leads[written++ % leads.length]!, { Title: `t${tick}-${k}` });
      if (!killedAt && Date.now() - started > (SECONDS * 1000) / 3 && ((await stream())?.applied ?? 0) > 0) {
        // Mid-stream: the worker is applying batches right now.
        await first.kill("SIGKILL");
        killedAt = Date.now();
        second = await startWorkerProcess(db.platformUrl!, { env, logFile: join(workDir, "stream-worker-b.log") });
        workers.push(second);
      }
      if (second) peakB = Math.max(peakB, rssMb(second.pid).rss);
      const next = started + (tick + 1) * 100;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    const producedMs = Date.now() - started;
    expect(second, "the first worker was killed mid-stream").toBeDefined();
    const expected = emu.capture.events.filter((e) => e.seq > position).length;
    expect(expected).toBeGreaterThanOrEqual(RATE * SECONDS);
    await waitFor("every event to be applied", async () => ((await stream())?.applied ?? 0) >= expected || undefined, 180_000, 250).catch(
      async (error: unknown) => {
        throw new Error(`${String(error)}; stream ${JSON.stringify(await stream())}, ${expected} expected; worker logs in ${workDir}`);
      },
    );
    const drainedMs = Date.now() - started - producedMs;
    // The catch-up read the stream asked for when it first opened went through the real job queue and ran.
    await waitFor(
      "the stream's catch-up read to have run",
      async () => {
        const [row] = rowsOf(
          await withTenant({ db: db.db, tenantId }, (tx) =>
            tx.execute(sql`SELECT (SELECT catch_up_objects IS NULL FROM cdc_streams) AS taken,
                                  (SELECT count(*)::int FROM sync_runs WHERE kind = 'incremental' AND status = 'succeeded') AS ran`),
          ),
        ) as { taken: boolean; ran: number }[];
        return row?.taken && row.ran > 0;
      },
      240_000,
      250,
    );
    const takenOver = await stream();
    expect(takenOver!.lease_owner).not.toBe(ownerA);
    // No event twice: exactly as many applied as the bus holds after the position.
    expect(takenOver!.applied).toBe(expected);
    for (const object of SYNC_OBJECTS) {
      const want = emulatorRows(emu, object);
      const got = await storedRows(db, tenantId, object);
      expect(got.length, object).toBe(want.length);
      expect(checksum(got), object).toBe(checksum(want));
    }
    const memory = rssMb(second!.pid);
    // The window (500 events) bounds what a worker holds: its memory stays that of an idle worker plus a batch.
    expect(memory.peak).toBeLessThan(400);
    record(
      "stream-failover",
      `${RATE} events/s for ${SECONDS} s, worker SIGKILLed at ${Math.round((killedAt - started) / 1000)} s`,
      "0 differences, 0 duplicates",
      {
        events: expected,
        drainedAfterMs: drainedMs,
        workerPeakRssMb: Math.round(memory.peak),
        workerRssDuringLoadMb: Math.round(peakB),
      },
    );
  });
});
