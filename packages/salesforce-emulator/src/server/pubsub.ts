import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { encodeReplayId, type BusEvent, type ChangeCapture } from "../cdc/capture";
import { maskFields } from "../cdc/avro";
import type { OrgUser } from "../data/org";
import type { EmulatorContext } from "./context";

/**
 * The proto is the one Salesforce publishes (forcedotcom/pub-sub-api); it ships inside the npm
 * package salesforce-pubsub-api-client (CC0-1.0), so it is loaded from there rather than copied.
 */
function protoPath(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("salesforce-pubsub-api-client");
  return join(dirname(entry), "..", "pubsub_api.proto");
}

/** Error codes the Pub/Sub API puts in the `error-code` trailer (see PUBSUB.md for which are documented). */
export const PUBSUB_ERROR = {
  auth: "sfdc.platform.eventbus.grpc.service.auth.error",
  replayCorrupted: "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted",
  topicNotFound: "sfdc.platform.eventbus.grpc.service.topic.not.found",
  schemaNotFound: "sfdc.platform.eventbus.grpc.schema.not.found",
  invalidArgument: "sfdc.platform.eventbus.grpc.service.invalid.argument",
  unimplemented: "sfdc.platform.eventbus.grpc.service.unimplemented",
  permission: "sfdc.platform.eventbus.grpc.subscription.permission.denied",
  streamClosed: "sfdc.platform.eventbus.grpc.service.stream.closed",
} as const;

/** Events per FetchRequest the server honours at most (Salesforce caps num_requested at 100). */
export const MAX_NUM_REQUESTED = 100;

export interface PubSubOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Serve without TLS (only clients that allow an insecure channel can connect). */
  plaintext?: boolean;
  /** An empty FetchResponse with the latest replay id after this much idle time (Salesforce: within 270 s). */
  keepaliveMs?: number;
}

export interface StreamFaults {
  /** Milliseconds to hold back each FetchResponse that carries events. */
  delayMs: number;
}

interface Subscription {
  call: grpc.ServerDuplexStream<FetchRequest, FetchResponse>;
  token: string;
  user: OrgUser;
  topic: string;
  entity: string | undefined;
  /** Every bus event with seq ≤ cursor has been delivered or does not belong to the topic. */
  cursor: number;
  pending: number;
  lastSent: number;
  sending: boolean;
  closed: boolean;
  rpcId: string;
}

interface FetchRequest {
  topic_name?: string;
  replay_preset?: string | number;
  replay_id?: Buffer;
  num_requested?: number;
}

interface FetchResponse {
  events: { event: { id: string; schema_id: string; payload: Buffer; headers: [] }; replay_id: Buffer }[];
  latest_replay_id: Buffer;
  rpc_id: string;
  pending_num_requested: number;
}

function decodeReplayId(b: Buffer | undefined): number | undefined {
  if (!b || b.length !== 8) return undefined;
  const n = b.readBigUInt64BE();
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(n);
}

