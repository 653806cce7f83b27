import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Connection } from "jsforce";
import { rowsOf, salesforceConnections, withTenant, type DatabaseHandle } from "@ferry/db";
import { ApiBudget, SalesforceApi } from "@ferry/salesforce";
import { RUN_DEFAULTS, type RunScope, type SyncLogger, type SyncOptions } from "../engine";
import { ProgressReporter, type SyncEmitter } from "../progress";
import { SYNC_OBJECTS } from "../shape/objects";
import { LeaseLostError, StreamWriter, type AppliedBatch, type StreamedEvent } from "./apply";
import { SchemaCache, decodeChangeEvent } from "./decode";
import { releaseAll, renewAndClaim } from "./lease";
import { PubSubChannels, authMetadata, grpc, unary, type FetchRequest, type FetchResponse, type PubSubEndpoint } from "./pubsub";

export const CHANGE_EVENTS_TOPIC = "/data/ChangeEvents";

export interface StreamManagerOptions {
  database: DatabaseHandle;
  /** The tenant's logged-in Connection, as the engine opens it (the worker's `openSalesforceConnection`). */
  openConnection(tenantId: string): Promise<Connection>;
  /** Where the Pub/Sub API of an org at this instance URL listens. */
  endpoint(instanceUrl: string): PubSubEndpoint;
  emitter?: SyncEmitter;
  logger?: SyncLogger;
  syncOptions?: SyncOptions;
  /** This worker's name in the lease rows; default a fresh UUID per process. */
  workerId?: string;
  /** A lease lapses this long after its holder's last heartbeat; default 30 s. */
  leaseTtlMs?: number;
  /** Renew and claim every this often; default a third of the lease. */
  heartbeatMs?: number;
  /**
   * Events asked for and not yet applied, at most (the flow-control window): never more are
   * buffered. Applied in batches of what has arrived. Default 500.
   */
  window?: number;
  /** Streams this worker holds at most; default 2,000. */
  maxStreams?: number;
  /** Streams that log in and subscribe at the same time, at most; default 16. */
  openingAtOnce?: number;
  /** Called after every applied batch (tests, bench). */
  onApplied?(tenantId: string, batch: AppliedBatch): void;
}

export type StreamState = "starting" | "live" | "catching_up" | "retrying" | "stopped";

/** A stream refused again within this long after logging in again backs off instead of logging in once more. */
const AUTH_RENEW_MIN_MS = 30_000;
/** Events already arrived that make a stream read its next batch before the last one has committed. */
const READ_AHEAD_MIN = 100;
/** Salesforce's maximum num_requested of one FetchRequest. */
const FETCH_MAX = 100;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** A missing CDC permission or topic does not heal by itself quickly: look again this often. */
const PERMISSION_RETRY_MS = 5 * 60_000;

/**
 * Holds the change streams of the tenants this worker has the lease of: one Subscribe stream per
 * tenant on `/data/ChangeEvents`, multiplexed over one HTTP/2 channel per Pub/Sub endpoint. Each
 * stream keeps at most `window` events asked for and not yet applied, applies what has arrived in
 * order (a batch per transaction, with its last replay id), then asks for as many again: a burst
 * waits at Salesforce, not in memory.
 */
export class StreamManager {
  readonly workerId: string;
  readonly channels = new PubSubChannels();
  readonly schemas = new SchemaCache();
  private readonly streams = new Map<string, TenantStream>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private stopped = false;
  private opening = 0;
  private readonly waitingToOpen: (() => void)[] = [];
  readonly leaseTtlMs: number;
  readonly heartbeatMs: number;
  readonly window: number;

