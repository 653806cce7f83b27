import { gunzipSync, gzipSync } from "node:zlib";
import { request } from "node:http";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { errorOf, soapLogin, start, VERSION } from "./helpers";

let emu: EmulatorHandle;
let conn: Connection;
beforeAll(async () => {
  emu = await start({ bulkJobDurationMs: 200 });
  conn = await soapLogin(emu);
});
afterAll(() => emu.stop());

const load = (object: string, operation: "insert" | "upsert", input: Record<string, unknown>[], externalIdFieldName?: string) =>
  conn.bulk2.loadAndWaitForResults({ object, operation, input, externalIdFieldName, pollInterval: 100, pollTimeout: 20_000 });

/** A raw HTTP exchange with exact headers: fetch would decompress behind our back. */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(`${conn.instanceUrl}${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      { method, hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers: { Authorization: `Bearer ${conn.accessToken}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("Bulk API 2.0 edge cases", () => {
  it("an upsert on Id inserts rows without an Id and updates rows with one", async () => {
    const existing = (await conn.query<{ Id: string }>("SELECT Id FROM Account ORDER BY Id LIMIT 1")).records[0]!.Id;
    const res = await load(
      "Account",
      "upsert",
      [
        { Id: existing, Name: "Upserted By Id" },
        { Id: null, Name: "Inserted By Id Upsert" },
      ],
      "Id",
    );
    expect(res.failedResults).toEqual([]);
    expect(res.successfulResults.map((r) => r.sf__Created)).toEqual(["false", "true"]);
    expect((await conn.sobject("Account").retrieve(existing)).Name).toBe("Upserted By Id");
    const noIdColumn = await load("Account", "upsert", [{ Name: "No Id Column" }], "Id");
    expect(noIdColumn.successfulResults.map((r) => r.sf__Created)).toEqual(["true"]);
    expect((await conn.query("SELECT COUNT() FROM Account WHERE Name IN ('Inserted By Id Upsert', 'No Id Column')")).totalSize).toBe(2);
  });

  it("an unknown CSV column fails the whole job", async () => {
    const e = await errorOf(load("Account", "insert", [{ Name: "X", ShippingPlanet__c: "Mars" }]));
    expect(e.message).toBe("Ingest job failed to complete due to: InvalidBatch : Field name not found : ShippingPlanet__c");
  });

  it("relationship columns by external id resolve to the parent", async () => {
    const res = await load("Contact", "insert", [
      { LastName: "Linked", "Account.ExternalKey__c": "ACC-00000003" },
      { LastName: "Dangling", "Account.ExternalKey__c": "ACC-99999999" },
    ]);
    expect(res.successfulResults).toHaveLength(1);
    expect(String(res.failedResults[0]!.sf__Error)).toContain("Foreign key external ID: ACC-99999999 not found");
    const linked = await conn.query<{ AccountId: string }>("SELECT AccountId FROM Contact WHERE LastName = 'Linked'");
    expect(linked.records[0]!.AccountId).toBe("001HE0000000003YAA");
  });

  it("a failing item of an allOrNone collection upsert reports created", async () => {
    const out = await conn.sobject("Contact").upsert(
      [
        { ExternalKey__c: "CON-00000001", LastName: "Fine" },
        { ExternalKey__c: "CON-NEW-1", FirstName: "No last name" },
      ],
      "ExternalKey__c",
      { allOrNone: true },
    );
    expect(out.map((r) => [r.success, (r as { created?: boolean }).created])).toEqual([
      [false, false],
      [false, true],
    ]);
    expect((out[1] as { errors: { statusCode: string }[] }).errors[0]!.statusCode).toBe("REQUIRED_FIELD_MISSING");
  });
});

describe("gzip", () => {
  it("compresses responses for clients that accept gzip, and not for others", async () => {
    const path = `/services/data/v${VERSION}/query?q=${encodeURIComponent("SELECT Id, Name FROM Account LIMIT 50")}`;
    const zipped = await rawRequest("GET", path, { "Accept-Encoding": "gzip" });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(zipped.body).toString("utf8"))).toMatchObject({ totalSize: 50 });
    const plain = await rawRequest("GET", path, {});
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(plain.body.toString("utf8"))).toMatchObject({ totalSize: 50 });
  });

  it("streams Bulk CSV results compressed and accepts a gzip-compressed upload", async () => {
    const base = `/services/data/v${VERSION}/jobs/ingest`;
    const job = await conn.request<{ id: string }>({
      method: "POST",
      url: base,
      body: JSON.stringify({ object: "Lead", operation: "insert" }),
      headers: { "Content-Type": "application/json" },
    });
    const csv = "LastName,Company\nZipped,Gzip Co\nPacked,Gzip Co\n";
    const up = await rawRequest("PUT", `${base}/${job.id}/batches`, { "Content-Type": "text/csv", "Content-Encoding": "gzip" }, gzipSync(csv));
    expect(up.status).toBe(201);
    await conn.request({
      method: "PATCH",
      url: `${base}/${job.id}`,
      body: JSON.stringify({ state: "UploadComplete" }),
      headers: { "Content-Type": "application/json" },
    });
    for (let k = 0; k < 100; k++) {
      const info = await conn.request<{ state: string; numberRecordsProcessed: number }>(`${base}/${job.id}`);
      if (info.state === "JobComplete") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await conn.query("SELECT COUNT() FROM Lead WHERE Company = 'Gzip Co'")).totalSize).toBe(2);

    const q = await conn.request<{ id: string }>({
      method: "POST",
      url: `/services/data/v${VERSION}/jobs/query`,
      body: JSON.stringify({ query: "SELECT Id FROM Lead", operation: "query" }),
      headers: { "Content-Type": "application/json" },
    });
    for (let k = 0; k < 100; k++) {
      const info = await conn.request<{ state: string }>(`/services/data/v${VERSION}/jobs/query/${q.id}`);
      if (info.state === "JobComplete") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const results = await rawRequest("GET", `/services/data/v${VERSION}/jobs/query/${q.id}/results`, { "Accept-Encoding": "gzip", Accept: "text/csv" });
    expect(results.headers["content-encoding"]).toBe("gzip");
    const lines = gunzipSync(results.body).toString("utf8").trim().split("\n");
    expect(lines[0]).toBe('"Id"');
    expect(lines).toHaveLength(1 + 5_002);
  });
});
