/**
 * Items 2 and 5 of the benchmark issue: the API calls and time of an idle incremental cycle (no
 * changes) and of a busy one (10,000 Lead changes made in the emulator), and the time and calls of
 * pushing 1,000 local edits, all through the standalone worker. Prints figures only.
 *
 *   pnpm --filter @ferry/bench exec tsx incremental-push.ts [--quick] [--leads n] [--changes n] [--edits n]
 */
import jsforce from "jsforce";
import { createLogger } from "@ferry/observability";
import { startWorker } from "@ferry/jobs";
import { addTenant, ferryDatabase, runObjectCalls, startWorkerProcess, waitForJob, type JobRow } from "./ferry";
import { arg, fmt, printTable, quick, QUICK_OBJECTS, SMALL_OBJECTS, startEmulatorProcess, writeResult } from "./lib";

const LEADS = Number(arg("leads") ?? (quick ? 10_000 : 100_000));
const CHANGES = Number(arg("changes") ?? (quick ? 2_000 : 10_000));
const EDITS = Number(arg("edits") ?? (quick ? 200 : 1_000));
const logger = createLogger({ name: "bench", level: "warn" });

console.log(`incremental and push: org of ${fmt(LEADS)} Leads + small objects; ${fmt(CHANGES)} changes in Salesforce; ${fmt(EDITS)} local edits`);
const emu = await startEmulatorProcess({ ...(quick ? QUICK_OBJECTS : SMALL_OBJECTS), Lead: LEADS }, { seed: 3 });
const ferry = await ferryDatabase();
const worker = await startWorkerProcess(ferry.url);
const sender = await startWorker({ boss: { kind: "postgres", connectionString: ferry.url }, handlers: {}, logger, schedule: false });

interface Cycle {
  label: string;
  sentToDoneSeconds: number;
  runSeconds: number;
  calls: Record<string, number>;
  totalCalls: number;
  engineCalls: number;
  objects: Awaited<ReturnType<typeof runObjectCalls>>;
}

async function job(name: "sync.initial" | "sync.incremental" | "sync.push", label: string, tenantId: string): Promise<Cycle> {
  const runId = `${label}-${Date.now()}`;
  const sentAt = Date.now();
  await sender.send(name, { tenantId, runId });
  const row: JobRow = await waitForJob(ferry.sql, runId, 60 * 60_000);
  const [run] = await ferry.sql<{ api_calls: number }[]>`select api_calls from sync_runs where id = ${runId}`;
  const objects = await runObjectCalls(ferry.sql, runId);
  const calls = row.calls ?? {};
  return {
    label,
    sentToDoneSeconds: (row.finished_at!.getTime() - sentAt) / 1000,
    runSeconds: (row.finished_at!.getTime() - row.started_at.getTime()) / 1000,
    calls,
    totalCalls: Object.values(calls).reduce((s, n) => s + n, 0),
    engineCalls: run?.api_calls ?? 0,
    objects,
  };
}