  constructor(readonly options: StreamManagerOptions) {
    this.workerId = options.workerId ?? `worker-${randomUUID()}`;
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(250, Math.floor(this.leaseTtlMs / 3));
    this.window = options.window ?? 500;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.beating = this.heartbeat()
        .catch((error: unknown) => this.options.logger?.warn({ err: error }, "stream heartbeat failed"))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.heartbeatMs);
        });
    };
    tick();
  }

  /** One lease pass: renew what is held, stop what was lost or turned off, start what was claimed. */
  async heartbeat(): Promise<void> {
    const held = [...this.streams.keys()];
    const room = (this.options.maxStreams ?? 2_000) - held.length;
    const { kept, claimed, released } = await renewAndClaim(this.options.database, this.workerId, { ttlMs: this.leaseTtlMs, held, maxClaims: room });
    const keep = new Map(kept.map((l) => [l.tenantId, l.epoch]));
    for (const tenantId of released) this.streams.get(tenantId)?.close("near-real-time is off for this tenant");
    for (const [tenantId, stream] of this.streams) {
      if (keep.get(tenantId) !== stream.epoch) stream.close("the lease moved to another worker");
    }
    for (const lease of claimed) {
      if (this.stopped) break;
      const stream = new TenantStream(this, lease.tenantId, lease.epoch);
      this.streams.set(lease.tenantId, stream);
      void stream.open();
    }
    for (const stream of this.streams.values()) await stream.tick();
  }

  /**
   * Runs a stream's login and subscribe with at most `openingAtOnce` others. A worker that claims a
   * thousand leases at once (a start, a take-over) would otherwise log in a thousand times at once:
   * a flood at Salesforce's login endpoint, and a burst whose memory the process keeps long after.
   */
  async openingSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.opening >= (this.options.openingAtOnce ?? 16)) await new Promise<void>((resolve) => this.waitingToOpen.push(resolve));
    else this.opening++;
    try {
      return await work();
    } finally {
      const next = this.waitingToOpen.shift();
      if (next) next();
      else this.opening--;
    }
  }

  forget(stream: TenantStream): void {
    if (this.streams.get(stream.tenantId) === stream) this.streams.delete(stream.tenantId);
  }

  stream(tenantId: string): TenantStream | undefined {
    return this.streams.get(tenantId);
  }

  get size(): number {
    return this.streams.size;
  }

  /** Ends every stream and hands the leases back; `release: false` leaves them to lapse (as a crash would). */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.beating;
    await Promise.all([...this.streams.values()].map((s) => s.close("the worker is stopping")));
    this.streams.clear();
    if (options.release !== false) await releaseAll(this.options.database, this.workerId).catch(() => undefined);
    this.channels.close();
  }
}

type Auth = { conn: Connection; orgId: string; endpoint: PubSubEndpoint };

/** One tenant's subscription: its auth, its stream, the events received but not yet applied. */
export class TenantStream {
  private auth: Auth | undefined;
  private writer: StreamWriter | undefined;
  private call: ReturnType<PubSubClientLike["Subscribe"]> | undefined;
  private readonly queue: FetchResponse[] = [];
  private draining = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private pendingCatchUp = new Set<string>();
  private authRenewedAt = 0;
  state: StreamState = "starting";
  reason: string | null = null;
  lastEventAt: Date | null = null;
  /** Events asked for and not yet received, and received but not yet applied: together at most the window. */
  outstanding = 0;
  queued = 0;
  applied = 0;

  constructor(
    private readonly manager: StreamManager,
    readonly tenantId: string,
    readonly epoch: number,
  ) {}

  private get options() {
    return this.manager.options;
  }

  private get scope() {
    return { db: this.options.database.db, tenantId: this.tenantId };
  }

  async open(): Promise<void> {
    if (this.closed) return;
    try {
      await this.manager.openingSlot(async () => {
        if (this.closed) return;
        await this.authenticate();
        await this.subscribe();
      });
    } catch (error) {
      await this.fail(error);
    }
  }

  private async authenticate(): Promise<Auth> {
    const conn = await this.options.openConnection(this.tenantId);
    const [row] = await withTenant(this.scope, (tx) => tx.select({ orgId: salesforceConnections.orgId }).from(salesforceConnections).limit(1));
    const orgId = row?.orgId ?? (conn as unknown as { userInfo?: { organizationId?: string } }).userInfo?.organizationId ?? "";
    this.auth = { conn, orgId, endpoint: this.options.endpoint(conn.instanceUrl) };
    this.writer = new StreamWriter(
      streamRunScope(this.options, this.tenantId, conn, await this.capOf()),
      { owner: this.manager.workerId, epoch: this.epoch },
      SYNC_OBJECTS,
    );
    return this.auth;
  }

