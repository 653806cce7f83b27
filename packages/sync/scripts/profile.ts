import { createTenantFixture, createTestDatabase } from "@ferry/db/testing";
import { runInitialSync } from "../src";
import { connect, SMALL_COUNTS, startOrg } from "../test/helpers";

for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];
const backend = (process.argv[2] ?? "postgres") as "postgres" | "pglite";
const emu = await startOrg({ counts: { ...SMALL_COUNTS, Lead: Number(process.argv[3] ?? 50000) } });
const db = await createTestDatabase(backend);
const { tenantId } = await createTenantFixture(db);
const conn = await connect(emu);
let last = Date.now();
const t0 = Date.now();
const logger = { info: (o: object, m?: string) => { console.log(Date.now() - t0, "abs", m, JSON.stringify(o)); last = Date.now(); }, warn: console.warn, error: console.error };
const emitter = { emit: async (_t: string, e: string, p: any) => { if (e === "sync.progress") { console.log(Date.now() - t0, "abs", p.object, p.processed); last = Date.now(); } } };
const out = await runInitialSync({ database: db, tenantId, runId: "r1", conn, logger, emitter: emitter as any });
console.log(out, (Date.now() - t0) / 1000, "s");
await db.drop();
await emu.stop();
