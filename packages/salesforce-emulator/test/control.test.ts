import { describe, expect, it } from "vitest";
import { startEmulator } from "../src/index";
import { errorOf, soapLogin, useEmulator, VERSION } from "./helpers";

const ctx = useEmulator();

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${ctx.emu.controlUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe("control API over HTTP", () => {
  it("is off unless enabled", async () => {
    const off = await startEmulator({ counts: { Lead: 1 } });
    try {
      expect(off.controlUrl).toBeUndefined();
      const res = await fetch(`${off.url}/__emulator/state`);
      expect(res.status).toBe(404);
    } finally {
      await off.stop();
    }
  });

  it("creates, updates, deletes and undeletes records", async () => {
    const created = await control("POST", "/records/Lead", { LastName: "Ctl", Company: "Control Co" });
    const id = created.body!.id as string;
    expect((await ctx.conn.sobject("Lead").retrieve(id)).Company).toBe("Control Co");
    await control("PATCH", `/records/Lead/${id}`, { Company: "Changed" });
    expect((await ctx.conn.sobject("Lead").retrieve(id)).Company).toBe("Changed");
    await control("DELETE", `/records/Lead/${id}`);
    expect((await ctx.conn.query(`SELECT Id FROM Lead WHERE Id = '${id}'`)).totalSize).toBe(0);
    await control("POST", `/records/Lead/${id}/undelete`);
    expect((await ctx.conn.query(`SELECT Id FROM Lead WHERE Id = '${id}'`)).totalSize).toBe(1);
    const bad = await control("POST", "/records/Lead", { Company: "no last name" });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual([{ message: "Required fields are missing: [LastName]", errorCode: "REQUIRED_FIELD_MISSING", fields: ["LastName"] }]);
  });

  it("converts a lead: conversion fields set, new account/contact/opportunity, lead becomes read-only", async () => {
    const lead = (await ctx.conn.query("SELECT Id, SystemModstamp FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 1")).records[0]!;
    const out = await control("POST", `/leads/${lead.Id}/convert`, {});
    expect(out.status).toBe(200);
    const rec = (
      await ctx.conn.query(
        `SELECT IsConverted, ConvertedAccountId, ConvertedContactId, ConvertedOpportunityId, ConvertedDate, Status, SystemModstamp, ConvertedContact.LastName FROM Lead WHERE Id = '${lead.Id}'`,
      )
    ).records[0]!;
    expect(rec).toMatchObject({
      IsConverted: true,
      ConvertedAccountId: out.body!.accountId,
      ConvertedContactId: out.body!.contactId,
      ConvertedOpportunityId: out.body!.opportunityId,
      Status: "Closed - Converted",
    });
    expect(rec.ConvertedDate).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(rec.SystemModstamp > (lead.SystemModstamp as string)).toBe(true);
    expect((rec.ConvertedContact as { LastName: string }).LastName).toBeTruthy();
    const e = await errorOf(ctx.conn.sobject("Lead").update({ Id: lead.Id as string, Company: "x" }));
    expect(e.errorCode).toBe("CANNOT_UPDATE_CONVERTED_LEAD");
  });

  it("merges accounts: losers deleted with MasterRecordId, children re-parented", async () => {
    const [winner, loser] = (await ctx.conn.query("SELECT Id FROM Account ORDER BY Id LIMIT 2")).records.map((r) => r.Id as string);
    const child = ctx.emu.createRecord("Contact", { LastName: "Child", AccountId: loser });
    const res = await control("POST", "/merge", { masterId: winner, loserIds: [loser] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: winner, mergedRecordIds: [loser], updatedRelatedIds: expect.arrayContaining([child]) });
    expect((await ctx.conn.sobject("Contact").retrieve(child)).AccountId).toBe(winner);
    const gone = await ctx.conn.query(`SELECT Id, MasterRecordId FROM Account WHERE Id = '${loser}'`, { scanAll: true } as never);
    expect(gone.records[0]).toMatchObject({ MasterRecordId: winner });
    ctx.emu.advanceClock(120);
    const deleted = await ctx.conn
      .sobject("Account")
      .deleted(
        new Date(Date.parse(ctx.emu.now().replace("+0000", "Z")) - 3_600_000).toISOString(),
        new Date(Date.parse(ctx.emu.now().replace("+0000", "Z")) + 60_000).toISOString(),
      );
    expect(deleted.deletedRecords.map((d) => d.id)).toContain(loser);
  });

  it("adds, retypes and removes custom fields", async () => {
    const added = await control("POST", "/fields/Contact", { name: "Tier__c", type: "picklist", picklistValues: ["Gold", "Silver"] });
    expect(added.status).toBe(200);
    let d = await ctx.conn.describe("Contact");
    expect(d.fields.find((f) => f.name === "Tier__c")).toMatchObject({ type: "picklist", custom: true });
    const id = (await ctx.conn.sobject("Contact").create({ LastName: "Tiered", Tier__c: "Gold" })) as { id: string };
    expect((await ctx.conn.query(`SELECT Tier__c FROM Contact WHERE Id = '${id.id}'`)).records[0]!.Tier__c).toBe("Gold");
    const existing = await ctx.conn.query("SELECT Tier__c FROM Contact ORDER BY Id LIMIT 1");
    expect(existing.records[0]!.Tier__c).toBeNull();
    await control("PATCH", "/fields/Lead/Score__c", { type: "string", length: 10 });
    d = await ctx.conn.describe("Lead");
    expect(d.fields.find((f) => f.name === "Score__c")).toMatchObject({ type: "string", length: 10 });
    const scores = await ctx.conn.query("SELECT Score__c FROM Lead WHERE Score__c != null LIMIT 5");
    expect(scores.records.every((r) => typeof r.Score__c === "string")).toBe(true);
    await control("DELETE", "/fields/Contact/Tier__c");
    const e = await errorOf(ctx.conn.query("SELECT Tier__c FROM Contact"));
    expect(e.errorCode).toBe("INVALID_FIELD");
  });

  it("changes a user's field visibility", async () => {
    const restricted = await soapLogin(ctx.emu, 1);
    expect((await restricted.describe("Lead")).fields.some((f) => f.name === "Email")).toBe(true);
    await control("PUT", "/users/restricted@ferry.emulator/field-access", { object: "Lead", field: "Email", access: "hidden" });
    expect((await restricted.describe("Lead")).fields.some((f) => f.name === "Email")).toBe(false);
    expect((await errorOf(restricted.query("SELECT Email FROM Lead"))).errorCode).toBe("INVALID_FIELD");
    expect((await ctx.conn.query("SELECT Email FROM Lead LIMIT 1")).records.length).toBe(1);
  });

  it("resets or expires a user's password", async () => {
    const u = ctx.emu.users[1]!;
    const login = async (password: string) => {
      const res = await fetch(`${ctx.emu.loginUrl}/services/Soap/u/${VERSION}`, {
        method: "POST",
        headers: { "Content-Type": "text/xml; charset=UTF-8", SOAPAction: '""' },
        body: `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>${u.username}</username><password>${password}</password></login></se:Body></se:Envelope>`,
      });
      return { status: res.status, text: await res.text() };
    };
    expect((await control("PUT", `/users/${u.username}/credentials`, { passwordExpired: true })).status).toBe(204);
    expect((await login(u.password + u.securityToken)).text).toContain("<passwordExpired>true</passwordExpired>");
    await control("PUT", `/users/${u.username}/credentials`, { password: "changed-by-admin", passwordExpired: false });
    const refused = await login(u.password + u.securityToken);
    expect(refused.status).toBe(500);
    expect(refused.text).toContain("INVALID_LOGIN");
    expect((await login(`changed-by-admin${u.securityToken}`)).text).toContain("<passwordExpired>false</passwordExpired>");
    expect((await control("PUT", "/users/nobody@ferry.emulator/credentials", { password: "x" })).status).toBe(400);
  });

  it("moves the clock and sets the API limit", async () => {
    const before = Date.parse(ctx.emu.now().replace("+0000", "Z"));
    const moved = await control("POST", "/clock", { days: 2 });
    expect(Date.parse((moved.body!.now as string).replace("+0000", "Z")) - before).toBeGreaterThanOrEqual(2 * 86_400_000);
    const id = (await ctx.conn.sobject("Lead").create({ LastName: "Future", Company: "F" })) as { id: string };
    const rec = await ctx.conn.sobject("Lead").retrieve(id.id);
    expect(Date.parse((rec.CreatedDate as string).replace("+0000", "Z"))).toBeGreaterThanOrEqual(before + 2 * 86_400_000);
    await control("PUT", "/limits", { dailyApiLimit: 50, used: 49 });
    await ctx.conn.query("SELECT Id FROM Lead LIMIT 1");
    expect(ctx.conn.limitInfo.apiUsage).toEqual({ used: 50, limit: 50 });
    expect((await errorOf(ctx.conn.query("SELECT Id FROM Lead LIMIT 1"))).errorCode).toBe("REQUEST_LIMIT_EXCEEDED");
  });

  it("reset restores the seeded org", async () => {
    const id = ctx.emu.createRecord("Account", { Name: "Temporary" });
    await control("POST", "/reset");
    const fresh = await soapLogin(ctx.emu);
    expect((await fresh.query(`SELECT Id FROM Account WHERE Id = '${id}'`)).totalSize).toBe(0);
  });
});

describe("fault injection as a client sees it", () => {
  it("5xx on a write surfaces as UNKNOWN_EXCEPTION; 5xx on reads is retried transparently by jsforce", async () => {
    ctx.emu.setFaults({ rules: [{ endpoint: "sobject", kind: "server-error", times: 1 }] });
    const e = await errorOf(ctx.conn.sobject("Account").create({ Name: "x" }));
    expect(e.errorCode).toBe("UNKNOWN_EXCEPTION");
    expect(e.message).toMatch(/^An unexpected error occurred\. Please include this ErrorId if you contact support/);
    ctx.emu.setFaults({ rules: [{ endpoint: "query", kind: "server-error", status: 503, times: 2 }] });
    const started = Date.now();
    expect((await ctx.conn.query("SELECT count() FROM Campaign")).totalSize).toBe(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const res = await fetch(`${ctx.conn.instanceUrl}/services/data/v${VERSION}/limits`, { headers: { Authorization: `Bearer ${ctx.conn.accessToken}` } });
    expect(res.status).toBe(200);
  });

  it("UNABLE_TO_LOCK_ROW on writes and REQUEST_LIMIT_EXCEEDED by rate", async () => {
    ctx.emu.setFaults({ rules: [{ endpoint: "*", kind: "unable-to-lock-row", rate: 1 }] });
    const lock = await errorOf(ctx.conn.sobject("Account").create({ Name: "x" }));
    expect(lock.errorCode).toBe("UNABLE_TO_LOCK_ROW");
    expect(lock.message).toContain("unable to obtain exclusive access to this record");
    expect((await ctx.conn.query("SELECT count() FROM Campaign")).totalSize).toBe(10);
    const perItem = await ctx.conn.sobject("Account").create([{ Name: "a" }, { Name: "b" }]);
    expect(perItem.map((r) => [r.success, (r.errors[0] as { statusCode?: string } | undefined)?.statusCode])).toEqual([
      [false, "UNABLE_TO_LOCK_ROW"],
      [false, "UNABLE_TO_LOCK_ROW"],
    ]);
    ctx.emu.setFaults({ rules: [{ endpoint: "composite", kind: "request-limit", rate: 1 }] });
    const lim = await errorOf(ctx.conn.sobject("Account").create([{ Name: "a" }, { Name: "b" }]));
    expect(lim.errorCode).toBe("REQUEST_LIMIT_EXCEEDED");
    expect(lim.message).toBe("TotalRequests Limit exceeded.");
    ctx.emu.clearFaults();
  });

  it("forced session expiry without a way to refresh surfaces INVALID_SESSION_ID", async () => {
    const res = await control("POST", "/sessions/expire", {});
    expect(res.body!.expired).toBeGreaterThanOrEqual(1);
    const bare = new (ctx.conn.constructor as typeof import("jsforce").Connection)({
      instanceUrl: ctx.emu.url,
      accessToken: ctx.conn.accessToken!,
      version: VERSION,
    });
    expect((await errorOf(bare.query("SELECT Id FROM Lead"))).errorCode).toBe("INVALID_SESSION_ID");
  });

  it("full outage: requests fail with 503 until it ends", async () => {
    await control("PUT", "/faults", { outage: true });
    const e = await errorOf(ctx.conn.sobject("Account").create({ Name: "down" }));
    expect(e.errorCode).toBe("ERROR_HTTP_503");
    const login = await errorOf(soapLogin(ctx.emu));
    expect(login.message).toBeTruthy();
    await control("PUT", "/faults", { outage: false });
    expect((await ctx.conn.sobject("Account").create({ Name: "up" })).success).toBe(true);
  });

  it("a hold answers the next n requests of its class, keeps later ones waiting until lifted, and leaves other classes alone", async () => {
    expect((await control("PUT", "/faults", { hold: { endpoint: "*", after: 1 } })).status).toBe(400);
    expect((await control("PUT", "/faults", { hold: { endpoint: "query", after: 1 } })).status).toBe(204);
    expect((await ctx.conn.query("SELECT Id FROM Lead LIMIT 1")).totalSize).toBe(1);
    let answered = false;
    const second = ctx.conn.query("SELECT Id FROM Lead LIMIT 2").then((r) => {
      answered = true;
      return r.totalSize;
    });
    const deadline = Date.now() + 10_000;
    const faults = async () => (await control("GET", "/state")).body!.faults as { hold: unknown; held: number };
    while ((await faults()).held < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await faults()).toMatchObject({ hold: { endpoint: "query", after: 0 }, held: 1 });
    expect((await ctx.conn.sobject("Account").create({ Name: "not held" })).success).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    // jsforce sends a query only once it is awaited or `then`-ed.
    const third = ctx.conn.query("SELECT Id FROM Lead LIMIT 3").then((r) => r.totalSize);
    while ((await faults()).held < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // A new hold's budget answers the oldest waiting request first.
    await control("PUT", "/faults", { hold: { endpoint: "query", after: 1 } });
    expect(await second).toBe(2);
    expect(await faults()).toMatchObject({ hold: { endpoint: "query", after: 0 }, held: 1 });
    await control("PUT", "/faults", { hold: null });
    expect(await third).toBe(3);
    expect(await faults()).toMatchObject({ hold: null, held: 0 });
  });

  it("realistic latency slows every call", async () => {
    ctx.emu.setFaults({ latency: "realistic" });
    const t0 = Date.now();
    await ctx.conn.query("SELECT Id FROM Lead LIMIT 1");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80);
    ctx.emu.clearFaults();
    const t1 = Date.now();
    await ctx.conn.query("SELECT Id FROM Lead LIMIT 1");
    expect(Date.now() - t1).toBeLessThan(80);
  });
});