  private async capOf(): Promise<number | null> {
    const [row] = await withTenant(this.scope, (tx) => tx.select({ cap: salesforceConnections.apiDailyCap }).from(salesforceConnections).limit(1));
    return row?.cap ?? null;
  }

  private metadata() {
    const { conn, orgId } = this.auth!;
    return authMetadata({ accessToken: conn.accessToken ?? "", instanceUrl: conn.instanceUrl, orgId });
  }

  private async subscribe(): Promise<void> {
    if (this.closed || !this.auth) return;
    const [stored] = rowsOf(await withTenant(this.scope, (tx) => tx.execute(sql`SELECT replay_id, catch_up_objects FROM cdc_streams LIMIT 1`))) as {
      replay_id: string | null;
      catch_up_objects: string[] | null;
    }[];
    const client = this.manager.channels.client(this.auth.endpoint);
    const call = client.Subscribe(this.metadata());
    this.call = call;
    this.outstanding = Math.min(FETCH_MAX, this.manager.window);
    this.queued = 0;
    const first: FetchRequest = { topic_name: CHANGE_EVENTS_TOPIC, num_requested: this.outstanding };
    if (stored?.replay_id) {
      first.replay_preset = "CUSTOM";
      first.replay_id = Buffer.from(stored.replay_id, "base64");
    } else {
      // No position yet (first stream, or the stored one expired): start at the tip, and a keyset
      // read covers everything since the last cycle. The stream is open before the read starts,
      // so nothing committed in between is missed.
      first.replay_preset = "LATEST";
      // Streaming already works meanwhile: the stream is live while the read covers the time before it.
      await this.requestCatchUp([...SYNC_OBJECTS], "Streaming; a read of the changes since the last cycle covers the time before the stream started.", "live");
    }
    call.on("data", (response: FetchResponse) => {
      if (call !== this.call) return;
      this.outstanding = Math.max(0, this.outstanding - response.events.length);
      this.queued += response.events.length;
      this.queue.push(response);
      void this.drain();
    });
    call.on("error", (error: grpc.ServiceError) => {
      if (call !== this.call) return;
      this.call = undefined;
      void this.onStreamError(error);
    });
    call.on("end", () => {
      if (call !== this.call) return;
      this.call = undefined;
      // The server ended the stream (a deploy, an idle limit): open it again from the stored position.
      if (!this.closed) this.retryLater(RETRY_MIN_MS, "Salesforce ended the stream; reconnecting.");
    });
    call.write(first);
    this.topUp();
    if (stored?.replay_id && this.state !== "catching_up") await this.setState("live", null);
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    // The commit of the batch before: the next batch is read while it runs, commits stay in order.
    let committing: Promise<void> = Promise.resolve();
    try {
      while (this.queue.length && !this.closed) {
        const responses = this.queue.splice(0, this.queue.length);
        const taken = responses.reduce((n, r) => n + r.events.length, 0);
        const events: StreamedEvent[] = [];
        for (const response of responses) {
          for (const consumer of response.events) {
            const type = await this.manager.schemas.type(consumer.event.schema_id, (id) => this.schema(id));
            events.push({ header: decodeChangeEvent(type, consumer.event.payload), replayId: consumer.replay_id });
          }
        }
        if (events.length === 0) {
          await committing;
          this.queued -= taken;
          // A keepalive: the stream is healthy.
          if (this.state === "starting" || this.state === "retrying") await this.setState("live", null);
          continue;
        }
        const prepared = await this.writer!.prepare(events);
        await committing;
        committing = this.writer!.commit(prepared).then(async (batch) => {
          this.applied += batch.events;
          this.failures = 0;
          this.lastEventAt = batch.committedAt;
          if (batch.catchUp.length)
            await this.requestCatchUp(
              batch.catchUp,
              `Salesforce could not send every change of ${batch.catchUp.join(", ")} (a gap or overflow): a read of those objects' changes covers them.`,
            );
          else if (this.state !== "live" && this.state !== "catching_up") await this.setState("live", null);
          this.options.onApplied?.(this.tenantId, batch);
          this.queued -= taken;
          this.topUp();
          void this.emitStream(batch);
        });
        // Marked handled now; the failure is rethrown by the `await committing` below.
        committing.catch(() => undefined);
        // Read ahead only when a full batch has arrived meanwhile (a burst); otherwise wait for the
        // commit and take everything that came in, so a steady trickle makes few, larger transactions.
        if (this.queue.reduce((n, r) => n + r.events.length, 0) < READ_AHEAD_MIN) await committing;
      }
      await committing;
    } catch (error) {
      await committing.catch(() => undefined);
      this.queue.length = 0;
      this.call?.cancel();
      this.call = undefined;
      await this.fail(error);
    } finally {
      this.draining = false;
    }
  }

