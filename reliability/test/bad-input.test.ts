import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import jsforce from "jsforce";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant, rowsOf } from "@ferry/db";
import { createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runInitialSync, type SyncOptions } from "@ferry/sync";
import { productionCommand } from "@ferry/web/testing";
import { checksum, connect, emulatorRows, SMALL_COUNTS, startOrg, storedRows } from "@ferry/sync/testing";
import { record, SIZE } from "../src/harness";

type Corruption = "truncated-csv" | "bad-date" | "not-a-number" | "unexpected-column" | "html-instead-of-json" | "none";
const PAGE = 500;
const options: SyncOptions = { bulkThreshold: 1_000, bulkPageSize: PAGE, retry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 2 } };

/**
 * A real HTTP hop between the engine and the emulator that damages one kind of response: the second
 * Lead Bulk results page (truncated mid-row, a bad date, an unexpected column) or a REST query
 * answered with an HTML page. Everything else passes through unchanged.
 */
async function corruptingProxy(target: string) {
  let mode: Corruption = "none";
  let leadPages = 0;
  let leadJob: string | undefined;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url!, target);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !["host", "content-length", "connection"].includes(k))) as Record<
      string,
      string
    >;
    const upstream = await fetch(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    let body = Buffer.from(await upstream.arrayBuffer());
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!["content-length", "transfer-encoding", "content-encoding", "connection"].includes(k)) out[k] = v;
    });
    let status = upstream.status;
    if (req.method === "POST" && url.pathname.endsWith("/jobs/query") && /FROM Lead/.test(body.toString() + Buffer.concat(chunks).toString())) {
      leadJob = (JSON.parse(body.toString()) as { id: string }).id;
    }
    const results = /\/jobs\/query\/([^/]+)\/results$/.exec(url.pathname);
    if (results && results[1] === leadJob && ++leadPages === 2) {
      const text = body.toString();
      const lines = text.split("\n");
      if (mode === "truncated-csv") body = Buffer.from(text.slice(0, Math.floor(text.length / 2)));
      const damage = (field: string, cell: string) => {
        const header = lines[0]!.split(",");
        const col = header.findIndex((h) => h.replace(/"/g, "") === field);
        const cells = lines[5]!.split(",");
        cells[col] = cell;
        lines[5] = cells.join(",");
        body = Buffer.from(lines.join("\n"));
      };
      if (mode === "bad-date") damage("CreatedDate", '"2026-13-45T99:99:99.000+0000"');
      // Postgres reads NaN as a number; Salesforce never sends one.
      if (mode === "not-a-number") damage("AnnualRevenue", '"NaN"');
      if (mode === "unexpected-column") body = Buffer.from(lines.map((l, i) => (l ? `${l},${i === 0 ? '"Unexpected__c"' : '"surprise"'}` : l)).join("\n"));
    }
    if (mode === "html-instead-of-json" && url.pathname.endsWith("/query") && /FROM Lead/.test(url.searchParams.get("q") ?? "")) {
      status = 200;
      out["content-type"] = "text/html";
      body = Buffer.from("<html><body><h1>Maintenance</h1>We'll be back soon.</body></html>");
    }
    res.writeHead(status, out);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(next: Corruption) {
      mode = next;
      leadPages = 0;
      leadJob = undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("bad input", () => {
  let emu: EmulatorHandle;
  let db: TestDatabase;
  let proxy: Awaited<ReturnType<typeof corruptingProxy>>;
  beforeAll(async () => {
    emu = await startOrg({ counts: { ...SMALL_COUNTS, Lead: 2_000 } });
    db = await createTestDatabase("postgres");
    proxy = await corruptingProxy(emu.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await db?.drop();
    await emu?.stop();
  });

  it.each(["truncated-csv", "bad-date", "not-a-number", "unexpected-column", "html-instead-of-json"] as const)(
    "malformed Salesforce data (%s) is reported, not stored half-way",
    async (mode) => {
      const { tenantId } = await createTenantFixture(db);
      const login = await connect(emu);
      const conn = new jsforce.Connection({ instanceUrl: proxy.url, accessToken: login.accessToken!, version: "62.0" });
      proxy.set(mode);
      let outcome: string;
      try {
        outcome = JSON.stringify(
          await runInitialSync({
            database: db,
            tenantId,
            runId: `bad-${mode}`,
            conn,
            objects: ["Lead"],
            options: mode === "html-instead-of-json" ? { ...options, bulkThreshold: 100_000 } : options,
          }),
        );
      } catch (error) {
        outcome = `threw ${(error as { code?: string }).code ?? (error as Error).name}`;
      }
      const run = rowsOf(
        await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select status, error, error_code from sync_runs where id = ${`bad-${mode}`}`)),
      )[0] as { status: string; error: string | null; error_code: string | null };
      const stored = await storedRows(db, tenantId, "Lead");
      const truth = new Map(emulatorRows(emu, "Lead").map((r) => [r.id, r]));
      // Every stored row must equal Salesforce's, and only whole pages may be stored.
      const wrong = stored.filter((r) => checksum([r]) !== checksum([truth.get(r.id) ?? { id: r.id, fields: {} }])).length;
      const pageSize = mode === "html-instead-of-json" ? 2_000 : PAGE;
      const wholePages = stored.length % pageSize === 0 || stored.length === truth.size;
      proxy.set("none");
      const retried = await runInitialSync({ database: db, tenantId, runId: `bad-${mode}`, conn: await connect(emu), objects: ["Lead"], options });
      const afterRetry = await storedRows(db, tenantId, "Lead");
      const exact = checksum(afterRetry) === checksum([...truth.values()]);
      const clean = wrong === 0 && wholePages && exact;
      // An extra column is harmless when ignored; every other damage must stop the page.
      const harmless = mode === "unexpected-column";
      record(
        "5 malformed Salesforce data",
        mode,
        clean && (harmless || run.status !== "succeeded") ? (harmless ? "pass (ignored, not reported)" : "pass") : "FAIL",
        {
          outcome,
          run: `${run.status}/${run.error_code}`,
          reason: String(run.error).slice(0, 110),
          "rows stored": stored.length,
          "rows differing from Salesforce": wrong,
          "only whole pages stored": String(wholePages),
          "exact after the source is fixed": String(exact),
        },
      );
      expect(wrong).toBe(0);
      expect(wholePages).toBe(true);
      expect(exact).toBe(true);
      expect(retried).toEqual({ outcome: "completed" });
      if (!harmless) expect(run.status, "a damaged page must not let the run succeed").not.toBe("succeeded");
      // A damaged cell is named with its field, so the admin knows what to correct in Salesforce.
      if (mode === "bad-date") expect(run.error).toContain('"2026-13-45T99:99:99.000+0000" for CreatedDate, which is not a valid datetime');
      if (mode === "not-a-number") expect(run.error).toContain('"NaN" for AnnualRevenue, which is not a valid currency');
    },
  );

  it("a worker with malformed env exits with a clear message, not a stack trace", async () => {
    const { command, args, cwd } = productionCommand("worker");
    const all: Record<string, Record<string, string>> = {
      "mysql URL": { DATABASE_URL: "mysql://root@localhost/ferry" },
      "negative concurrency": { DATABASE_URL: "postgres://x@127.0.0.1:1/x", WORKER_TENANT_CONCURRENCY: "-3" },
      "short master key": { DATABASE_URL: "postgres://x@127.0.0.1:1/x", FERRY_MASTER_KEY: "abc" },
      "unknown log level": { DATABASE_URL: "postgres://x@127.0.0.1:1/x", LOG_LEVEL: "loud'; drop table tenants;--" },
    };
    // Each case boots a worker (seconds on a loaded machine): CI tries two.
    const cases = SIZE === "full" ? all : Object.fromEntries(Object.entries(all).filter(([k]) => k === "mysql URL" || k === "unknown log level"));
    const results: string[] = [];
    for (const [name, env] of Object.entries(cases)) {
      const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH!, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      const clear = code === 1 && !/\n\s+at /.test(stderr) && stderr.trim().length > 0 && stderr.length < 2_000;
      results.push(`${name}: exit ${code}, ${clear ? "clear" : "UNCLEAR"}: ${stderr.trim().split("\n")[0]?.slice(0, 90)}`);
      expect(code, name).toBe(1);
      expect(stderr, name).not.toMatch(/\n\s+at /);
    }
    record("5 malformed env", `worker started with ${results.length} malformed environments`, results.every((r) => r.includes(", clear")) ? "pass" : "FAIL", {
      results: results.join(" | "),
    });
  });
});
