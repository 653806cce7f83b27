import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { cdcStreams, salesforceConnections, withTenant } from "@ferry/db";
import { parseJobPayload } from "@ferry/jobs";
import { availableBackends, createTenantFixture } from "@ferry/db/testing";
import { runInitialSync, runSyncJob, scheduleSyncWork, type SyncJobName, type SyncJobPayload } from "../src";
import { rowsOf } from "@ferry/db";
import { connect, orgAndDatabase } from "./helpers";

const backends = await availableBackends();

describe.each(backends)("scheduling beside a live change stream on %s", (backend) => {
  const harness = orgAndDatabase(backend);

  it("drops the cycle to hourly while the stream is live, and sends a stream's catch-up read at once", async () => {
    const { tenantId } = await createTenantFixture(harness.db);
    const objects = ["Account", "Lead"];
    expect(await runInitialSync({ database: harness.db, tenantId, runId: "initial", conn: await connect(harness.emu), objects })).toEqual({
      outcome: "completed",
    });
    await harness.db.platform.insert(salesforceConnections).values({ tenantId, state: "syncing", syncEnabled: true, nearRealTime: true });
    const sent: { job: SyncJobName; payload: SyncJobPayload }[] = [];
    const send = async (job: SyncJobName, payload: SyncJobPayload) => {
      if (payload.tenantId !== tenantId) return;
      // What pg-boss would be handed: the catalog refuses a payload its schema does not know.
      parseJobPayload(job, payload);
      sent.push({ job, payload });
      return runSyncJob({ database: harness.db, openConnection: async () => connect(harness.emu), send: async () => undefined }, job, {
        ...payload,
        objects: payload.objects ?? objects,
      });
    };
    const at = (minutes: number) => () => new Date(Date.now() + minutes * 60_000);
    const lease = (seconds: number) => sql`now() + ${`${seconds} seconds`}::interval`;

    // A live stream held by a worker: the 5-minute cycle waits for the hour.
    await harness.db.platform
      .insert(cdcStreams)
      .values({ tenantId, state: "live", leaseOwner: "worker-a", leaseEpoch: 1, leaseExpiresAt: sql`${lease(3_600 * 3)}` as unknown as Date });
    await scheduleSyncWork({ database: harness.db, send, now: at(6) });
    expect(sent).toEqual([]);
    await scheduleSyncWork({ database: harness.db, send, now: at(61) });
    expect(sent.map((s) => s.job)).toEqual(["sync.incremental"]);

    // The stream met an overflow on Lead: the scheduler sends that read now, for that object, and takes the request over.
    await withTenant({ db: harness.db.db, tenantId }, (tx) =>
      tx.execute(sql`UPDATE cdc_streams SET state = 'catching_up', catch_up_objects = '["Lead"]'::jsonb`),
    );
    await scheduleSyncWork({ database: harness.db, send, now: at(62) });
    expect(sent.at(-1)).toMatchObject({ job: "sync.incremental", payload: { objects: ["Lead"] } });
    const [row] = rowsOf(await withTenant({ db: harness.db.db, tenantId }, (tx) => tx.execute(sql`SELECT catch_up_objects FROM cdc_streams`)));
    expect(row!.catch_up_objects).toBeNull();

    // A stream whose lease lapsed (its worker died, none took it yet) is not live: the regular interval applies again.
    await harness.db.platform.execute(sql`UPDATE cdc_streams SET state = 'live', lease_expires_at = now() - interval '1 second' WHERE tenant_id = ${tenantId}`);
    const before = sent.length;
    await scheduleSyncWork({ database: harness.db, send, now: at(62 + 6) });
    expect(sent.length).toBe(before + 1);
  });
});
