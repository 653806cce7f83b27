import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { errorOf, soapLogin, start } from "./helpers";

type Lead = {
  Id: string;
  Name: string;
  LastName: string;
  Email: string | null;
  Status: string;
  Rating: string | null;
  AnnualRevenue: number | null;
  NumberOfEmployees: number;
  IsConverted: boolean;
  CreatedDate: string;
  SystemModstamp: string;
  Interests__c: string | null;
  ConvertedDate: string | null;
  Owner: { Name: string } | null;
};

let emu: EmulatorHandle;
let conn: Connection;
let leads: Lead[];
const FIELDS =
  "Id, Name, LastName, Email, Status, Rating, AnnualRevenue, NumberOfEmployees, IsConverted, CreatedDate, SystemModstamp, Interests__c, ConvertedDate, Owner.Name";

beforeAll(async () => {
  emu = await start();
  conn = await soapLogin(emu);
  // a few overlay rows so merged scans are exercised
  for (let k = 0; k < 5; k++) emu.createRecord("Lead", { LastName: `Overlay${k}`, Company: "Emu", Email: null, AnnualRevenue: k * 1000 });
  const ids = (await conn.query("SELECT Id FROM Lead ORDER BY Id LIMIT 5")).records.map((r) => r.Id as string);
  for (const id of ids) emu.updateRecord(id, { Rating: "Hot" });
  const res = await conn.query(`SELECT ${FIELDS} FROM Lead`, { autoFetch: true, maxFetch: 1e6 } as never);
  leads = res.records as unknown as Lead[];
});
afterAll(() => emu.stop());

const ids = (rows: { Id?: unknown }[]) => rows.map((r) => r.Id as string);
const t = (s: string) => Date.parse(s.replace("+0000", "Z"));
async function all(soql: string) {
  return (await conn.query(soql, { autoFetch: true, maxFetch: 1e6 } as never)).records;
}
const byId = (a: Lead, b: Lead) => (a.Id < b.Id ? -1 : 1);

