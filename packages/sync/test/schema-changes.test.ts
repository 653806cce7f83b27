import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { fieldCatalog, fieldMappings, withTenant } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runIncrementalSync, runInitialSync, type SyncEmitter } from "../src";
import { rowsOf } from "../src/store/stage";
import { connect, startOrg } from "./helpers";

const backends = await availableBackends();

describe.each(backends)("schema changes on %s", (backend) => {
  let emu: EmulatorHandle;
  let db: TestDatabase;

  beforeAll(async () => {
    emu = await startOrg({ counts: { User: 3, Account: 20, Contact: 20, Lead: 50, Opportunity: 0, OpportunityContactRole: 0, Campaign: 0, CampaignMember: 0 } });
    db = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("tells the admins what changed on an object and which mappings stop syncing because of it", async () => {
    const { tenantId, ownerEmail } = await createTenantFixture(db);
    const lead = emu.org.tables.get("Lead")!.def;
    // What Sync Fields stored: the catalog as the sync user saw it, and two mappings.
    await db.db.insert(fieldCatalog).values(lead.fields.map((f) => ({ tenantId, object: "Lead", fieldName: f.name, label: f.label, type: f.type, writable: f.updateable })));
    await db.db.insert(fieldMappings).values([
      { tenantId, object: "Lead", sfField: "Title", ferryField: "title", direction: "pull" },
      { tenantId, object: "Lead", sfField: "Email", ferryField: "email", direction: "two_way" },
    ]);
    expect(await runInitialSync({ database: db, tenantId, runId: "initial", conn: await connect(emu), objects: ["Lead"] })).toEqual({ outcome: "completed" });
    expect(await notices(tenantId)).toEqual([]);

    // An admin in Salesforce hides a mapped field, retypes an unmapped one and adds one.
    emu.setFieldAccess(emu.users[0]!.username, "Lead", "Title", "hidden");
    emu.retypeCustomField("Lead", "Score__c", { type: "string", length: 20 });
    emu.addCustomField("Lead", { name: "Region__c", type: "string", length: 40 });
    const emitted: { event: string; payload: unknown }[] = [];
    const emitter: SyncEmitter = { emit: async (_t, event, payload) => void emitted.push({ event, payload }) };
    expect(await runIncrementalSync({ database: db, tenantId, runId: "cycle-1", conn: await connect(emu), objects: ["Lead"], emitter })).toEqual({ outcome: "completed" });

    expect(await notices(tenantId)).toEqual([
      {
        kind: "schema_changed",
        title: "Salesforce Lead fields changed",
        body:
          "New: Region__c — stored from now on, feeding no Ferry field until you map it. No longer visible to the sync user: Title. Type changed: Score__c. " +
          "Mappings stopped: Title → title keep their last values and no longer sync until remapped under Admin > Salesforce.",
      },
    ]);
    const mail = rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select "to", subject, body from email_outbox`)));
    expect(mail).toEqual([{ to: ownerEmail, subject: expect.stringMatching(/Salesforce Lead fields changed$/), body: expect.stringContaining("Mappings stopped: Title → title") }]);
    expect(emitted.filter((e) => e.event === "notification").map((e) => (e.payload as { kind: string }).kind)).toEqual(["schema_changed"]);
    const catalog = rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select field_name, state from field_catalog where field_name in ('Title', 'Score__c', 'Region__c') order by field_name`)));
    expect(catalog).toEqual([
      { field_name: "Region__c", state: "active" },
      { field_name: "Score__c", state: "retyped" },
      { field_name: "Title", state: "dropped" },
    ]);

    // The next cycle sees nothing new: one notification per change, not one per cycle.
    expect(await runIncrementalSync({ database: db, tenantId, runId: "cycle-2", conn: await connect(emu), objects: ["Lead"] })).toEqual({ outcome: "completed" });
    expect(await notices(tenantId)).toHaveLength(1);
  });

  async function notices(tenantId: string) {
    return rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select kind, title, body from notifications order by created_at`)));
  }
});
