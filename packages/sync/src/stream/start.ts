import { readFileSync } from "node:fs";
import type { DatabaseHandle } from "@ferry/db";
import type { Logger } from "@ferry/observability";
import type { RealtimeEmitter } from "@ferry/realtime";
import { StreamManager } from "./manager";
import { pubSubEndpointFromEnv, type PubSubEndpoint } from "./pubsub";
import { openSalesforceConnection } from "../open-connection";
import { z } from "zod";

/** The worker's near-real-time settings (validated with the rest of its environment). */
export const streamEnvShape = {
  FERRY_NEAR_REAL_TIME: z.enum(["on", "off"]).default("on").describe("on or off: hold the change streams of tenants that turned near-real-time sync on"),
  FERRY_PUBSUB_ENDPOINT: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "host:port")
    .optional()
    .describe("host:port of the Salesforce Pub/Sub API (default api.pubsub.salesforce.com:7443)"),
  FERRY_PUBSUB_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("a PEM file with a CA to trust for the Pub/Sub API besides the system's (the emulator prints its CA)"),
  STREAM_LEASE_SECONDS: z.coerce
    .number()
    .int()
    .min(3)
    .max(600)
    .default(30)
    .describe("seconds from 3 to 600: a dead worker's streams move to another worker within this"),
};

export interface StartStreamsOptions {
  database: DatabaseHandle;
  emitter: RealtimeEmitter;
  logger: Logger;
  masterKey: string | readonly string[];
  endpoint?: PubSubEndpoint | ((instanceUrl: string) => PubSubEndpoint);
  leaseSeconds?: number;
  workerId?: string;
}

/** Starts this worker's share of the tenants' change streams (leases decide which). */
export function startStreams(options: StartStreamsOptions): StreamManager {
  const endpoint = options.endpoint ?? pubSubEndpointFromEnv();
  const manager = new StreamManager({
    database: options.database,
    emitter: options.emitter,
    logger: options.logger,
    openConnection: (tenantId) => openSalesforceConnection({ db: options.database.db, tenantId, masterKey: options.masterKey }),
    endpoint: typeof endpoint === "function" ? endpoint : () => endpoint,
    leaseTtlMs: (options.leaseSeconds ?? 30) * 1000,
    ...(options.workerId ? { workerId: options.workerId } : {}),
  });
  manager.start();
  options.logger.info({ workerId: manager.workerId }, "change streams started");
  return manager;
}

export function endpointFromSettings(settings: { FERRY_PUBSUB_ENDPOINT?: string | undefined; FERRY_PUBSUB_CA_FILE?: string | undefined }): PubSubEndpoint {
  return {
    address: settings.FERRY_PUBSUB_ENDPOINT ?? "api.pubsub.salesforce.com:7443",
    ...(settings.FERRY_PUBSUB_CA_FILE ? { caPem: readFileSync(settings.FERRY_PUBSUB_CA_FILE, "utf8") } : {}),
  };
}
