import { parse } from "csv-parse/sync";
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { soapLogin, start, VERSION } from "./helpers";

let emu: EmulatorHandle;
let conn: Connection;
beforeAll(async () => {
  emu = await start({ bulkJobDurationMs: 600 });
  conn = await soapLogin(emu);
  conn.bulk2.pollInterval = 100;
});
afterAll(() => emu.stop());

type JobInfo = { id: string; state: string; numberRecordsProcessed?: number; object?: string; operation?: string };

async function createQueryJob(query: string, operation = "query"): Promise<JobInfo> {
  return conn.request<JobInfo>({
    method: "POST",
    url: `/services/data/v${VERSION}/jobs/query`,
    body: JSON.stringify({ query, operation }),
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}

async function waitFor(id: string, seen: Set<string>): Promise<JobInfo> {
  for (;;) {
    const info = await conn.request<JobInfo>(`/services/data/v${VERSION}/jobs/query/${id}`);
    seen.add(info.state);
    if (info.state === "JobComplete" || info.state === "Failed" || info.state === "Aborted") return info;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function resultsUrl(id: string, locator?: string, maxRecords?: number) {
  const u = new URL(`${conn.instanceUrl}/services/data/v${VERSION}/jobs/query/${id}/results`);
  if (locator) u.searchParams.set("locator", locator);
  if (maxRecords) u.searchParams.set("maxRecords", String(maxRecords));
  return u.toString();
}

const get = (url: string) => fetch(url, { headers: { Authorization: `Bearer ${conn.accessToken}`, Accept: "text/csv" } });

describe("Bulk API 2.0 query", () => {
  it("single page through jsforce bulk2.query", async () => {
    const records = await (await conn.bulk2.query("SELECT Id, Name, Owner.Name, CreatedDate FROM Campaign ORDER BY Id")).toArray();
    expect(records.length).toBe(10);
    expect(Object.keys(records[0]!)).toEqual(["Id", "Name", "Owner.Name", "CreatedDate"]);
    expect(records[0]!.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });

  it("pages through >= 3 result pages with Sforce-Locator, then literal null; locators can be re-fetched", async () => {
    const seen = new Set<string>();
    const job = await createQueryJob("SELECT Id, LastName, Email, SystemModstamp FROM Lead");
    expect(job.state).toBe("UploadComplete");
    const early = await get(resultsUrl(job.id));
    expect(early.status).toBe(412);
    expect(((await early.json()) as { errorCode: string }[])[0]!.errorCode).toBe("JOB_NOT_COMPLETE");
    const done = await waitFor(job.id, seen);
    expect(done.state).toBe("JobComplete");
    expect(seen.has("InProgress")).toBe(true);
    expect(done.numberRecordsProcessed).toBe(5_000);
    const ids: string[] = [];
    const locators: string[] = [];
    let locator: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await get(resultsUrl(job.id, locator, 1_500));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
      const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
      expect(Number(res.headers.get("sforce-numberofrecords"))).toBe(rows.length);
      ids.push(...rows.map((r) => r.Id!));
      pages++;
      const next = res.headers.get("sforce-locator");
      expect(next).not.toBeNull();
      if (next === "null") break;
      locators.push(next!);
      locator = next!;
    }
    expect(pages).toBe(4);
    expect(ids.length).toBe(5_000);
    expect(new Set(ids).size).toBe(5_000);
    const again = await get(resultsUrl(job.id, locators[0], 1_500));
    const rows = parse(await again.text(), { columns: true }) as Record<string, string>[];
    expect(rows[0]!.Id).toBe(ids[1_500]);
  });

  it("a page limit ends pages early whatever maxRecords asks, and the locators still cover every row once", async () => {
    const limited = await start({ bulkJobDurationMs: 0, bulkPageLimit: 700 });
    try {
      const c = await soapLogin(limited);
      const base = `${c.instanceUrl}/services/data/v${VERSION}/jobs/query`;
      const headers = { Authorization: `Bearer ${c.accessToken}` };
      const job = (await (
        await fetch(base, {
          method: "POST",
          headers: { ...headers, "Content-Type": "application/json" },
          body: JSON.stringify({ query: "SELECT Id FROM Lead", operation: "query" }),
        })
      ).json()) as JobInfo;
      for (let state = job.state; state !== "JobComplete"; ) state = ((await (await fetch(`${base}/${job.id}`, { headers })).json()) as JobInfo).state;
      const sizes: number[] = [];
      const ids = new Set<string>();
      let locator = "";
      do {
        const res = await fetch(`${base}/${job.id}/results?maxRecords=2000${locator ? `&locator=${locator}` : ""}`, { headers });
        const rows = parse(await res.text(), { columns: true }) as { Id: string }[];
        sizes.push(rows.length);
        for (const r of rows) ids.add(r.Id);
        locator = res.headers.get("sforce-locator")!;
      } while (locator !== "null");
      expect(sizes).toEqual([700, 700, 700, 700, 700, 700, 700, 100]);
      expect(ids.size).toBe(5_000);
    } finally {
      await limited.stop();
    }
    await expect(start({ bulkPageLimit: 0 })).rejects.toThrow("bulkPageLimit must be a positive integer, not 0");
  });

  it("queryAll includes deleted rows", async () => {
    const victim = (await conn.query("SELECT Id FROM Account ORDER BY Id LIMIT 1")).records[0]!.Id as string;
    emu.deleteRecord(victim);
    const q = await createQueryJob(`SELECT Id, IsDeleted FROM Account WHERE Id = '${victim}'`, "query");
    const qa = await createQueryJob(`SELECT Id, IsDeleted FROM Account WHERE Id = '${victim}'`, "queryAll");
    await waitFor(q.id, new Set());
    await waitFor(qa.id, new Set());
    const plain = parse(await (await get(resultsUrl(q.id))).text(), { columns: true }) as Record<string, string>[];
    const all = parse(await (await get(resultsUrl(qa.id))).text(), { columns: true }) as Record<string, string>[];
    expect(plain).toEqual([]);
    expect(all).toEqual([{ Id: victim, IsDeleted: "true" }]);
    emu.undeleteRecord(victim);
  });

  it("abort and delete", async () => {
    const job = await createQueryJob("SELECT Id FROM Lead");
    const aborted = await conn.request<JobInfo>({
      method: "PATCH",
      url: `/services/data/v${VERSION}/jobs/query/${job.id}`,
      body: JSON.stringify({ state: "Aborted" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(aborted.state).toBe("Aborted");
    await conn.request({ method: "DELETE", url: `/services/data/v${VERSION}/jobs/query/${job.id}` });
    const gone = await fetch(`${conn.instanceUrl}/services/data/v${VERSION}/jobs/query/${job.id}`, {
      headers: { Authorization: `Bearer ${conn.accessToken}` },
    });
    expect(gone.status).toBe(404);
  });

  it("an injected job failure ends the job Failed, which jsforce reports", async () => {
    emu.setFaults({ rules: [{ endpoint: "bulk-query", kind: "job-failure", times: 1 }] });
    const e = await (async () => {
      try {
        await (await conn.bulk2.query("SELECT Id FROM Campaign")).toArray();
      } catch (err) {
        return err as Error;
      }
      throw new Error("expected the job to fail");
    })();
    expect(e.message).toBe("Query job failed to complete");
    emu.clearFaults();
    expect((await (await conn.bulk2.query("SELECT Id FROM Campaign")).toArray()).length).toBe(10);
  });

  it("a bad query fails at job creation with the SOQL error", async () => {
    const res = await fetch(`${conn.instanceUrl}/services/data/v${VERSION}/jobs/query`, {
      method: "POST",
      headers: { Authorization: `Bearer ${conn.accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ operation: "query", query: "SELECT Id, Nope FROM Lead" }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errorCode: string }[])[0]!.errorCode).toBe("INVALID_FIELD");
  });
});

describe("Bulk API 2.0 ingest", () => {
  it("insert with successful and failed results through jsforce loadAndWaitForResults", async () => {
    const res = await conn.bulk2.loadAndWaitForResults({
      object: "Account",
      operation: "insert",
      input: [
        { Name: "Bulk One", Industry: "Energy" },
        { Name: "", Industry: "Retail" },
        { Name: "Bulk Three", NumberOfEmployees: 12 },
      ],
      pollInterval: 100,
      pollTimeout: 20_000,
    });
    expect(res.successfulResults.length).toBe(2);
    expect(res.failedResults.length).toBe(1);
    expect(res.failedResults[0]!.sf__Error).toMatch(/^REQUIRED_FIELD_MISSING:Required fields are missing: \[Name\]/);
    expect(res.successfulResults[0]!.sf__Created).toBe("true");
    const id = res.successfulResults[0]!.sf__Id as string;
    expect((await conn.sobject("Account").retrieve(id)).Name).toBe("Bulk One");
  });

  it("update, upsert and delete", async () => {
    const targets = (await conn.query("SELECT Id FROM Contact ORDER BY Id LIMIT 2")).records.map((r) => r.Id as string);
    const upd = await conn.bulk2.loadAndWaitForResults({
      object: "Contact",
      operation: "update",
      input: [
        { Id: targets[0], Title: "Bulk Title" },
        { Id: "003HE000000ZZZZZZZ", Title: "x" },
      ],
      pollInterval: 100,
      pollTimeout: 20_000,
    });
    expect(upd.successfulResults.map((r) => r.sf__Id)).toEqual([targets[0]]);
    expect(upd.failedResults.length).toBe(1);
    expect((await conn.sobject("Contact").retrieve(targets[0]!)).Title).toBe("Bulk Title");
    const ups = await conn.bulk2.loadAndWaitForResults({
      object: "Contact",
      operation: "upsert",
      externalIdFieldName: "ExternalKey__c",
      input: [
        { ExternalKey__c: "CON-00000002", LastName: "Upserted" },
        { ExternalKey__c: "BULK-NEW", LastName: "Brand New" },
      ],
      pollInterval: 100,
      pollTimeout: 20_000,
    });
    expect(ups.successfulResults.map((r) => r.sf__Created)).toEqual(["false", "true"]);
    const del = await conn.bulk2.loadAndWaitForResults({
      object: "Contact",
      operation: "delete",
      input: [{ Id: targets[1] }],
      pollInterval: 100,
      pollTimeout: 20_000,
    });
    expect(del.successfulResults.length).toBe(1);
    const after = await conn.query(`SELECT Id FROM Contact WHERE Id = '${targets[1]}'`);
    expect(after.totalSize).toBe(0);
  });
});

describe("Bulk API 2.0 ingest lifecycle on the wire", () => {
  it("an aborted job reports its upload as unprocessed records; results are CSV with sf__ columns", async () => {
    const base = `/services/data/v${VERSION}/jobs/ingest`;
    const job = await conn.request<JobInfo & { contentUrl: string }>({
      method: "POST",
      url: base,
      body: JSON.stringify({ object: "Lead", operation: "insert", lineEnding: "LF" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(job.state).toBe("Open");
    expect(job.contentUrl).toBe(`services/data/v${VERSION}/jobs/ingest/${job.id}/batches`);
    const csv = '"LastName","Company"\n"Abort","Co"\n';
    const put = await fetch(`${conn.instanceUrl}/${job.contentUrl}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${conn.accessToken}`, "Content-Type": "text/csv" },
      body: csv,
    });
    expect(put.status).toBe(201);
    const aborted = await conn.request<JobInfo>({
      method: "PATCH",
      url: `${base}/${job.id}`,
      body: JSON.stringify({ state: "Aborted" }),
      headers: { "Content-Type": "application/json" },
    });
    expect(aborted.state).toBe("Aborted");
    const unprocessed = await fetch(`${conn.instanceUrl}${base}/${job.id}/unprocessedrecords`, { headers: { Authorization: `Bearer ${conn.accessToken}` } });
    expect(await unprocessed.text()).toBe(csv);
    const bad = await fetch(`${conn.instanceUrl}${base}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${conn.accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ object: "Lead", operation: "upsert" }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errorCode: string }[])[0]!.errorCode).toBe("INVALIDJOB");
  });
});
