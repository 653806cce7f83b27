import jsforce, { type Connection } from "jsforce";
import type PubSubApiClient from "salesforce-pubsub-api-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { soapLogin, start, VERSION } from "./helpers";
import { collector, pubsubClient, rawSubscribe, replayBytes, replayNumber, unary, until, type ParsedEvent } from "./pubsub-helpers";

const CDC = ["Lead", "Account", "Contact", "Opportunity"];
let emu: EmulatorHandle;
let conn: Connection;
const clients: PubSubApiClient[] = [];
const raws: { close(): void }[] = [];

beforeAll(async () => {
  emu = await start({ pubsub: { keepaliveMs: 60_000 }, cdc: CDC });
});
beforeEach(async () => {
  emu.reset();
  conn = await soapLogin(emu);
});
afterEach(async () => {
  // Streams end cleanly first: the client drops its listeners on close, so a later error would go unhandled.
  emu.pubsub!.endAll();
  for (const c of clients.splice(0)) c.close();
  for (const r of raws.splice(0)) r.close();
  await control("PUT", "/cdc/faults/slow", { delayMs: 0 });
  await control("PUT", "/cdc/keepalive", { keepaliveMs: 60_000 });
});
afterAll(() => emu.stop());

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${emu.controlUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/** The unchanged client subscribed to a topic; resolves once the server holds the stream. */
async function subscribe(topic: string, how: { numRequested?: number | null; from?: "earliest" | number } = {}, as: Connection = conn) {
  const client = await pubsubClient(emu, as);
  clients.push(client);
  const { received, callback } = collector();
  const before = emu.pubsub!.subscriptions.size;
  const n = how.numRequested === undefined ? null : how.numRequested;
  if (how.from === "earliest") client.subscribeFromEarliestEvent(topic, callback as never, n);
  else if (typeof how.from === "number") client.subscribeFromReplayId(topic, callback as never, n, how.from);
  else client.subscribe(topic, callback as never, n);
  await until("the subscription", () => emu.pubsub!.subscriptions.size > before || received.errors.length > 0);
  return received;
}

const header = (e: ParsedEvent) => e.payload.ChangeEventHeader;
const userId = () => emu.org.users[0]!.id;

describe("Change Data Capture over the Pub/Sub API, received by the unchanged salesforce-pubsub-api-client", () => {
  it("create, update, delete and undelete through REST arrive in order with their header and fields", async () => {
    const got = await subscribe("/data/LeadChangeEvent");
    const ferry = new jsforce.Connection({
      instanceUrl: conn.instanceUrl,
      accessToken: conn.accessToken!,
      version: VERSION,
      callOptions: { client: "FerrySync" },
    });
    const { id } = (await ferry.sobject("Lead").create({ LastName: "Okafor", Company: "Acme", Email: "o@acme.test" })) as { id: string };
    await ferry.sobject("Lead").update({ Id: id, Company: "Acme Ltd", Email: null });
    await ferry.sobject("Lead").destroy(id);
    await ferry.soap.undelete([id]);
    await until("4 events", () => got.events.length >= 4);
    expect(got.events.map((e) => header(e).changeType)).toEqual(["CREATE", "UPDATE", "DELETE", "UNDELETE"]);
    const [create, update, del, undel] = got.events as [ParsedEvent, ParsedEvent, ParsedEvent, ParsedEvent];
    for (const e of got.events) {
      expect(header(e)).toMatchObject({ entityName: "Lead", recordIds: [id], commitUser: userId(), sequenceNumber: 1, diffFields: [] });
    }
    expect(header(create).changeOrigin).toBe(`com/salesforce/api/rest/${VERSION};client=FerrySync`);
    expect(header(undel).changeOrigin).toBe(`com/salesforce/api/soap/${VERSION};client=FerrySync`);
    expect(create.payload).toMatchObject({
      Company: "Acme",
      Email: "o@acme.test",
      Status: "Open - Not Contacted",
      Name: { LastName: "Okafor", FirstName: null },
    });
    expect(header(create).changedFields).toEqual([]);
    expect(header(update).changedFields).toEqual(expect.arrayContaining(["Company", "Email"]));
    expect(header(update).nulledFields).toEqual(["Email"]);
    expect(update.payload).toMatchObject({ Company: "Acme Ltd", Email: null, Status: null, Name: null });
    expect(del.payload).toMatchObject({ Company: null, Name: null });
    expect(undel.payload).toMatchObject({ Company: "Acme Ltd", Name: { LastName: "Okafor" } });
    const replays = got.events.map((e) => e.replayId);
    expect([...replays].sort((a, b) => a - b)).toEqual(replays);
    const commits = got.events.map((e) => header(e).commitNumber);
    expect(new Set(commits).size).toBe(4);
    expect(new Set(got.events.map((e) => header(e).transactionKey)).size).toBe(4);
    expect(Math.abs(header(create).commitTimestamp - (create.payload.CreatedDate as number))).toBeLessThan(2_000);
  });

  it("an event's commitTimestamp is the time of its commit, to the millisecond, on the org's clock", async () => {
    const got = await subscribe("/data/LeadChangeEvent");
    const { id } = (await conn.sobject("Lead").create({ LastName: "Tanaka", Company: "Acme" })) as { id: string };
    // Twenty commits spread over more than a second: every part of the second is met.
    const windows: { before: number; after: number }[] = [];
    for (let k = 0; k < 20; k++) {
      const before = Date.now();
      await conn.sobject("Lead").update({ Id: id, Title: `Title ${k}` });
      windows.push({ before, after: Date.now() });
      await new Promise((r) => setTimeout(r, 55));
    }
    await until("21 events", () => got.events.length >= 21);
    const updates = got.events.slice(1).map((e) => header(e).commitTimestamp);
    updates.forEach((at, k) => {
      expect(at, `commit ${k}`).toBeGreaterThanOrEqual(windows[k]!.before);
      expect(at, `commit ${k}`).toBeLessThanOrEqual(windows[k]!.after);
    });
  });

  it("lead convert and merge emit every change of their transaction, on /data/ChangeEvents", async () => {
    const got = await subscribe("/data/ChangeEvents");
    const lead = (await conn.query("SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 1")).records[0]!.Id as string;
    const [converted] = await conn.soap.convertLead([{ leadId: lead, convertedStatus: "Closed - Converted" }]);
    await until("convert events", () => got.events.length >= 4);
    const convert = got.events.slice(0, 4);
    expect(convert.map((e) => `${header(e).entityName} ${header(e).changeType}`)).toEqual([
      "Account CREATE",
      "Contact CREATE",
      "Opportunity CREATE",
      "Lead UPDATE",
    ]);
    expect(new Set(convert.map((e) => header(e).transactionKey)).size).toBe(1);
    expect(convert.map((e) => header(e).sequenceNumber)).toEqual([1, 2, 3, 4]);
    expect(header(convert[3]!).changedFields).toEqual(
      expect.arrayContaining(["IsConverted", "ConvertedAccountId", "ConvertedContactId", "ConvertedOpportunityId", "Status"]),
    );
    expect(convert[3]!.payload).toMatchObject({ IsConverted: true, ConvertedAccountId: converted!.accountId, ConvertedContactId: converted!.contactId });

    const [winner, loser] = (await conn.query("SELECT Id FROM Account WHERE Id != '" + converted!.accountId + "' ORDER BY Id LIMIT 2")).records.map(
      (r) => r.Id as string,
    );
    const child = (await conn.sobject("Contact").create({ LastName: "Child", AccountId: loser })) as { id: string };
    await until("child create", () => got.events.length >= 5);
    await conn.soap.merge({ masterRecord: { type: "Account", Id: winner!, Description: "merged" } as never, recordToMergeIds: [loser!] });
    await until("merge events", () => got.events.length >= 8);
    const merge = got.events.slice(5);
    const byType = merge.map((e) => `${header(e).entityName} ${header(e).changeType} ${header(e).recordIds.join(",")}`);
    expect(byType).toEqual(expect.arrayContaining([`Contact UPDATE ${child.id}`, `Account DELETE ${loser}`, `Account UPDATE ${winner}`]));
    expect(new Set(merge.map((e) => header(e).transactionKey)).size).toBe(1);
    const childUpdate = merge.find((e) => header(e).entityName === "Contact")!;
    expect(childUpdate.payload).toMatchObject({ AccountId: winner });
    expect(header(childUpdate).changedFields).toContain("AccountId");
  });

  it("Bulk API writes arrive as 200-row transactions whose records share events when given the same change", async () => {
    const got = await subscribe("/data/LeadChangeEvent");
    const byTransaction = (from: number) => {
      const sizes = new Map<string, number>();
      for (const e of got.events.slice(from)) sizes.set(header(e).transactionKey, (sizes.get(header(e).transactionKey) ?? 0) + header(e).recordIds.length);
      return [...sizes.values()];
    };
    const records = (from: number) => got.events.slice(from).reduce((n, e) => n + header(e).recordIds.length, 0);
    const insert = await conn.bulk2.loadAndWaitForResults({
      object: "Lead",
      operation: "insert",
      input: `LastName,Company\n${Array.from({ length: 250 }, () => "Bulk,Bulk Co").join("\n")}\n`,
      pollInterval: 100,
      pollTimeout: 20_000,
    });
    const ids = insert.successfulResults.map((r) => r.sf__Id as string);
    expect(ids).toHaveLength(250);
    await until("250 created", () => records(0) >= 250);
    const created = got.events.length;
    expect(byTransaction(0)).toEqual([200, 50]);
    // One event per distinct set of values: the 200 rows of a transaction differ at most in the second they were stamped.
    expect(created).toBeLessThanOrEqual(4);
    expect(got.events.flatMap((e) => header(e).recordIds).sort()).toEqual([...ids].sort());
    for (const e of got.events) {
      expect(header(e)).toMatchObject({ changeType: "CREATE", changeOrigin: `com/salesforce/api/bulkapi/${VERSION};client=` });
      expect(e.payload).toMatchObject({ Company: "Bulk Co", Name: { LastName: "Bulk" } });
    }

    await control("POST", "/clock", { seconds: 60 });
    const csv = `Id,Status\n${ids.map((id) => `${id},Working - Contacted`).join("\n")}\n`;
    const update = await conn.bulk2.loadAndWaitForResults({ object: "Lead", operation: "update", input: csv, pollInterval: 100, pollTimeout: 20_000 });
    expect(update.successfulResults).toHaveLength(250);
    await until("250 updated", () => records(created) >= 250);
    expect(byTransaction(created)).toEqual([200, 50]);
    expect(got.events.length - created).toBeLessThanOrEqual(4);
    for (const e of got.events.slice(created)) {
      expect(header(e).changeType).toBe("UPDATE");
      expect(header(e).changedFields).toEqual(expect.arrayContaining(["Status", "LastModifiedDate"]));
      expect(e.payload.Status).toBe("Working - Contacted");
    }

    const updated = got.events.length;
    const res = await conn.bulk.load(
      "Lead",
      "delete",
      ids.slice(0, 3).map((Id) => ({ Id })),
    );
    expect(res.every((r) => r.success)).toBe(true);
    await until("bulk 1.0 delete", () => got.events.length > updated);
    expect(header(got.events[updated]!)).toMatchObject({ changeType: "DELETE", recordIds: ids.slice(0, 3) });
  });

  it("collections group identical creates into one event; a rolled-back allOrNone composite request emits nothing", async () => {
    const got = await subscribe("/data/LeadChangeEvent");
    const rows = [1, 2, 3].map(() => ({ attributes: { type: "Lead" }, LastName: "Same", Company: "Same Co" }));
    const created = (await conn.requestPost(`/services/data/v${VERSION}/composite/sobjects`, { allOrNone: true, records: rows })) as { id: string }[];
    await until("collection create", () => got.events.length >= 1);
    expect(header(got.events[0]!)).toMatchObject({ changeType: "CREATE", recordIds: created.map((c) => c.id) });
    const composite = (await conn.requestPost(`/services/data/v${VERSION}/composite`, {
      allOrNone: true,
      compositeRequest: [
        { method: "PATCH", url: `/services/data/v${VERSION}/sobjects/Lead/${created[0]!.id}`, referenceId: "ok", body: { Company: "Changed" } },
        { method: "PATCH", url: `/services/data/v${VERSION}/sobjects/Lead/${created[1]!.id}`, referenceId: "bad", body: { NoSuchField__c: 1 } },
      ],
    })) as { compositeResponse: { httpStatusCode: number }[] };
    expect(composite.compositeResponse[1]!.httpStatusCode).toBe(400);
    await conn.sobject("Lead").update({ Id: created[2]!.id, Company: "Later" });
    await until("the later update", () => got.events.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.events).toHaveLength(2);
    expect(header(got.events[1]!)).toMatchObject({ changeType: "UPDATE", recordIds: [created[2]!.id] });
  });

  it("cascades, composite tree, upsert and control-API writes emit events too; the control API shows the bus decoded", async () => {
    const got = await subscribe("/data/ChangeEvents");
    const tree = (await conn.requestPost(`/services/data/v${VERSION}/composite/tree/Account`, {
      records: [
        {
          attributes: { type: "Account", referenceId: "acc" },
          Name: "Tree Co",
          Contacts: { records: [{ attributes: { type: "Contact", referenceId: "c1" }, LastName: "Leaf" }] },
        },
      ],
    })) as { results: { referenceId: string; id: string }[] };
    const account = tree.results.find((r) => r.referenceId === "acc")!.id;
    const contact = tree.results.find((r) => r.referenceId === "c1")!.id;
    await until("tree events", () => got.events.length >= 2);
    expect(got.events.slice(0, 2).map((e) => `${header(e).entityName} ${header(e).changeType} ${header(e).recordIds[0]}`)).toEqual([
      `Account CREATE ${account}`,
      `Contact CREATE ${contact}`,
    ]);
    expect(header(got.events[0]!).transactionKey).toBe(header(got.events[1]!).transactionKey);

    await conn.sobject("Account").destroy(account);
    await until("cascade", () => got.events.length >= 4);
    expect(got.events.slice(2, 4).map((e) => `${header(e).entityName} ${header(e).changeType}`)).toEqual(["Account DELETE", "Contact DELETE"]);
    expect(header(got.events[3]!).recordIds).toEqual([contact]);

    const up = (await conn.sobject("Lead").upsert({ ExternalKey__c: "EXT-1", LastName: "Upserted", Company: "U" }, "ExternalKey__c")) as { id: string };
    await conn.sobject("Lead").upsert({ ExternalKey__c: "EXT-1", Company: "U2" }, "ExternalKey__c");
    const fromControl = emu.updateRecord(up.id, { Title: "Set by an admin" });
    await until("upserts and the admin edit", () => got.events.length >= 7);
    expect(got.events.slice(4, 7).map((e) => header(e).changeType)).toEqual(["CREATE", "UPDATE", "UPDATE"]);
    expect(header(got.events[6]!)).toMatchObject({ recordIds: [fromControl], changeOrigin: "" });

    const bus = (await control("GET", `/cdc/events?after=${got.events[5]!.replayId}&entity=Lead`)) as {
      events: { seq: number; header: { changeType: string }; fields: Record<string, unknown> }[];
    };
    expect(bus.events).toHaveLength(1);
    expect(bus.events[0]).toMatchObject({ seq: got.events[6]!.replayId, header: { changeType: "UPDATE" }, fields: { Title: "Set by an admin" } });
  });

  it("replay: EARLIEST gives every retained event, CUSTOM resumes after the given replay id", async () => {
    const ids: string[] = [];
    for (let k = 0; k < 5; k++) ids.push(((await conn.sobject("Lead").create({ LastName: `Replay ${k}`, Company: "R" })) as { id: string }).id);
    const all = await subscribe("/data/LeadChangeEvent", { from: "earliest" });
    await until("5 events", () => all.events.length >= 5);
    expect(all.events.map((e) => header(e).recordIds[0])).toEqual(ids);
    const resumed = await subscribe("/data/LeadChangeEvent", { from: all.events[1]!.replayId });
    await until("3 events", () => resumed.events.length >= 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(resumed.events.map((e) => header(e).recordIds[0])).toEqual(ids.slice(2));
    expect(resumed.events.map((e) => e.replayId)).toEqual(all.events.slice(2).map((e) => e.replayId));
  });

  it("flow control: at most num_requested events, pending_num_requested counts down, more after a new FetchRequest", async () => {
    for (let k = 0; k < 5; k++) await conn.sobject("Lead").create({ LastName: `Flow ${k}`, Company: "F" });
    const limited = await subscribe("/data/LeadChangeEvent", { from: "earliest", numRequested: 3 });
    await until("3 events and lastEvent", () => limited.lastEvent && limited.events.length === 3);

    const raw = rawSubscribe(emu, conn);
    raws.push(raw);
    raw.call.write({ topic_name: "/data/LeadChangeEvent", replay_preset: "EARLIEST", num_requested: 2 });
    await until("2 events", () => raw.events().length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(raw.events()).toHaveLength(2);
    expect(raw.responses.at(-1)!.pending_num_requested).toBe(0);
    raw.call.write({ num_requested: 10 });
    await until("5 events", () => raw.events().length >= 5);
    const last = raw.responses.at(-1)!;
    expect(last.pending_num_requested).toBe(7);
    expect(replayNumber(last.latest_replay_id)).toBe(replayNumber(raw.events()[4]!.replay_id));
    expect(
      raw
        .events()
        .slice(0, 3)
        .map((e) => replayNumber(e.replay_id)),
    ).toEqual(limited.events.map((e) => e.replayId));
  });

  it("idle streams get keepalives carrying the latest replay id", async () => {
    await conn.sobject("Account").create({ Name: "Moves the bus" });
    await control("PUT", "/cdc/keepalive", { keepaliveMs: 200 });
    const got = await subscribe("/data/LeadChangeEvent");
    const raw = rawSubscribe(emu, conn);
    raws.push(raw);
    raw.call.write({ topic_name: "/data/LeadChangeEvent", num_requested: 5 });
    await until("keepalives", () => got.keepalives >= 1 && raw.responses.length >= 1, 5_000);
    const ka = raw.responses[0]!;
    expect(ka.events).toEqual([]);
    expect(replayNumber(ka.latest_replay_id)).toBe(emu.capture.head);
    expect(ka.pending_num_requested).toBe(5);
  });
});

describe("Pub/Sub API errors and faults", () => {
  it("a wrong access token or tenant id is UNAUTHENTICATED with the auth error code in the trailers", async () => {
    const e = await unary(emu, conn, "GetTopic", { topic_name: "/data/LeadChangeEvent" }, { accesstoken: "nope" }).catch(
      (x: unknown) => x as { code: number; details: string; metadata: { get(k: string): unknown[] } },
    );
    expect(e).toMatchObject({
      code: 16,
      details: expect.stringMatching(/^An authentication exception occurred\. Provide valid authentication via metadata headers\. rpcId: [\w-]+$/),
    });
    expect((e as { metadata: { get(k: string): unknown[] } }).metadata.get("error-code")).toEqual(["sfdc.platform.eventbus.grpc.service.auth.error"]);
    const t = (await unary<unknown>(emu, conn, "GetTopic", { topic_name: "/data/LeadChangeEvent" }, { tenantid: "00D000000000000AAA" }).catch(
      (x: unknown) => x as { code: number },
    )) as { code: number };
    expect(t.code).toBe(16);
    const raw = rawSubscribe(emu, conn, { accesstoken: "nope" });
    raws.push(raw);
    raw.call.write({ topic_name: "/data/LeadChangeEvent", num_requested: 1 });
    await until("the error", () => raw.error);
    expect(raw.error!.code).toBe(16);
  });

  it("GetTopic and GetSchema describe the topic; an object without CDC has no topic", async () => {
    const topic = await unary<{ schema_id: string; can_subscribe: boolean; can_publish: boolean; tenant_guid: string }>(emu, conn, "GetTopic", {
      topic_name: "/data/LeadChangeEvent",
    });
    expect(topic).toMatchObject({ can_subscribe: true, can_publish: false, tenant_guid: emu.org.id });
    const schema = await unary<{ schema_json: string; schema_id: string }>(emu, conn, "GetSchema", { schema_id: topic.schema_id });
    const parsed = JSON.parse(schema.schema_json) as { name: string; fields: { name: string }[] };
    expect(parsed.name).toBe("LeadChangeEvent");
    expect(parsed.fields[0]!.name).toBe("ChangeEventHeader");
    expect(parsed.fields.map((f) => f.name)).toEqual(expect.arrayContaining(["Company", "Name", "Address", "LastModifiedDate"]));
    const missing = await unary(emu, conn, "GetTopic", { topic_name: "/data/CaseChangeEvent" }).catch((x: unknown) => x as { code: number; details: string });
    expect(missing).toMatchObject({ code: 5, details: expect.stringContaining("/data/CaseChangeEvent not found") });
    const publish = await unary(emu, conn, "Publish", { topic_name: "/data/LeadChangeEvent", events: [] }).catch((x: unknown) => x as { code: number });
    expect(publish).toMatchObject({ code: 12 });
    await control("POST", "/cdc/entities/Case");
    await expect(unary(emu, conn, "GetTopic", { topic_name: "/data/CaseChangeEvent" })).resolves.toMatchObject({ can_subscribe: true });
  });

  it("gap and overflow events reach the subscriber as header-only events", async () => {
    const got = await subscribe("/data/LeadChangeEvent");
    const lead = (await conn.query("SELECT Id FROM Lead ORDER BY Id LIMIT 1")).records[0]!.Id as string;
    await control("POST", "/cdc/faults/gap", { entity: "Lead", changeType: "GAP_UPDATE", recordIds: [lead] });
    await control("POST", "/cdc/faults/overflow", { entity: "Lead" });
    await until("2 events", () => got.events.length >= 2);
    expect(header(got.events[0]!)).toMatchObject({ changeType: "GAP_UPDATE", recordIds: [lead], changedFields: [] });
    expect(got.events[0]!.payload.Company).toBeNull();
    expect(header(got.events[1]!)).toMatchObject({ changeType: "GAP_OVERFLOW", recordIds: ["000000000000000AAA"] });
  });

  it("a replay id outside retention (fault, or 72 hours on the org clock) fails with INVALID_ARGUMENT replayid.corrupted", async () => {
    await conn.sobject("Lead").create({ LastName: "Old", Company: "O" });
    const first = (await control("GET", "/cdc/events")) as { events: { seq: number }[] };
    const seq = first.events[0]!.seq;
    const attempt = async () => {
      const raw = rawSubscribe(emu, conn);
      raws.push(raw);
      raw.call.write({ topic_name: "/data/LeadChangeEvent", replay_preset: "CUSTOM", replay_id: replayBytes(seq), num_requested: 5 });
      await until("an answer", () => raw.error || raw.responses.length > 0 || undefined);
      return raw;
    };
    await conn.sobject("Lead").create({ LastName: "Newer", Company: "O" });
    const ok = await attempt();
    await until("one event", () => ok.events().length === 1);
    await control("POST", "/clock", { seconds: 73 * 3600 });
    const expired = await attempt();
    expect(expired.error).toMatchObject({ code: 3, details: expect.stringContaining("The Replay ID validation failed.") });
    expect(expired.error!.metadata.get("error-code")).toEqual(["sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted"]);

    emu.reset();
    conn = await soapLogin(emu);
    await conn.sobject("Lead").create({ LastName: "Again", Company: "O" });
    await conn.sobject("Lead").create({ LastName: "Again 2", Company: "O" });
    const fresh = ((await control("GET", "/cdc/events")) as { events: { seq: number }[] }).events[0]!.seq;
    expect(await control("POST", "/cdc/faults/expire-replay")).toEqual({ expired: 2 });
    const client = await subscribe("/data/LeadChangeEvent", { from: fresh });
    await until("the error", () => client.errors.length > 0);
    expect(client.errors[0]).toMatchObject({ code: 3 });
  });

  it("the stream ending: cleanly (END) or with a status", async () => {
    const a = await subscribe("/data/LeadChangeEvent");
    expect(await control("POST", "/cdc/faults/end-streams", {})).toEqual({ ended: 1 });
    await until("end", () => a.ended);
    const b = await subscribe("/data/AccountChangeEvent");
    await control("POST", "/cdc/faults/end-streams", { status: "UNAVAILABLE" });
    await until("error", () => b.errors.length > 0);
    expect(b.errors[0]).toMatchObject({ code: 14 });
  });

  it("auth expiry mid-stream ends the stream with the auth error; so does an expired session", async () => {
    const a = await subscribe("/data/LeadChangeEvent");
    expect(await control("POST", "/cdc/faults/auth-expiry")).toEqual({ ended: 1 });
    await until("error", () => a.errors.length > 0);
    expect(a.errors[0]).toMatchObject({ code: 16 });
    expect(a.errors[0]!.metadata?.get("error-code")).toEqual(["sfdc.platform.eventbus.grpc.service.auth.error"]);

    conn = await soapLogin(emu);
    const b = await subscribe("/data/LeadChangeEvent");
    await control("POST", "/sessions/expire", {});
    await until("error", () => b.errors.length > 0);
    expect(b.errors[0]).toMatchObject({ code: 16 });
  });

  it("field-level security: a user sees no hidden field in events; without the CDC permission Subscribe is PERMISSION_DENIED", async () => {
    const restricted = await soapLogin(emu, 1);
    const limited = await subscribe("/data/LeadChangeEvent", {}, restricted);
    const full = await subscribe("/data/LeadChangeEvent");
    const id = ((await conn.sobject("Lead").create({ LastName: "Fls", Company: "F", Secret__c: "classified", AnnualRevenue: 5 })) as { id: string }).id;
    await conn.sobject("Lead").update({ Id: id, Secret__c: "still secret", Company: "F2" });
    await until("events for both", () => limited.events.length >= 2 && full.events.length >= 2);
    expect(full.events[0]!.payload).toMatchObject({ Secret__c: "classified", AnnualRevenue: 5, Company: "F" });
    expect(limited.events[0]!.payload).toMatchObject({ Secret__c: null, AnnualRevenue: null, Company: "F" });
    expect(header(full.events[1]!).changedFields).toEqual(expect.arrayContaining(["Secret__c", "Company"]));
    expect(header(limited.events[1]!).changedFields).toContain("Company");
    expect(header(limited.events[1]!).changedFields).not.toContain("Secret__c");
    expect(limited.events[1]!.payload.Secret__c).toBeNull();

    await control("PUT", "/cdc/permissions/restricted@ferry.emulator", { allowed: false });
    const denied = await subscribe("/data/LeadChangeEvent", {}, restricted);
    await until("the error", () => denied.errors.length > 0);
    expect(denied.errors[0]).toMatchObject({ code: 7 });
    expect(denied.errors[0]!.metadata?.get("error-code")).toEqual(["sfdc.platform.eventbus.grpc.subscription.permission.denied"]);
  });

  it("slow delivery holds back each batch", async () => {
    const got = await subscribe("/data/LeadChangeEvent");
    await control("PUT", "/cdc/faults/slow", { delayMs: 600 });
    const t0 = Date.now();
    await conn.sobject("Lead").create({ LastName: "Slow", Company: "S" });
    await until("the event", () => got.events.length >= 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
  });
});
