import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { Connection } from "jsforce";
import PubSubApiClient from "salesforce-pubsub-api-client";
import type { EmulatorHandle } from "../src/index";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export interface ParsedEvent {
  id: string;
  schemaId: string;
  replayId: number;
  payload: {
    ChangeEventHeader: {
      entityName: string;
      recordIds: string[];
      changeType: string;
      changeOrigin: string;
      transactionKey: string;
      sequenceNumber: number;
      commitTimestamp: number;
      commitNumber: number;
      commitUser: string;
      changedFields: string[];
      nulledFields: string[];
      diffFields: string[];
    };
  } & Record<string, unknown>;
}

export interface Received {
  events: ParsedEvent[];
  keepalives: number;
  errors: (Error & { code?: number; metadata?: grpc.Metadata })[];
  ended: boolean;
  lastEvent: boolean;
}

/**
 * The unchanged salesforce-pubsub-api-client, authenticated with the caller's access token
 * (user-supplied mode). Its channel trusts only Salesforce's CA bundle, so verification is off here;
 * the raw client below verifies the emulator's CA.
 */
export async function pubsubClient(emu: EmulatorHandle, conn: Connection) {
  const client = new PubSubApiClient(
    {
      authType: "user-supplied",
      accessToken: conn.accessToken!,
      // The client insists on an https instance URL; the emulator does not compare the scheme.
      instanceUrl: conn.instanceUrl.replace(/^http:/, "https:"),
      organizationId: emu.org.id,
      pubSubEndpoint: emu.pubsubEndpoint!,
      rejectUnauthorizedSsl: false,
    } as never,
    quiet as never,
  );
  await client.connect();
  return client;
}

export function collector(): { received: Received; callback: (info: unknown, type: string, data?: unknown) => void } {
  const received: Received = { events: [], keepalives: 0, errors: [], ended: false, lastEvent: false };
  const callback = (_info: unknown, type: string, data?: unknown) => {
    if (type === "event") received.events.push(data as ParsedEvent);
    else if (type === "grpcKeepAlive") received.keepalives++;
    else if (type === "error") received.errors.push(data as Error);
    else if (type === "end") received.ended = true;
    else if (type === "lastEvent") received.lastEvent = true;
  };
  return { received, callback };
}

export async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A plain grpc-js client on the same proto, trusting the emulator's CA: for wire-level checks. */
export function rawPubSub(emu: EmulatorHandle, conn: Connection, overrides: Partial<Record<"accesstoken" | "instanceurl" | "tenantid", string>> = {}) {
  const require = createRequire(import.meta.url);
  const proto = join(dirname(require.resolve("salesforce-pubsub-api-client")), "..", "pubsub_api.proto");
  const def = protoLoader.loadSync(proto, { keepCase: true, longs: Number, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    eventbus: { v1: { PubSub: new (endpoint: string, creds: grpc.ChannelCredentials) => grpc.Client & Record<string, (...args: unknown[]) => unknown> } };
  };
  const meta = new grpc.Metadata();
  meta.set("accesstoken", overrides.accesstoken ?? conn.accessToken!);
  meta.set("instanceurl", overrides.instanceurl ?? conn.instanceUrl);
  meta.set("tenantid", overrides.tenantid ?? emu.org.id);
  const creds = grpc.credentials.createSsl(readFileSync(emu.pubsubCaFile!));
  const client = new pkg.eventbus.v1.PubSub(emu.pubsubEndpoint!, creds);
  return { client, meta };
}

export interface RawFetchResponse {
  events: { event: { id: string; schema_id: string; payload: Buffer }; replay_id: Buffer }[];
  latest_replay_id: Buffer;
  rpc_id: string;
  pending_num_requested: number;
}

export const replayNumber = (b: Buffer) => Number(b.readBigUInt64BE());
export const replayBytes = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

/** Opens Subscribe with the raw client; collects responses and the final status. */
export function rawSubscribe(emu: EmulatorHandle, conn: Connection, overrides: Parameters<typeof rawPubSub>[2] = {}) {
  const { client, meta } = rawPubSub(emu, conn, overrides);
  const call = (client.Subscribe as (m: grpc.Metadata) => grpc.ClientDuplexStream<unknown, RawFetchResponse>)(meta);
  const responses: RawFetchResponse[] = [];
  let error: (Error & { code: number; details: string; metadata: grpc.Metadata }) | undefined;
  let ended = false;
  call.on("data", (r: RawFetchResponse) => responses.push(r));
  call.on("error", (e) => (error = e as typeof error));
  call.on("end", () => (ended = true));
  return {
    call,
    responses,
    get error() {
      return error;
    },
    get ended() {
      return ended;
    },
    events: () => responses.flatMap((r) => r.events),
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

export function unary<T>(
  emu: EmulatorHandle,
  conn: Connection,
  method: "GetTopic" | "GetSchema" | "Publish",
  request: unknown,
  overrides: Parameters<typeof rawPubSub>[2] = {},
): Promise<T> {
  const { client, meta } = rawPubSub(emu, conn, overrides);
  return new Promise<T>((resolve, reject) => {
    (client[method] as (req: unknown, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: T) => void) => void)(request, meta, (e, r) => {
      client.close();
      if (e) reject(e);
      else resolve(r);
    });
  });
}
