import { z } from "zod";

/** NOTIFY carries at most 8,000 bytes; events stay far below so the socket.io envelope always fits. */
export const MAX_EVENT_BYTES = 1024;

export const tenantIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '_' or '-' only");

const timestamp = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();

/** What a moving run is doing; the same words as `sync_runs.phase` (which adds `done`). */
export const syncPhases = ["counting", "reading", "writing", "pushing", "reconciling"] as const;

export const syncProgressSchema = z.strictObject({
  tenantId: tenantIdSchema,
  runId: z.string().min(1).max(64),
  object: z.string().min(1).max(80).optional(),
  phase: z.enum(syncPhases),
  total: count.nullable(),
  processed: count,
  created: count,
  updated: count,
  failed: count,
  /** Records per second over the recent window. */
  rate: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  at: timestamp,
});

/** `api_capped`: Ferry's own daily cap for the tenant; `org_limited`: the Salesforce org's 24 h API limit (REQUEST_LIMIT_EXCEEDED). */
export const syncStates = ["not_connected", "idle", "running", "failed", "paused", "api_capped", "org_limited"] as const;

export const syncStatusSchema = z.strictObject({
  tenantId: tenantIdSchema,
  state: z.enum(syncStates),
  message: z.string().max(300).optional(),
  lastSyncedAt: timestamp.optional(),
  /** When a paused, API-capped or org-limited sync is expected to continue. */
  resumesAt: timestamp.optional(),
});

/** Near-real-time: what the tenant's change stream is doing, sent after each applied batch and each state change. */
export const syncStreamStates = ["starting", "live", "catching_up", "retrying", "stopped"] as const;

export const syncStreamSchema = z.strictObject({
  tenantId: tenantIdSchema,
  state: z.enum(syncStreamStates),
  /** In words, why the stream is not live (a fallback, a failure). */
  reason: z.string().max(300).optional(),
  /** When Ferry last committed a streamed change. */
  lastEventAt: timestamp.optional(),
  /** Changes and records of the batch just committed. */
  applied: count.optional(),
  records: count.optional(),
  at: timestamp,
});

export const notificationSchema = z.strictObject({
  id: z.string().min(1).max(64),
  tenantId: tenantIdSchema,
  kind: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[a-z0-9_.]+$/, "lower-case words joined by '_' or '.'"),
  title: z.string().min(1).max(120),
  body: z.string().max(500),
});

export const supportAccessSchema = z.strictObject({
  tenantId: tenantIdSchema,
  grantId: z.string().min(1).max(64),
  state: z.enum(["started", "ended"]),
  staffName: z.string().min(1).max(120),
  endsAt: timestamp.optional(),
  at: timestamp,
});

/** Every event the server sends to browsers. Browsers send nothing the server listens to. */
export const eventSchemas = {
  "sync.progress": syncProgressSchema,
  "sync.status": syncStatusSchema,
  "sync.stream": syncStreamSchema,
  notification: notificationSchema,
  "support.access": supportAccessSchema,
} as const;

export type EventName = keyof typeof eventSchemas;
export type EventPayload<E extends EventName> = z.input<(typeof eventSchemas)[E]>;
export type SyncProgress = z.output<typeof syncProgressSchema>;
export type SyncStatus = z.output<typeof syncStatusSchema>;
export type SyncStream = z.output<typeof syncStreamSchema>;
export type Notification = z.output<typeof notificationSchema>;
export type SupportAccess = z.output<typeof supportAccessSchema>;

export type ServerToClientEvents = {
  [E in EventName]: (payload: z.output<(typeof eventSchemas)[E]>) => void;
};
/** Deliberately empty: rooms are decided by the server, and clients have nothing to ask for. */
export type ClientToServerEvents = Record<string, never>;

export const eventNames = Object.keys(eventSchemas) as EventName[];

export class InvalidEventError extends Error {
  readonly event: string;
  readonly problems: readonly string[];
  constructor(event: string, problems: string[]) {
    super(`Refused to emit "${event}": ${problems.join("; ")}`);
    this.name = "InvalidEventError";
    this.event = event;
    this.problems = problems;
  }
}

/**
 * Checks an event before it leaves the process: known name, payload matching its schema,
 * addressed to the tenant it names, and small enough for NOTIFY.
 */
export function validateEvent<E extends EventName>(tenantId: string, event: E, payload: EventPayload<E>) {
  const schema = eventSchemas[event] as (typeof eventSchemas)[EventName] | undefined;
  if (!schema) {
    throw new InvalidEventError(String(event), [`unknown event; expected one of ${eventNames.join(", ")}`]);
  }
  const room = tenantIdSchema.safeParse(tenantId);
  if (!room.success) {
    throw new InvalidEventError(event, [`tenantId argument: ${room.error.issues[0]?.message ?? "invalid"}`]);
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new InvalidEventError(
      event,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "payload"}: ${issue.message}`),
    );
  }
  if (parsed.data.tenantId !== tenantId) {
    throw new InvalidEventError(event, [`payload.tenantId "${parsed.data.tenantId}" differs from the target tenant "${tenantId}"`]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(parsed.data));
  if (bytes > MAX_EVENT_BYTES) {
    throw new InvalidEventError(event, [`payload is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`]);
  }
  return parsed.data as z.output<(typeof eventSchemas)[E]>;
}

export const tenantRoom = (tenantId: string) => `tenant:${tenantId}`;
export const userRoom = (userId: string) => `user:${userId}`;