describe("WHERE", () => {
  it("comparison operators, null, LIKE, IN, NOT IN, AND/OR/NOT", async () => {
    const cases: [string, (l: Lead) => boolean][] = [
      ["Status = 'working - contacted'", (l) => l.Status === "Working - Contacted"],
      ["Status != 'Working - Contacted'", (l) => l.Status !== "Working - Contacted"],
      ["AnnualRevenue > 500000", (l) => l.AnnualRevenue !== null && l.AnnualRevenue > 500000],
      ["AnnualRevenue <= 100000", (l) => l.AnnualRevenue !== null && l.AnnualRevenue <= 100000],
      ["Email = null", (l) => l.Email === null],
      ["Email != null", (l) => l.Email !== null],
      ["LastName LIKE 'Mar%'", (l) => /^mar/i.test(l.LastName)],
      ["LastName LIKE '_ee'", (l) => /^.ee$/i.test(l.LastName)],
      ["Rating IN ('Hot', 'Cold')", (l) => l.Rating === "Hot" || l.Rating === "Cold"],
      ["Rating NOT IN ('Hot')", (l) => l.Rating !== "Hot"],
      ["(Rating = 'Hot' OR Rating = 'Warm') AND NumberOfEmployees < 1000", (l) => (l.Rating === "Hot" || l.Rating === "Warm") && l.NumberOfEmployees < 1000],
      ["NOT (Rating = 'Hot') AND IsConverted = false", (l) => l.Rating !== "Hot" && !l.IsConverted],
      ["IsConverted = TRUE", (l) => l.IsConverted],
      [
        "Interests__c INCLUDES ('Cloud;Security', 'Mobile')",
        (l) => {
          const s = new Set((l.Interests__c ?? "").split(";"));
          return (s.has("Cloud") && s.has("Security")) || s.has("Mobile");
        },
      ],
      ["Interests__c EXCLUDES ('Cloud')", (l) => !(l.Interests__c ?? "").split(";").includes("Cloud")],
      ["Owner.Name LIKE 'Sync%'", (l) => (l.Owner?.Name ?? "").startsWith("Sync")],
    ];
    for (const [where, pred] of cases) {
      const got = ids(await all(`SELECT Id FROM Lead WHERE ${where} ORDER BY Id`));
      const want = leads
        .filter(pred)
        .sort(byId)
        .map((l) => l.Id);
      expect(got, where).toEqual(want);
      expect(got.length, `${where} should select something`).toBeGreaterThan(0);
    }
  });

  it("datetime and date literals, date tokens", async () => {
    const mid = leads[Math.floor(leads.length / 2)]!.SystemModstamp;
    const lit = mid.replace(".000+0000", "Z");
    const got = ids(await all(`SELECT Id FROM Lead WHERE SystemModstamp >= ${lit} ORDER BY Id`));
    expect(got).toEqual(
      leads
        .filter((l) => t(l.SystemModstamp) >= t(mid))
        .sort(byId)
        .map((l) => l.Id),
    );
    const offsetLit = mid.replace(".000+0000", ".000+02:00");
    const shifted = ids(await all(`SELECT Id FROM Lead WHERE CreatedDate < ${offsetLit} ORDER BY Id`));
    expect(shifted).toEqual(
      leads
        .filter((l) => t(l.CreatedDate) < t(mid) - 7_200_000)
        .sort(byId)
        .map((l) => l.Id),
    );
    const now = t(emu.now());
    const today0 = Math.floor(now / 86_400_000) * 86_400_000;
    const last30 = ids(await all("SELECT Id FROM Lead WHERE SystemModstamp = LAST_N_DAYS:30 ORDER BY Id"));
    expect(last30).toEqual(
      leads
        .filter((l) => t(l.SystemModstamp) >= today0 - 30 * 86_400_000)
        .sort(byId)
        .map((l) => l.Id),
    );
    expect(last30.length).toBeGreaterThan(0);
    const today = ids(await all("SELECT Id FROM Lead WHERE CreatedDate = TODAY ORDER BY Id"));
    expect(today).toEqual(
      leads
        .filter((l) => t(l.CreatedDate) >= today0)
        .sort(byId)
        .map((l) => l.Id),
    );
    const conv = ids(await all("SELECT Id FROM Lead WHERE ConvertedDate > 2000-01-01 ORDER BY Id"));
    expect(conv).toEqual(
      leads
        .filter((l) => l.ConvertedDate !== null)
        .sort(byId)
        .map((l) => l.Id),
    );
  });

  it("keyset paging with SystemModstamp/Id ties returns every row exactly once", async () => {
    const seen: string[] = [];
    let cursor: { ts: string; id: string } | undefined;
    for (;;) {
      const where = cursor ? `WHERE SystemModstamp > ${cursor.ts} OR (SystemModstamp = ${cursor.ts} AND Id > '${cursor.id}')` : "";
      const page = (await conn.query(`SELECT Id, SystemModstamp FROM Lead ${where} ORDER BY SystemModstamp, Id LIMIT 700`)).records;
      if (!page.length) break;
      for (const r of page) seen.push(r.Id as string);
      const last = page[page.length - 1]!;
      cursor = { ts: (last.SystemModstamp as string).replace(".000+0000", "Z"), id: last.Id as string };
    }
    expect(seen.length).toBe(leads.length);
    expect(new Set(seen).size).toBe(leads.length);
    const sorted = [...leads].sort((a, b) => t(a.SystemModstamp) - t(b.SystemModstamp) || (a.Id < b.Id ? -1 : 1)).map((l) => l.Id);
    expect(seen).toEqual(sorted);
    // ties exist, as in real orgs
    expect(new Set(leads.map((l) => l.SystemModstamp)).size).toBeLessThan(leads.length);
    const desc = ids(await all("SELECT Id FROM Lead ORDER BY SystemModstamp DESC, Id DESC"));
    expect(desc).toEqual([...sorted].reverse());
    const byCreated = ids(await all("SELECT Id FROM Lead ORDER BY CreatedDate, Id"));
    expect(byCreated).toEqual([...leads].sort((a, b) => t(a.CreatedDate) - t(b.CreatedDate) || (a.Id < b.Id ? -1 : 1)).map((l) => l.Id));
    const idPaged = await all(`SELECT Id FROM Lead WHERE Id > '${sorted[100]}' ORDER BY Id LIMIT 5`);
    expect(ids(idPaged)).toEqual(
      [...leads]
        .sort(byId)
        .map((l) => l.Id)
        .filter((id) => id > sorted[100]!)
        .slice(0, 5),
    );
  });
});

