import { describe, expect, it } from "vitest";
import { availableBackends, createTenantFixture } from "@ferry/db/testing";
import { runInitialSync } from "../src";
import { connect, orgAndDatabase, storedRows } from "./helpers";

/**
 * An oracle independent of the engine's converter: records created through the REST API with
 * chosen values, synced, and compared with the values written out here. The other sync checks
 * compare against the emulator's rows in the engine's value shape; a conversion bug shared by
 * both sides would not show there, and shows here.
 */
const backends = await availableBackends();
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// Every object read through REST (JSON converted in JavaScript) or through Bulk (CSV converted by Postgres).
const reads = [
  ["REST", { bulkThreshold: 10_000 }],
  ["Bulk CSV", { bulkThreshold: 0 }],
] as const;
/** Text that CSV must quote, escape or carry across lines, and that COPY's own escapes must not touch. */
const AWKWARD = 'Say "hi", then\nnew line\r\nand CRLF; a \\N, a \\. and \\t tab\t, ünïcødé ✓, trailing comma,';

describe.each(backends.flatMap((backend) => reads.map(([read, options]) => [backend, read, options] as const)))(
  "values as stored (%s, %s)",
  (backend, _read, options) => {
    const org = orgAndDatabase(backend, {
      counts: { User: 2, Account: 2, Contact: 2, Lead: 2, Opportunity: 2, OpportunityContactRole: 0, Campaign: 1, CampaignMember: 0 },
    });

    it("stores numbers as numbers, booleans as booleans, dates as written, instants in UTC ISO form and empty text as null", { timeout: 120_000 }, async () => {
      const { tenantId } = await createTenantFixture(org.db);
      const conn = await connect(org.emu);
      const account = await conn.sobject("Account").create({ Name: "Oracle Ltd", AnnualRevenue: 2500000.25, NumberOfEmployees: 42, Description: "" });
      const opportunity = await conn.sobject("Opportunity").create({
        Name: "Oracle deal",
        StageName: "Prospecting",
        CloseDate: "2026-03-31",
        Amount: 1234.5,
        Probability: 25,
        AccountId: account.id,
      });
      const awkward = await conn.sobject("Account").create({ Name: 'Awkward, "Quoted" Ltd', Description: AWKWARD, NumberOfEmployees: 0, AnnualRevenue: -0.5 });
      expect(await runInitialSync({ database: org.db, tenantId, runId: "run-values", conn, options })).toEqual({ outcome: "completed" });

      const storedAccount = (await storedRows(org.db, tenantId, "Account")).find((r) => r.id === account.id)!;
      expect(storedAccount.fields).toMatchObject({
        Id: account.id,
        Name: "Oracle Ltd",
        AnnualRevenue: 2500000.25,
        NumberOfEmployees: 42,
        Description: null,
        IsDeleted: false,
      });
      expect(storedAccount.fields.SystemModstamp).toMatch(ISO_INSTANT);
      expect((await storedRows(org.db, tenantId, "Account")).find((r) => r.id === awkward.id)!.fields).toMatchObject({
        Name: 'Awkward, "Quoted" Ltd',
        Description: AWKWARD,
        NumberOfEmployees: 0,
        AnnualRevenue: -0.5,
      });
      expect(storedAccount.fields.CreatedDate).toMatch(ISO_INSTANT);

      const storedOpportunity = (await storedRows(org.db, tenantId, "Opportunity")).find((r) => r.id === opportunity.id)!;
      expect(storedOpportunity.fields).toMatchObject({
        Id: opportunity.id,
        Name: "Oracle deal",
        StageName: "Prospecting",
        CloseDate: "2026-03-31",
        Amount: 1234.5,
        Probability: 25,
        ExpectedRevenue: 308.625,
        AccountId: account.id,
        IsClosed: false,
        IsWon: false,
      });
    });
  },
);