export class PubSubServer {
  readonly server = new grpc.Server({ "grpc.keepalive_permit_without_calls": 1 });
  readonly subscriptions = new Set<Subscription>();
  readonly faults: StreamFaults = { delayMs: 0 };
  keepaliveMs: number;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly capture: ChangeCapture,
    options: PubSubOptions,
  ) {
    this.keepaliveMs = options.keepaliveMs ?? 270_000;
    const def = protoLoader.loadSync(protoPath(), { keepCase: true, longs: Number, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { eventbus: { v1: { PubSub: { service: grpc.ServiceDefinition } } } };
    const unimplemented = (_call: unknown, cb: (e: grpc.StatusObject) => void) =>
      cb(this.status(grpc.status.UNIMPLEMENTED, "This emulator serves Subscribe, GetTopic and GetSchema only.", PUBSUB_ERROR.unimplemented));
    const unimplementedStream = (call: grpc.ServerDuplexStream<unknown, unknown>) =>
      call.emit("error", this.status(grpc.status.UNIMPLEMENTED, "This emulator serves Subscribe, GetTopic and GetSchema only.", PUBSUB_ERROR.unimplemented));
    this.server.addService(pkg.eventbus.v1.PubSub.service, {
      Subscribe: (call: grpc.ServerDuplexStream<FetchRequest, FetchResponse>) => this.subscribe(call),
      GetTopic: (call: grpc.ServerUnaryCall<{ topic_name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => this.getTopic(call, cb),
      GetSchema: (call: grpc.ServerUnaryCall<{ schema_id: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => this.getSchema(call, cb),
      Publish: unimplemented,
      PublishStream: unimplementedStream,
      ManagedSubscribe: unimplementedStream,
    });
    this.unlisten = capture.subscribe(() => {
      for (const s of this.subscriptions) void this.pump(s);
    });
  }

  async listen(host: string, port: number, tls: { key: Buffer; cert: Buffer } | undefined): Promise<number> {
    const creds = tls
      ? grpc.ServerCredentials.createSsl(null, [{ private_key: tls.key, cert_chain: tls.cert }], false)
      : grpc.ServerCredentials.createInsecure();
    const bound = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host.includes(":") ? `[${host}]` : host}:${port}`, creds, (e, p) => (e ? reject(e) : resolve(p))),
    );
    this.timer = setInterval(() => this.tick(), 100);
    this.timer.unref();
    return bound;
  }

  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unlisten?.();
    for (const s of this.subscriptions) this.end(s, this.status(grpc.status.UNAVAILABLE, "Server shutting down.", PUBSUB_ERROR.streamClosed, s.rpcId));
    return new Promise((resolve) => {
      this.server.tryShutdown(() => resolve());
      setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 500).unref();
    });
  }

  private status(code: grpc.status, message: string, errorCode: string, rpcId: string = randomUUID()): grpc.StatusObject {
    const metadata = new grpc.Metadata();
    metadata.set("error-code", errorCode);
    metadata.set("rpc-id", rpcId);
    return { code, details: `${message} rpcId: ${rpcId}`, metadata };
  }

  private authError(rpcId: string = randomUUID()): grpc.StatusObject {
    return this.status(
      grpc.status.UNAUTHENTICATED,
      "An authentication exception occurred. Provide valid authentication via metadata headers.",
      PUBSUB_ERROR.auth,
      rpcId,
    );
  }

  /** The session behind the call's metadata, or undefined when any of accesstoken / instanceurl / tenantid is wrong. */
  private authenticate(md: grpc.Metadata): { token: string; user: OrgUser } | undefined {
    const get = (k: string) => String(md.get(k)[0] ?? "");
    const token = get("accesstoken");
    const session = this.ctx.sessions.validate(token);
    if (!session) return undefined;
    const orgId = this.ctx.org.id;
    const tenant = get("tenantid");
    if (tenant !== orgId && tenant !== orgId.slice(0, 15)) return undefined;
    // The scheme is not compared: clients insist on https:// even when the emulator's REST side runs plain http.
    const host = (u: string) =>
      u
        .replace(/^https?:\/\//i, "")
        .replace(/\/+$/, "")
        .toLowerCase();
    if (host(get("instanceurl")) !== host(this.ctx.baseUrl())) return undefined;
    return { token, user: session.user };
  }

  private stillValid(token: string): boolean {
    const s = this.ctx.sessions.byToken.get(token);
    return s !== undefined && Date.now() - s.lastUsed <= this.ctx.sessions.idleTimeoutMs;
  }

  /** `/data/LeadChangeEvent` → Lead; `/data/ChangeEvents` → undefined (every enabled object). */
  private resolveTopic(name: string): { entity: string | undefined } | undefined {
    if (name === "/data/ChangeEvents") return { entity: undefined };
    const m = /^\/data\/(\w+?)(?:__)?ChangeEvent$/.exec(name);
    if (!m) return undefined;
    const custom = name.endsWith("__ChangeEvent");
    const table = this.ctx.org.table(custom ? `${m[1]}__c` : m[1]!);
    if (!table || !this.capture.enabled.has(table.def.name)) return undefined;
    return { entity: table.def.name };
  }

  private topicNotFound(topic: string): grpc.StatusObject {
    return this.status(
      grpc.status.NOT_FOUND,
      `The topic information for org CORE/prod/${this.ctx.org.id} and topic ${topic} not found. Ensure the topic name is correct and that the topic exists.`,
      PUBSUB_ERROR.topicNotFound,
    );
  }

  private permissionDenied(topic: string, rpcId?: string): grpc.StatusObject {
    return this.status(
      grpc.status.PERMISSION_DENIED,
      `The user doesn't have the permissions required to subscribe to ${topic}.`,
      PUBSUB_ERROR.permission,
      rpcId,
    );
  }

  private getTopic(call: grpc.ServerUnaryCall<{ topic_name: string }, unknown>, cb: grpc.sendUnaryData<unknown>): void {
    const auth = this.authenticate(call.metadata);
    if (!auth) return cb(this.authError());
    const topic = this.resolveTopic(call.request.topic_name);
    if (!topic) return cb(this.topicNotFound(call.request.topic_name));
    if (this.capture.denied.has(auth.user.id)) return cb(this.permissionDenied(call.request.topic_name));
    const entity = topic.entity ?? [...this.capture.enabled][0];
    cb(null, {
      topic_name: call.request.topic_name,
      tenant_guid: this.ctx.org.id,
      can_publish: false,
      can_subscribe: true,
      schema_id: entity ? this.capture.schemaFor(entity).id : "",
      rpc_id: randomUUID(),
    });
  }

  private getSchema(call: grpc.ServerUnaryCall<{ schema_id: string }, unknown>, cb: grpc.sendUnaryData<unknown>): void {
    if (!this.authenticate(call.metadata)) return cb(this.authError());
    const schema = this.capture.schemaById(call.request.schema_id);
    if (!schema)
      return cb(
        this.status(
          grpc.status.NOT_FOUND,
          `The schema ID ${call.request.schema_id} isn't valid. Ensure that the schema ID is correct.`,
          PUBSUB_ERROR.schemaNotFound,
        ),
      );
    cb(null, { schema_json: schema.json, schema_id: schema.id, rpc_id: randomUUID() });
  }

  private subscribe(call: grpc.ServerDuplexStream<FetchRequest, FetchResponse>): void {
    const rpcId = randomUUID();
    const auth = this.authenticate(call.metadata);
    if (!auth) {
      call.emit("error", this.authError(rpcId));
      return;
    }
    let sub: Subscription | undefined;
    call.on("data", (req: FetchRequest) => {
      if (!sub) {
        const topicName = req.topic_name ?? "";
        const topic = this.resolveTopic(topicName);
        if (!topic) return this.fail(call, this.topicNotFound(topicName));
        if (this.capture.denied.has(auth.user.id)) return this.fail(call, this.permissionDenied(topicName, rpcId));
        this.capture.flushNow();
        this.capture.purgeExpired();
        const start = this.startCursor(req);
        if (start === undefined) {
          return this.fail(
            call,
            this.status(
              grpc.status.INVALID_ARGUMENT,
              "The Replay ID validation failed. Ensure that the Replay ID is valid.",
              PUBSUB_ERROR.replayCorrupted,
              rpcId,
            ),
          );
        }
        sub = {
          call,
          token: auth.token,
          user: auth.user,
          topic: topicName,
          entity: topic.entity,
          cursor: start,
          pending: 0,
          lastSent: Date.now(),
          sending: false,
          closed: false,
          rpcId,
        };
        this.subscriptions.add(sub);
      } else if (req.topic_name && req.topic_name !== sub.topic) {
        return this.end(
          sub,
          this.status(
            grpc.status.INVALID_ARGUMENT,
            `The topic name ${req.topic_name} differs from the topic of this subscription (${sub.topic}).`,
            PUBSUB_ERROR.invalidArgument,
            rpcId,
          ),
        );
      }
      // A FetchRequest is activity on the session, as an API call is.
      if (!this.ctx.sessions.validate(sub.token)) return this.end(sub, this.authError(rpcId));
      const n = Math.max(0, Math.min(Number(req.num_requested ?? 0), MAX_NUM_REQUESTED));
      sub.pending = Math.min(sub.pending + n, MAX_NUM_REQUESTED * 10);
      void this.pump(sub);
    });
    const drop = () => {
      if (sub) {
        sub.closed = true;
        this.subscriptions.delete(sub);
      }
    };
    call.on("end", () => {
      drop();
      call.end();
    });
    call.on("cancelled", drop);
    call.on("error", drop);
  }

  private fail(call: grpc.ServerDuplexStream<FetchRequest, FetchResponse>, status: grpc.StatusObject): void {
    call.emit("error", status);
  }

  /** Where a new subscription starts: the seq after which it delivers. */
  private startCursor(req: FetchRequest): number | undefined {
    const preset = String(req.replay_preset ?? "LATEST");
    const bus = this.capture;
    if (preset === "EARLIEST" || preset === "1") return bus.earliestSeq - 1;
    if (preset === "CUSTOM" || preset === "2") {
      const seq = decodeReplayId(req.replay_id);
      // The id must name a retained event (or the position just before the oldest one): older ids have left the 72-hour window.
      if (seq === undefined || seq > bus.head || seq < bus.earliestSeq - 1 || (bus.events.length === 0 && seq < bus.head)) return undefined;
      return seq;
    }
    return bus.head;
  }

  private matches(s: Subscription, ev: BusEvent): boolean {
    return s.entity === undefined || s.entity === ev.entity;
  }

  /** Sends what the subscription may receive now: at most `pending` events, oldest first. */
  private async pump(s: Subscription): Promise<void> {
    if (s.sending || s.closed) return;
    s.sending = true;
    try {
      while (!s.closed && s.pending > 0) {
        if (!this.stillValid(s.token)) return this.end(s, this.authError(s.rpcId));
        const batch: BusEvent[] = [];
        let cursor = s.cursor;
        for (const ev of this.capture.after(s.cursor)) {
          if (batch.length >= s.pending) break;
          cursor = ev.seq;
          if (this.matches(s, ev)) batch.push(ev);
        }
        if (batch.length === 0) {
          s.cursor = Math.max(cursor, s.cursor);
          return;
        }
        if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
        if (s.closed) return;
        s.cursor = cursor;
        s.pending -= batch.length;
        this.write(s, {
          events: batch.map((ev) => ({
            event: { id: ev.id, schema_id: ev.schemaId, payload: this.payloadFor(s.user, ev), headers: [] },
            replay_id: encodeReplayId(ev.seq),
          })),
          latest_replay_id: encodeReplayId(cursor),
          rpc_id: s.rpcId,
          pending_num_requested: s.pending,
        });
      }
    } finally {
      s.sending = false;
    }
  }

  /** Field-level security of the subscribing user: fields it cannot see are left out of the event. */
  private payloadFor(user: OrgUser, ev: BusEvent): Buffer {
    if (user.fieldAccess.size === 0) return ev.payload;
    const table = this.ctx.org.table(ev.entity);
    const schema = this.capture.schemaById(ev.schemaId);
    if (!table || !schema) return ev.payload;
    const hidden = table.def.fields.filter((f) => this.ctx.org.access(user, table.def.name, f.name) === "hidden").map((f) => f.name);
    return hidden.length ? maskFields(schema, ev.payload, hidden) : ev.payload;
  }

  private write(s: Subscription, res: FetchResponse): void {
    s.lastSent = Date.now();
    s.call.write(res);
  }

  /** Keepalives for idle streams and the session check Salesforce makes on open streams. */
  private tick(): void {
    const now = Date.now();
    for (const s of this.subscriptions) {
      if (!this.stillValid(s.token)) {
        this.end(s, this.authError(s.rpcId));
        continue;
      }
      if (s.sending || now - s.lastSent < this.keepaliveMs) continue;
      // Nothing undelivered for this topic: the position moves to the head of the bus.
      let undelivered = false;
      for (const ev of this.capture.after(s.cursor)) if ((undelivered = this.matches(s, ev))) break;
      if (!undelivered) s.cursor = this.capture.head;
      this.write(s, { events: [], latest_replay_id: encodeReplayId(s.cursor), rpc_id: s.rpcId, pending_num_requested: s.pending });
    }
  }

  /** Ends a stream with a status (OK ends it cleanly). */
  end(s: Subscription, status: grpc.StatusObject | { code: grpc.status.OK }): void {
    if (s.closed) return;
    s.closed = true;
    this.subscriptions.delete(s);
    if (status.code === grpc.status.OK) s.call.end();
    else s.call.emit("error", status);
  }

  /** Fault: every open stream ends (cleanly, or with the given status and error code). */
  endAll(code: grpc.status = grpc.status.OK, message = "The stream was closed by the server.", errorCode: string = PUBSUB_ERROR.streamClosed): number {
    const list = [...this.subscriptions];
    for (const s of list) this.end(s, code === grpc.status.OK ? { code } : this.status(code, message, errorCode, s.rpcId));
    return list.length;
  }

  /** Fault: the sessions behind open streams expire now; each stream ends with the auth error. */
  expireStreamSessions(): number {
    const list = [...this.subscriptions];
    for (const s of list) {
      this.ctx.sessions.byToken.delete(s.token);
      this.end(s, this.authError(s.rpcId));
    }
    return list.length;
  }
}