describe("ORDER BY, LIMIT, OFFSET, COUNT()", () => {
  it("NULLS FIRST / LAST and DESC", async () => {
    const asc = await all("SELECT Id, AnnualRevenue FROM Lead ORDER BY AnnualRevenue NULLS LAST, Id LIMIT 6000");
    const vals = asc.map((r) => r.AnnualRevenue as number | null);
    const firstNull = vals.indexOf(null);
    expect(firstNull).toBeGreaterThan(0);
    expect(vals.slice(firstNull).every((v) => v === null)).toBe(true);
    const nonNull = vals.slice(0, firstNull) as number[];
    expect(nonNull).toEqual([...nonNull].sort((a, b) => a - b));
    const desc = await all("SELECT Id, AnnualRevenue FROM Lead ORDER BY AnnualRevenue DESC NULLS FIRST LIMIT 10");
    expect(desc[0]!.AnnualRevenue).toBeNull();
    const byName = await all("SELECT Name FROM Lead ORDER BY Name DESC LIMIT 50");
    const names = byName.map((r) => (r.Name as string).toLowerCase());
    expect(names).toEqual([...names].sort().reverse());
  });

  it("LIMIT and OFFSET", async () => {
    const sorted = [...leads].sort(byId).map((l) => l.Id);
    const page = await conn.query("SELECT Id FROM Lead ORDER BY Id LIMIT 10 OFFSET 20");
    expect(ids(page.records)).toEqual(sorted.slice(20, 30));
    expect(page.totalSize).toBe(10);
    const e = await errorOf(conn.query("SELECT Id FROM Lead LIMIT 10 OFFSET 2001"));
    expect(e.errorCode).toBe("NUMBER_OUTSIDE_VALID_RANGE");
  });

  it("COUNT() and case-insensitive names with describe-cased results", async () => {
    const c = await conn.query("select COUNT() from lead where STATUS = 'Open - Not Contacted'");
    expect(c.totalSize).toBe(leads.filter((l) => l.Status === "Open - Not Contacted").length);
    expect(c.records).toEqual([]);
    expect(await conn.sobject("Lead").count()).toBe(leads.length);
    const r = await conn.query("select id, lastname, owner.name from LEAD limit 1");
    expect(Object.keys(r.records[0]!)).toEqual(["attributes", "Id", "LastName", "Owner"]);
    expect(r.records[0]!.Owner).toMatchObject({ attributes: { type: "User" } });
  });
});

describe("parent-to-child subqueries", () => {
  it("returns child records per parent, null without children, and works through jsforce include()", async () => {
    const contacts = (await all("SELECT Id, LastName, AccountId FROM Contact")) as { Id: string; LastName: string; AccountId: string | null }[];
    const withKids = contacts.find((c) => c.AccountId)!.AccountId!;
    const expected = contacts
      .filter((c) => c.AccountId === withKids)
      .map((c) => c.LastName.toLowerCase())
      .sort();
    const parents = await all(`SELECT Id, Name, (SELECT Id, LastName FROM Contacts ORDER BY LastName) FROM Account WHERE Id = '${withKids}'`);
    const kids = parents[0]!.Contacts as { totalSize: number; done: boolean; records: { LastName: string }[] };
    expect(kids.totalSize).toBe(expected.length);
    expect(kids.done).toBe(true);
    expect(kids.records.map((r) => r.LastName.toLowerCase())).toEqual(expected);
    const lonely = emu.createRecord("Account", { Name: "No children" });
    const none = await all(`SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Id = '${lonely}'`);
    expect(none[0]!.Contacts).toBeNull();
    const viaInclude = await conn.sobject("Account").find({ Id: withKids }, ["Id"]).include("Contacts").select(["Id", "LastName"]).end().execute();
    expect((viaInclude[0] as { Contacts: { totalSize: number } }).Contacts.totalSize).toBe(expected.length);
    const bad = await errorOf(conn.query("SELECT Id, (SELECT Id FROM Widgets) FROM Account"));
    expect(bad.errorCode).toBe("INVALID_TYPE");
    expect(bad.message).toContain("Didn't understand relationship 'Widgets' in FROM part of query call.");
  });
});