  /** Flow control: asks for what the window has room for (Salesforce takes at most 100 a request). */
  private topUp(): void {
    if (!this.call || this.closed) return;
    let room = this.manager.window - this.outstanding - this.queued;
    while (room > 0) {
      const want = Math.min(FETCH_MAX, room);
      this.outstanding += want;
      room -= want;
      this.call.write({ num_requested: want });
    }
  }

  private async schema(schemaId: string): Promise<string> {
    const client = this.manager.channels.client(this.auth!.endpoint);
    const info = await unary<{ schema_json: string }>((cb) => client.GetSchema({ schema_id: schemaId }, this.metadata(), cb));
    return info.schema_json;
  }

  private async onStreamError(error: grpc.ServiceError): Promise<void> {
    if (this.closed) return;
    const code = String(error.metadata?.get("error-code")?.[0] ?? "");
    if (error.code === grpc.status.CANCELLED) return;
    if (error.code === grpc.status.UNAUTHENTICATED && Date.now() - this.authRenewedAt > AUTH_RENEW_MIN_MS) {
      // The session expired mid-stream: log in again (as the engine does) and resume from the stored
      // replay id. Refused again right after a fresh login: not an expiry, so it backs off below.
      this.authRenewedAt = Date.now();
      this.options.logger?.info({ tenantId: this.tenantId }, "stream session expired; renewing auth");
      try {
        await this.authenticate();
        await this.subscribe();
      } catch (failure) {
        await this.fail(failure);
      }
      return;
    }
    if (error.code === grpc.status.INVALID_ARGUMENT && (/replayid/i.test(code) || /replay id/i.test(error.details ?? ""))) {
      // The stored position is older than Salesforce keeps events (72 hours): start at the tip and read what lies between.
      await withTenant(this.scope, (tx) => tx.execute(sql`UPDATE cdc_streams SET replay_id = NULL, updated_at = now()`));
      await this.requestCatchUp(
        [...SYNC_OBJECTS],
        "The stored stream position had expired (Salesforce keeps change events 72 hours): a read of every object's changes since the last cycle covers the gap.",
      );
      await this.subscribe().catch((failure: unknown) => this.fail(failure));
      return;
    }
    if (error.code === grpc.status.PERMISSION_DENIED || error.code === grpc.status.NOT_FOUND) {
      await this.setState(
        "retrying",
        "Salesforce refused the change stream (the sync user lacks the Change Data Capture permission, or change events are not enabled for the objects): Ferry keeps syncing on its regular cycle and tries the stream again every 5 minutes.",
      );
      this.retryLater(PERMISSION_RETRY_MS);
      return;
    }
    await this.fail(error);
  }

