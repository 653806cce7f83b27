// Prints when each object starts and each chunk commits during one initial sync: `tsx scripts/profile.ts [postgres|pglite] [leads]`.
import { createTenantFixture, createTestDatabase } from "@ferry/db/testing";
import { runInitialSync, type SyncEmitter } from "../src";
import { connect, SMALL_COUNTS, startOrg } from "../test/helpers";

for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];
const backend = (process.argv[2] ?? "postgres") as "postgres" | "pglite";
const emu = await startOrg({ counts: { ...SMALL_COUNTS, Lead: Number(process.argv[3] ?? 50000) } });
const db = await createTestDatabase(backend);
const { tenantId } = await createTenantFixture(db);
const conn = await connect(emu);
const t0 = Date.now();
const logger = { info: (o: object, m?: string) => console.log(Date.now() - t0, "ms", m, JSON.stringify(o)), warn: console.warn, error: console.error };
const emitter: SyncEmitter = {
  emit: async (_t, event, payload) => {
    if (event === "sync.progress") {
      const p = payload as { object?: string; processed: number };
      console.log(Date.now() - t0, "ms", p.object, p.processed);
    }
  },
};
const out = await runInitialSync({ database: db, tenantId, runId: "r1", conn, logger, emitter });
console.log(out, (Date.now() - t0) / 1000, "s");
await db.drop();
await emu.stop();