const results: Record<string, unknown> = {};
try {
  const { tenantId, ownerId } = await addTenant(ferry, emu);
  const initial = await job("sync.initial", "initial", tenantId);
  console.log(`  initial sync: ${initial.runSeconds.toFixed(1)} s, ${initial.totalCalls} calls`);
  // The first cycle after an initial sync has no change window yet: it queries objects directly.
  const first = await job("sync.incremental", "first", tenantId);
  // Cycles run minutes apart; Salesforce's change windows have minute granularity, so a change seen
  // in a cycle's still-open minute is listed again by the next one. The idle cycle runs as a
  // scheduled one would: after the minute of the previous cycle has closed.
  await new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000) + 1_000));
  const idle = await job("sync.incremental", "idle", tenantId);

  // Changes made in Salesforce: Lead titles edited through the emulator's control API.
  const conn = new jsforce.Connection({ loginUrl: emu.url, version: "62.0" });
  await conn.login(emu.username, emu.password + emu.token);
  const ids: string[] = [];
  let page = await conn.query<{ Id: string }>(`SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT ${CHANGES}`);
  for (;;) {
    ids.push(...page.records.map((r) => r.Id));
    if (page.done || !page.nextRecordsUrl) break;
    page = await conn.queryMore<{ Id: string }>(page.nextRecordsUrl);
  }
  const changeStarted = performance.now();
  const stamp = Date.now().toString(36);
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map((id) => emu.control("PATCH", `/records/Lead/${id}`, { Title: `Bench ${stamp}` })));
  }
  const changeSeconds = (performance.now() - changeStarted) / 1000;
  const busy = await job("sync.incremental", "busy", tenantId);
  const busyLead = busy.objects.find((o) => o.object === "Lead");

  // Local edits, queued as the record browser's editRecord verb queues them (one push_queue row per
  // edit, with the record's SystemModstamp as its base), then one push run.
  const editIds = ids.slice(0, EDITS);
  await ferry.sql`
    insert into push_queue (tenant_id, id, object, sf_id, changes, base_modstamp, edited_by)
    select ${tenantId}, gen_random_uuid()::text, 'Lead', r.sf_id, jsonb_build_object('Title', 'Edited in Ferry ' || r.sf_id), r.system_modstamp, ${ownerId}
    from sf_records r where r.tenant_id = ${tenantId} and r.object = 'Lead' and r.sf_id = any(${editIds})`;
  const push = await job("sync.push", "push", tenantId);
  const pushState = await ferry.sql<{ state: string; n: number }[]>`select state, count(*)::int as n from push_queue group by state order by state`;
  const sample = await conn.sobject("Lead").retrieve(editIds[0]!);
  const landed = (sample as { Title?: string }).Title === `Edited in Ferry ${editIds[0]}`;

  const objects = [...new Set([...Object.keys(first.calls), ...Object.keys(idle.calls), ...Object.keys(busy.calls)])].sort();
  printTable(`2. API calls per incremental cycle, per object (target: idle cycle 1 call for all objects)`, [
    ["object", "first cycle after the initial sync", "idle cycle", `busy cycle (${fmt(CHANGES)} Lead changes)`],
    ...objects.map((o) => [o, first.calls[o] ?? 0, idle.calls[o] ?? 0, busy.calls[o] ?? 0]),
    ["total (HTTP requests seen)", first.totalCalls, idle.totalCalls, busy.totalCalls],
    ["total (engine's sync_runs.api_calls)", first.engineCalls, idle.engineCalls, busy.engineCalls],
  ]);
  printTable("5. Incremental and push (targets: 10,000 changes ≤ 10 s; 1,000 edits ≤ 5 calls and ≤ 10 s)", [
    ["", "run s", "job sent → done s", "calls", "records"],
    ["first cycle after the initial sync", first.runSeconds.toFixed(2), first.sentToDoneSeconds.toFixed(2), first.totalCalls, 0],
    ["idle cycle", idle.runSeconds.toFixed(2), idle.sentToDoneSeconds.toFixed(2), idle.totalCalls, 0],
    [
      `busy cycle, ${fmt(CHANGES)} changes`,
      busy.runSeconds.toFixed(2),
      busy.sentToDoneSeconds.toFixed(2),
      busy.totalCalls,
      `${fmt(busyLead?.processed ?? 0)} read, ${fmt(busyLead?.updated ?? 0)} updated`,
    ],
    [
      `push of ${fmt(EDITS)} edits`,
      push.runSeconds.toFixed(2),
      push.sentToDoneSeconds.toFixed(2),
      push.totalCalls,
      pushState.map((s) => `${s.state} ${s.n}`).join(", "),
    ],
  ]);
  console.log(
    `  (making the ${fmt(CHANGES)} changes in the emulator took ${changeSeconds.toFixed(1)} s; a pushed value read back from Salesforce: ${landed ? "present" : "MISSING"})`,
  );
  Object.assign(results, { leads: LEADS, changes: CHANGES, edits: EDITS, initial, first, idle, busy, push, pushState, pushLanded: landed });
} finally {
  await sender.stop();
  await worker.stop();
  await ferry.drop();
  await emu.stop();
}
await writeResult("incremental-push", results);
process.exit(0);
