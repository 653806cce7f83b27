/**
 * Embedded mode in one process, as `pnpm start` runs it: PGlite in memory and the pg-boss worker on
 * the same instance. BENCH_MODE=limit runs the limit pipeline into PGlite, BENCH_MODE=careful the careful peer; BENCH_MODE=ferry sends
 * one sync.initial job to an in-process worker and waits for the run. Prints one RESULT line.
 */
import jsforce from "jsforce";
import { sql } from "drizzle-orm";
import { createTenantFixture, createTestDatabase } from "@ferry/db/testing";
import { createLogger } from "@ferry/observability";
import { runInitialSync, type SyncEmitter } from "@ferry/sync";
import { startWorker } from "@ferry/jobs";
import { PGlite } from "@electric-sql/pglite";
import { runCarefulPeer } from "./careful";
import { runLimitPipeline } from "./pipeline";
import { memoryOf, type EmulatorProcess } from "./lib";

const emu = JSON.parse(process.env.BENCH_EMULATOR!) as EmulatorProcess;
const mode = process.env.BENCH_MODE;
const logger = createLogger({ name: "bench-embedded", level: "warn" });

if (mode === "limit" || mode === "careful") {
  const pglite = await PGlite.create();
  const result = await (mode === "limit" ? runLimitPipeline : runCarefulPeer)(emu, { kind: "pglite", pglite });
  await pglite.close();
  process.stdout.write(`RESULT ${JSON.stringify({ ...result, peakMb: memoryOf(process.pid)?.peakMb })}\n`);
} else {
  const db = await createTestDatabase("pglite");
  const { tenantId } = await createTenantFixture(db);
  let events = 0;
  // The embedded server's emitter goes to socket.io in the same process; counting stands in for it.
  const emitter: SyncEmitter = { emit: async () => void events++ };
  let finished: (outcome: string) => void = () => {};
  const done = new Promise<string>((resolve) => (finished = resolve));
  let startedAt = 0;
  const worker = await startWorker({
    boss: { kind: "pglite", pglite: db.pglite! },
    logger,
    schedule: false,
    handlers: {
      "sync.initial": async ({ tenantId: t, runId }, job) => {
        startedAt = Date.now();
        const conn = new jsforce.Connection({ loginUrl: emu.url, version: "62.0" });
        await conn.login(emu.username, emu.password + emu.token);
        const outcome = await runInitialSync({ database: db, tenantId: t, runId, conn, emitter, signal: job.signal, logger: job.logger });
        finished(outcome.outcome);
      },
    },
  });
  const sentAt = Date.now();
  await worker.send("sync.initial", { tenantId, runId: "embedded-initial" });
  const outcome = await done;
  const end = Date.now();
  const rows = await db.platform.execute(sql`select count(*)::int as n from sf_records`);
  const records = (rows as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0;
  await worker.stop();
  await db.drop();
  process.stdout.write(
    `RESULT ${JSON.stringify({ outcome, seconds: (end - sentAt) / 1000, runSeconds: (end - startedAt) / 1000, records, events, peakMb: memoryOf(process.pid)?.peakMb })}\n`,
  );
}
process.exit(0);
