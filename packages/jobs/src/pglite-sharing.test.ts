import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestWorker, waitUntil } from "../test/harness";
import type { Worker } from "./worker";

// Embedded mode shares one PGlite between pg-boss and the app. PGlite serialises every query() and
// exec() behind the same lock that transaction() holds for its whole callback, so pg-boss statements
// cannot land inside an application transaction, nor the reverse.
let pglite: PGlite;
let worker: Worker;
const jobsDone: string[] = [];

beforeAll(async () => {
  pglite = await PGlite.create();
  await pglite.exec("CREATE TABLE ledger (id serial PRIMARY KEY, source text NOT NULL, n int NOT NULL)");
  worker = await startTestWorker(
    { kind: "pglite", pglite },
    {
      "sync.push": async ({ runId }) => {
        await pglite.transaction(async (tx) => {
          await tx.query("INSERT INTO ledger (source, n) VALUES ('job', $1)", [Number(runId)]);
          await new Promise((resolve) => setTimeout(resolve, 20));
          await tx.query("INSERT INTO ledger (source, n) VALUES ('job', $1)", [Number(runId)]);
        });
        jobsDone.push(runId);
      },
    },
    { tenantConcurrency: 4 },
  );
});

afterAll(async () => {
  await worker?.stop();
  await pglite?.close();
});

it("application transactions and pg-boss work interleave on one PGlite without losing or leaking writes", async () => {
  for (let run = 0; run < 12; run++) {
    await worker.send("sync.push", { tenantId: `tenant-${run % 4}`, runId: String(run) });
  }
  const appTransactions = Array.from({ length: 40 }, (_, n) =>
    pglite
      .transaction(async (tx) => {
        await tx.query("INSERT INTO ledger (source, n) VALUES ('app', $1)", [n]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (n % 5 === 0) throw new Error("rolled back on purpose");
      })
      .then(
        () => "committed",
        (error: Error) => error.message,
      ),
  );
  const outcomes = await Promise.all(appTransactions);
  expect(outcomes.filter((outcome) => outcome === "committed")).toHaveLength(32);
  expect(outcomes.filter((outcome) => outcome === "rolled back on purpose")).toHaveLength(8);

  await waitUntil(() => jobsDone.length === 12, 30_000);
  const { rows } = await pglite.query<{ source: string; count: number }>("SELECT source, count(*)::int AS count FROM ledger GROUP BY source ORDER BY source");
  expect(rows).toEqual([
    { source: "app", count: 32 },
    { source: "job", count: 24 },
  ]);
  const { rows: rolledBack } = await pglite.query("SELECT 1 FROM ledger WHERE source = 'app' AND n % 5 = 0");
  expect(rolledBack).toHaveLength(0);
  const { rows: states } = await pglite.query<{ state: string; count: number }>("SELECT state::text, count(*)::int AS count FROM pgboss.job GROUP BY state");
  expect(states).toEqual([{ state: "completed", count: 12 }]);
});
