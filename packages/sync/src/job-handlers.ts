import type { DatabaseHandle } from "@ferry/db";
import type { Logger } from "@ferry/observability";
import type { RealtimeEmitter } from "@ferry/realtime";
import type { SyncOptions } from "./engine";
import { runSyncJob, type SyncJobDependencies } from "./jobs";
import { runScheduler } from "./scheduler";
import { openSalesforceConnection } from "./open-connection";
import type { HandlerMap, JobContext, JobHandler } from "@ferry/jobs";

/** What handlers may use; the same in the embedded web process and the standalone worker. */
export interface WorkerDependencies {
  database: DatabaseHandle;
  emitter: RealtimeEmitter;
  logger: Logger;
  /** Prunes expired domain data; supplied by the caller so the worker holds no domain SQL. */
  prune?: JobHandler<"maintenance.prune">;
  /** Base64 master key(s) that open the stored Salesforce credentials; without it sync jobs are not worked here. */
  masterKey?: string | readonly string[];
  syncOptions?: SyncOptions;
  /** SYNC_RECONCILE_EVERY_SECONDS: the period between a tenant's reconciliations (default a day). */
  reconcileEverySeconds?: number;
}

/**
 * The app's job handlers. Each stays a one-liner into `@ferry/sync` or `@ferry/services`. A job
 * without a handler here is not worked.
 */
export function createJobHandlers(dependencies: WorkerDependencies): Partial<HandlerMap> {
  const handlers: Partial<HandlerMap> = {};
  if (dependencies.prune) handlers["maintenance.prune"] = dependencies.prune;
  const { masterKey, database, emitter, reconcileEverySeconds } = dependencies;
  if (!masterKey) return handlers;
  const sync = (context: JobContext): SyncJobDependencies => ({
    database,
    emitter,
    openConnection: (tenantId) => openSalesforceConnection({ db: database.db, tenantId, masterKey }),
    send: (name, payload, options) => context.send(name, payload, options),
    ...(dependencies.syncOptions ? { options: dependencies.syncOptions } : {}),
  });
  handlers["sync.initial"] = async (payload, context) => void (await runSyncJob(sync(context), "sync.initial", payload, context));
  handlers["sync.incremental"] = async (payload, context) => void (await runSyncJob(sync(context), "sync.incremental", payload, context));
  handlers["sync.push"] = async (payload, context) => void (await runSyncJob(sync(context), "sync.push", payload, context));
  handlers["sync.reconcile"] = async (payload, context) => void (await runSyncJob(sync(context), "sync.reconcile", payload, context));
  handlers["sync.schedule"] = async (_payload, context) =>
    void (await runScheduler({
      database,
      send: (name, payload) => context.send(name, payload),
      durationMs: 55_000,
      everyMs: 5_000,
      signal: context.signal,
      ...(reconcileEverySeconds ? { reconcileEveryMs: reconcileEverySeconds * 1000 } : {}),
    }));
  return handlers;
}
