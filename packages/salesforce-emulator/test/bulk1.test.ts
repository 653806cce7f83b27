import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { errorOf, soapLogin, start, VERSION } from "./helpers";

let emu: EmulatorHandle;
let conn: Connection;
beforeAll(async () => {
  emu = await start({ bulkJobDurationMs: 200, bulkPageSize: 2_000 });
  conn = await soapLogin(emu);
  conn.bulk.pollInterval = 100;
  conn.bulk.pollTimeout = 20_000;
});
afterAll(() => emu.stop());

async function bulkQuery(soql: string): Promise<Record<string, string>[]> {
  const stream = await conn.bulk.query(soql);
  const rows: Record<string, string>[] = [];
  await new Promise((resolve, reject) =>
    stream
      .on("record", (r: Record<string, string>) => rows.push(r))
      .on("end", resolve)
      .on("error", reject),
  );
  return rows;
}

describe("Bulk API 1.0 through jsforce conn.bulk", () => {
  it("loads records in a CSV batch and reports each one", async () => {
    const results = await conn.bulk.load("Account", "insert", [{ Name: "V1 One", Industry: "Energy" }, { Name: "" }, { Name: "V1 Two" }]);
    expect(results.map((r) => [r.success, r.created])).toEqual([
      [true, true],
      [false, false],
      [true, true],
    ]);
    expect(results[1]!.errors[0]).toContain("REQUIRED_FIELD_MISSING");
    expect((await conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'V1 %'")).totalSize).toBe(2);
    const ids = results.filter((r) => r.success).map((r) => r.id as string);
    const updated = await conn.bulk.load(
      "Account",
      "update",
      ids.map((Id) => ({ Id, Industry: "Retail" })),
    );
    expect(updated.every((r) => r.success)).toBe(true);
    const deleted = await conn.bulk.load(
      "Account",
      "delete",
      ids.map((Id) => ({ Id })),
    );
    expect(deleted.every((r) => r.success)).toBe(true);
    expect((await conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'V1 %'")).totalSize).toBe(0);
  });

  it("queries, with large results split into result chunks that each carry the header", async () => {
    const rows = await bulkQuery("SELECT Id, Name FROM Account ORDER BY Id");
    expect(rows).toHaveLength(300);
    expect(rows[0]).toEqual({ Id: "001HE0000000001YAA", Name: expect.any(String) });
    // jsforce concatenates chunks without dropping their headers, so read a 3-chunk result on the wire.
    const job = conn.bulk.createJob("Lead", "query");
    const batch = job.createBatch();
    const results = await new Promise<{ id: string }[]>((resolve, reject) => {
      batch.on("queue", () => batch.poll(100, 20_000));
      batch.on("response", resolve);
      batch.on("error", reject);
      batch.execute("SELECT Id FROM Lead");
    });
    expect(results).toHaveLength(3);
    const base = `${conn.instanceUrl}/services/async/${VERSION}/job/${job.id}/batch/${batch.id}/result`;
    const chunks = await Promise.all(
      results.map(async (r) => (await (await fetch(`${base}/${r.id}`, { headers: { "X-SFDC-Session": conn.accessToken! } })).text()).trim().split("\n")),
    );
    expect(chunks.map((c) => [c[0], c.length - 1])).toEqual([
      ['"Id"', 2_000],
      ['"Id"', 2_000],
      ['"Id"', 1_000],
    ]);
    expect(new Set(chunks.flatMap((c) => c.slice(1))).size).toBe(5_000);
    await job.close();
  });

  it("an injected job failure fails the batch, which jsforce reports", async () => {
    emu.setFaults({ rules: [{ endpoint: "bulk-ingest", kind: "job-failure", times: 1 }] });
    const e = await errorOf(Promise.resolve(conn.bulk.load("Account", "insert", [{ Name: "Never" }]) as unknown as PromiseLike<unknown>));
    expect(e.message).toContain("injected");
    emu.clearFaults();
  });

  it("JSON jobs and batches on the wire; an unknown field fails the batch", async () => {
    const base = `${conn.instanceUrl}/services/async/${VERSION}`;
    const headers = { "X-SFDC-Session": conn.accessToken!, "Content-Type": "application/json" };
    const job = (await (
      await fetch(`${base}/job`, { method: "POST", headers, body: JSON.stringify({ operation: "insert", object: "Contact", contentType: "JSON" }) })
    ).json()) as { id: string; state: string };
    expect(job.state).toBe("Open");
    const batch = (await (
      await fetch(`${base}/job/${job.id}/batch`, { method: "POST", headers, body: JSON.stringify([{ LastName: "Json One" }, { LastName: "Json Two" }]) })
    ).json()) as { id: string };
    const bad = (await (
      await fetch(`${base}/job/${job.id}/batch`, { method: "POST", headers, body: JSON.stringify([{ LastName: "x", Planet__c: "Mars" }]) })
    ).json()) as { id: string };
    let info = { state: "" } as { state: string; stateMessage?: string };
    for (let k = 0; k < 50 && info.state !== "Completed"; k++) {
      await new Promise((r) => setTimeout(r, 100));
      info = (await (await fetch(`${base}/job/${job.id}/batch/${batch.id}`, { headers })).json()) as typeof info;
    }
    const results = (await (await fetch(`${base}/job/${job.id}/batch/${batch.id}/result`, { headers })).json()) as { success: boolean; created: boolean }[];
    expect(results.map((r) => [r.success, r.created])).toEqual([
      [true, true],
      [true, true],
    ]);
    const badInfo = (await (await fetch(`${base}/job/${job.id}/batch/${bad.id}`, { headers })).json()) as { state: string; stateMessage: string };
    expect(badInfo).toMatchObject({ state: "Failed", stateMessage: "InvalidBatch : Field name not found : Planet__c" });
    const closed = (await (await fetch(`${base}/job/${job.id}`, { method: "POST", headers, body: JSON.stringify({ state: "Closed" }) })).json()) as {
      state: string;
      numberBatchesTotal: number;
    };
    expect(closed).toMatchObject({ state: "Closed", numberBatchesTotal: 2 });
    const noSession = await fetch(`${base}/job/${job.id}`, { headers: { "X-SFDC-Session": "nope" } });
    expect(noSession.status).toBe(400);
    expect(await noSession.text()).toContain("<exceptionCode>InvalidSessionId</exceptionCode>");
  });
});
