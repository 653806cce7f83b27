import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { fieldCatalog, fieldMappings, withTenant, rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture } from "@ferry/db/testing";
import { runIncrementalSync, runInitialSync, type SyncEmitter } from "../src";
import { connect, orgAndDatabase } from "./helpers";

const backends = await availableBackends();

describe.each(backends)("schema changes on %s", (backend) => {
  const harness = orgAndDatabase(backend, {
    counts: { User: 3, Account: 20, Contact: 20, Lead: 50, Opportunity: 0, OpportunityContactRole: 0, Campaign: 0, CampaignMember: 0 },
  });

  it("tells the admins what changed on an object and which mappings stop syncing because of it", async () => {
    const { tenantId, ownerEmail } = await createTenantFixture(harness.db);
    const lead = harness.emu.org.tables.get("Lead")!.def;
    // What Sync Fields stored: the catalog as the sync user saw it, and two mappings.
    await harness.db.platform
      .insert(fieldCatalog)
      .values(
        lead.fields
          .filter((f) => f.type !== "address")
          .map((f) => ({ tenantId, object: "Lead", fieldName: f.name, label: f.label, type: f.type, writable: f.updateable })),
      );
    await harness.db.platform.insert(fieldMappings).values([
      { tenantId, object: "Lead", sfField: "Title", ferryField: "title", direction: "pull" },
      { tenantId, object: "Lead", sfField: "Email", ferryField: "email", direction: "two_way" },
    ]);
    expect(await runInitialSync({ database: harness.db, tenantId, runId: "initial", conn: await connect(harness.emu), objects: ["Lead"] })).toEqual({
      outcome: "completed",
    });
    // The initial sync's own "finished" notice aside, nothing to tell.
    expect(await notices(tenantId)).toEqual([]);

    // An admin in Salesforce hides a mapped field, retypes an unmapped one and adds one.
    harness.emu.setFieldAccess(harness.emu.users[0]!.username, "Lead", "Title", "hidden");
    harness.emu.retypeCustomField("Lead", "Score__c", { type: "string", length: 20 });
    harness.emu.addCustomField("Lead", { name: "Region__c", type: "string", length: 40 });
    const emitted: { event: string; payload: unknown }[] = [];
    const emitter: SyncEmitter = { emit: async (_t, event, payload) => void emitted.push({ event, payload }) };
    expect(
      await runIncrementalSync({ database: harness.db, tenantId, runId: "cycle-1", conn: await connect(harness.emu), objects: ["Lead"], emitter }),
    ).toEqual({ outcome: "completed" });

    expect(await notices(tenantId)).toEqual([
      {
        kind: "schema_changed",
        title: "Salesforce Lead fields changed",
        body:
          "New: Region__c — stored from now on, feeding no Ferry field until you map it. No longer visible to the sync user: Title. Type changed: Score__c. " +
          "Mappings stopped: Title → title keep their last values and no longer sync until remapped under Admin > Salesforce.",
      },
    ]);
    const mail = rowsOf(
      await withTenant({ db: harness.db.db, tenantId }, (tx) =>
        tx.execute(sql`select "to", subject, body from email_outbox where coalesce(meta->>'kind', '') <> 'initial_sync_finished'`),
      ),
    );
    expect(mail).toEqual([
      { to: ownerEmail, subject: expect.stringMatching(/Salesforce Lead fields changed$/), body: expect.stringContaining("Mappings stopped: Title → title") },
    ]);
    expect(emitted.filter((e) => e.event === "notification").map((e) => (e.payload as { kind: string }).kind)).toEqual(["schema_changed"]);
    const catalog = rowsOf(
      await withTenant({ db: harness.db.db, tenantId }, (tx) =>
        tx.execute(sql`select field_name, state from field_catalog where field_name in ('Title', 'Score__c', 'Region__c') order by field_name`),
      ),
    );
    expect(catalog).toEqual([
      { field_name: "Region__c", state: "active" },
      { field_name: "Score__c", state: "retyped" },
      { field_name: "Title", state: "dropped" },
    ]);

    // The next cycle sees nothing new: one notification per change, not one per cycle.
    expect(await runIncrementalSync({ database: harness.db, tenantId, runId: "cycle-2", conn: await connect(harness.emu), objects: ["Lead"] })).toEqual({
      outcome: "completed",
    });
    expect(await notices(tenantId)).toHaveLength(1);
  });

  async function notices(tenantId: string) {
    return rowsOf(
      await withTenant({ db: harness.db.db, tenantId }, (tx) =>
        tx.execute(sql`select kind, title, body from notifications where kind <> 'initial_sync_finished' order by created_at`),
      ),
    );
  }
});