describe("aggregate queries", () => {
  it("GROUP BY with COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX and aliases", async () => {
    const res = await conn.query(
      "SELECT Status, COUNT(Id) n, SUM(AnnualRevenue), MAX(SystemModstamp), COUNT_DISTINCT(Rating) FROM Lead GROUP BY Status ORDER BY Status",
    );
    const statuses = [...new Set(leads.map((l) => l.Status))].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    expect(res.records.map((r) => r.Status)).toEqual(statuses);
    for (const r of res.records) {
      const mine = leads.filter((l) => l.Status === r.Status);
      expect(r).toMatchObject({ attributes: { type: "AggregateResult" }, n: mine.length });
      expect(r.expr0).toBe(mine.reduce((s, l) => s + (l.AnnualRevenue ?? 0), 0));
      expect(r.expr1).toBe(
        mine
          .map((l) => l.SystemModstamp)
          .sort()
          .at(-1),
      );
      expect(r.expr2).toBe(new Set(mine.map((l) => l.Rating).filter((x) => x !== null)).size);
    }
    const total = await conn.query("SELECT COUNT(Id), MIN(CreatedDate) FROM Lead");
    expect(total.records[0]).toMatchObject({ expr0: leads.length, expr1: leads.map((l) => l.CreatedDate).sort()[0] });
    const e = await errorOf(conn.query("SELECT Status, Rating, COUNT(Id) FROM Lead GROUP BY Status"));
    expect(e.errorCode).toBe("MALFORMED_QUERY");
    expect(e.message).toContain("Field must be grouped or aggregated: Rating");
  });
});

describe("semi-joins", () => {
  it("Id IN / NOT IN (SELECT …) filters by the inner query", async () => {
    const members = (await all("SELECT LeadId FROM CampaignMember WHERE LeadId != null AND Status = 'Sent'")).map((r) => r.LeadId as string);
    const inSet = new Set(members);
    const got = ids(await all("SELECT Id FROM Lead WHERE Id IN (SELECT LeadId FROM CampaignMember WHERE Status = 'Sent') ORDER BY Id"));
    expect(got).toEqual(
      leads
        .filter((l) => inSet.has(l.Id))
        .sort(byId)
        .map((l) => l.Id),
    );
    expect(got.length).toBeGreaterThan(0);
    const notIn = await conn.query("SELECT count() FROM Lead WHERE Id NOT IN (SELECT LeadId FROM CampaignMember WHERE Status = 'Sent')");
    expect(notIn.totalSize).toBe(leads.length - got.length);
  });
});

describe("errors", () => {
  it("INVALID_FIELD, INVALID_TYPE, MALFORMED_QUERY with Salesforce wording", async () => {
    const f = await errorOf(conn.query("SELECT Id, Nope__c FROM Lead"));
    expect(f.errorCode).toBe("INVALID_FIELD");
    expect(f.message).toContain("No such column 'Nope__c' on entity 'Lead'.");
    const rel = await errorOf(conn.query("SELECT Id, Nobody.Name FROM Lead"));
    expect(rel.errorCode).toBe("INVALID_FIELD");
    expect(rel.message).toContain("Didn't understand relationship 'Nobody' in field path.");
    const where = await errorOf(conn.query("SELECT Id FROM Lead WHERE Bogus = 'x'"));
    expect(where.errorCode).toBe("INVALID_FIELD");
    const ty = await errorOf(conn.query("SELECT Id FROM Widget__c"));
    expect(ty.errorCode).toBe("INVALID_TYPE");
    expect(ty.message).toContain("sObject type 'Widget__c' is not supported.");
    const bad = await errorOf(conn.query("SELECT Id FROM Lead WHERE Name ="));
    expect(bad.errorCode).toBe("MALFORMED_QUERY");
    const quoted = await errorOf(conn.query("SELECT Id FROM Lead WHERE AnnualRevenue > '5'"));
    expect(quoted.errorCode).toBe("INVALID_FIELD");
    expect(quoted.message).toContain("value of filter criterion for field 'AnnualRevenue' must be of type double and should not be enclosed in quotes");
  });
});
