import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/**
 * The Pub/Sub API's own definition, from the npm package Salesforce's Node client ships (the
 * emulator loads the same file), so Ferry and the server agree byte for byte on the wire.
 */
function protoPath(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("salesforce-pubsub-api-client");
  // The package's entry is dist/client.*; the proto lies at the package root.
  return path.join(path.dirname(main), "..", "pubsub_api.proto");
}

export interface TopicInfo {
  topic_name: string;
  schema_id: string;
  can_subscribe: boolean;
  rpc_id: string;
}
export interface SchemaInfo {
  schema_json: string;
  schema_id: string;
}
export interface ConsumerEvent {
  event: { id: string; schema_id: string; payload: Buffer };
  replay_id: Buffer;
}
export interface FetchResponse {
  events: ConsumerEvent[];
  latest_replay_id: Buffer;
  rpc_id: string;
  pending_num_requested: number;
}
export interface FetchRequest {
  topic_name?: string;
  replay_preset?: "LATEST" | "EARLIEST" | "CUSTOM";
  replay_id?: Buffer;
  num_requested: number;
}

export interface PubSubClient extends grpc.Client {
  GetTopic(
    request: { topic_name: string },
    metadata: grpc.Metadata,
    callback: (error: grpc.ServiceError | null, info?: TopicInfo) => void,
  ): grpc.ClientUnaryCall;
  GetSchema(
    request: { schema_id: string },
    metadata: grpc.Metadata,
    callback: (error: grpc.ServiceError | null, info?: SchemaInfo) => void,
  ): grpc.ClientUnaryCall;
  Subscribe(metadata: grpc.Metadata): grpc.ClientDuplexStream<FetchRequest, FetchResponse>;
}

type PubSubConstructor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => PubSubClient;

let constructor: PubSubConstructor | undefined;

function pubSubConstructor(): PubSubConstructor {
  if (constructor) return constructor;
  const definition = protoLoader.loadSync(protoPath(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { eventbus: { v1: { PubSub: PubSubConstructor } } };
  constructor = loaded.eventbus.v1.PubSub;
  return constructor;
}

export interface PubSubEndpoint {
  /** host:port of the Pub/Sub API (Salesforce's is api.pubsub.salesforce.com:7443). */
  address: string;
  /** PEM of a CA to trust besides the system's (the emulator prints its generated CA). */
  caPem?: string;
  /** Plaintext h2c, for a local server without TLS only. */
  insecure?: boolean;
}

export const SALESFORCE_PUBSUB_ADDRESS = "api.pubsub.salesforce.com:7443";

/** PUBSUB endpoint from the environment: FERRY_PUBSUB_ENDPOINT (host:port) and FERRY_PUBSUB_CA_FILE. */
export function pubSubEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): PubSubEndpoint {
  const address = env.FERRY_PUBSUB_ENDPOINT?.trim() || SALESFORCE_PUBSUB_ADDRESS;
  const caFile = env.FERRY_PUBSUB_CA_FILE?.trim();
  return { address, ...(caFile ? { caPem: readFileSync(caFile, "utf8") } : {}) };
}

/**
 * One gRPC client (one HTTP/2 channel) per Pub/Sub endpoint: every tenant whose org lives behind
 * it multiplexes its Subscribe stream over that channel. Keepalive pings find a dead peer.
 */
export class PubSubChannels {
  private readonly clients = new Map<string, PubSubClient>();

  client(endpoint: PubSubEndpoint): PubSubClient {
    const key = `${endpoint.insecure ? "h2c" : "tls"}|${endpoint.address}|${endpoint.caPem ?? ""}`;
    let client = this.clients.get(key);
    if (!client) {
      const credentials = endpoint.insecure
        ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(endpoint.caPem ? Buffer.from(endpoint.caPem) : null);
      const Client = pubSubConstructor();
      client = new Client(endpoint.address, credentials, {
        "grpc.keepalive_time_ms": 60_000,
        "grpc.keepalive_timeout_ms": 20_000,
        "grpc.keepalive_permit_without_calls": 1,
        // A Subscribe stream is long-lived: no idle timeout may close the channel under it.
        "grpc.client_idle_timeout_ms": 24 * 3600_000,
        "grpc.max_receive_message_length": 16 * 1024 * 1024,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

/** The three headers the Pub/Sub API authenticates a call with. */
export function authMetadata(auth: { accessToken: string; instanceUrl: string; orgId: string }): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("accesstoken", auth.accessToken);
  metadata.set("instanceurl", auth.instanceUrl);
  metadata.set("tenantid", auth.orgId);
  return metadata;
}

export function unary<T>(call: (callback: (error: grpc.ServiceError | null, value?: T) => void) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    call((error, value) => (error ? reject(error) : resolve(value as T)));
  });
}

export { grpc };