  private async fail(error: unknown): Promise<void> {
    if (this.closed) return;
    if (error instanceof LeaseLostError) {
      await this.close(error.message);
      return;
    }
    this.failures++;
    const message = error instanceof Error ? error.message : String(error);
    this.options.logger?.warn({ tenantId: this.tenantId, err: message }, "stream failed; retrying");
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(6, this.failures - 1));
    await this.setState(
      "retrying",
      `The change stream stopped (${message.slice(0, 160)}); Ferry reconnects in ${Math.round(delay / 1000)} s and resumes from the last applied change.`,
    ).catch(() => undefined);
    this.retryLater(delay);
  }

  private retryLater(ms: number, reason?: string): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    if (reason) this.options.logger?.info({ tenantId: this.tenantId }, reason);
    this.retryTimer = setTimeout(() => {
      if (this.closed) return;
      void (this.auth ? this.subscribe().catch((e: unknown) => this.fail(e)) : this.open());
    }, ms);
  }

  /** Asks the scheduler for a keyset read of `objects` (it runs as the tenant's next incremental cycle). */
  private async requestCatchUp(objects: string[], reason: string, state: "catching_up" | "live" = "catching_up"): Promise<void> {
    for (const o of objects) this.pendingCatchUp.add(o);
    const list = JSON.stringify([...new Set(objects)]);
    await withTenant(this.scope, (tx) =>
      tx.execute(sql`
        UPDATE cdc_streams SET state = ${state}, reason = ${reason},
          catch_up_objects = (SELECT to_jsonb(array_agg(DISTINCT o)) FROM (
            SELECT jsonb_array_elements_text(coalesce(catch_up_objects, '[]'::jsonb)) AS o
            UNION SELECT jsonb_array_elements_text(${list}::jsonb)) x),
          updated_at = now()
        WHERE lease_owner = ${this.manager.workerId} AND lease_epoch = ${this.epoch}`),
    );
    this.state = state;
    this.reason = reason;
    await this.emitStream();
  }

  /** Every heartbeat: a stream catching up goes back to live once the read it asked for has run. */
  async tick(): Promise<void> {
    if (this.closed || !(this.state === "catching_up" || (this.state === "live" && this.reason))) return;
    const [row] = rowsOf(
      await withTenant(this.scope, (tx) =>
        tx.execute(sql`
          SELECT (s.catch_up_objects IS NULL) AS taken,
                 EXISTS (SELECT 1 FROM sync_runs r WHERE r.kind = 'incremental' AND r.status IN ('queued', 'in_progress')) AS running
          FROM cdc_streams s`),
      ),
    ) as { taken: boolean; running: boolean }[];
    if (row?.taken && !row.running) {
      this.pendingCatchUp.clear();
      await this.setState(this.call ? "live" : "retrying", null);
    }
  }

  private async setState(state: StreamState, reason: string | null): Promise<void> {
    if (this.closed && state !== "stopped") return;
    this.state = state;
    this.reason = reason;
    await withTenant(this.scope, (tx) =>
      tx.execute(
        sql`UPDATE cdc_streams SET state = ${state}, reason = ${reason}, updated_at = now() WHERE lease_owner = ${this.manager.workerId} AND lease_epoch = ${this.epoch}`,
      ),
    );
    await this.emitStream();
  }

  private async emitStream(batch?: AppliedBatch): Promise<void> {
    await this.options.emitter
      ?.emit(this.tenantId, "sync.stream", {
        tenantId: this.tenantId,
        state: this.state,
        ...(this.reason ? { reason: this.reason.slice(0, 300) } : {}),
        ...(this.lastEventAt ? { lastEventAt: this.lastEventAt.toISOString() } : {}),
        ...(batch ? { applied: batch.events - batch.echoes, records: batch.records } : {}),
        at: new Date().toISOString(),
      })
      .catch((error: unknown) => this.options.logger?.warn({ err: error }, "stream event not sent"));
  }

  async close(reason: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.queue.length = 0;
    this.state = "stopped";
    this.reason = reason;
    this.manager.forget(this);
  }
}

type PubSubClientLike = import("./pubsub").PubSubClient;

/**
 * What the engine's read path needs, for a stream instead of a run: the API with the tenant's cap,
 * and a progress reporter with nothing to report (streams report through `sync.stream`).
 */
function streamRunScope(options: StreamManagerOptions, tenantId: string, conn: Connection, cap: number | null): RunScope {
  const budget = new ApiBudget({ capCalls: cap });
  const api = new SalesforceApi(conn, budget, undefined, options.syncOptions?.retry);
  return {
    ctx: {
      database: options.database,
      tenantId,
      runId: `stream:${tenantId}`,
      conn,
      ...(options.emitter ? { emitter: options.emitter } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    },
    api,
    progress: new ProgressReporter(undefined, tenantId, `stream:${tenantId}`),
    options: { ...RUN_DEFAULTS, chunkSize: 10_000 },
    startedAt: Date.now(),
    takeCalls: () => 0,
  };
}
