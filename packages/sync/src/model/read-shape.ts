import { withTenant } from "@ferry/db";
import type { RunScope } from "../engine";
import { SalesforceApiError } from "../errors";
import { applySchemaStep } from "../schema-step";
import { describeObject, recordShape, selectFields, type RecordShape } from "./objects";

export interface ReadShape {
  shape: RecordShape;
  /** `SELECT <fields> FROM <object>` */
  select: string;
}

/**
 * The fields to read for an object, after the schema step: what Salesforce shows the sync user now,
 * checked against the tenant's catalog (new fields added, vanished or retyped ones flagged).
 */
export async function loadReadShape(run: RunScope, object: string): Promise<ReadShape> {
  const { ctx, api } = run;
  const described = await describeObject(api, object);
  const { fields, notification } = await withTenant({ db: ctx.database.db, tenantId: ctx.tenantId }, async (tx) => {
    const step = await applySchemaStep(tx, ctx.tenantId, object, described);
    return { fields: await selectFields(tx, object, described), notification: step.notification };
  });
  if (notification) await ctx.emitter?.emit(ctx.tenantId, "notification", notification).catch(() => undefined);
  return { shape: recordShape(fields), select: `SELECT ${fields.map((f) => f.name).join(", ")} FROM ${object}` };
}

/**
 * Runs a page read; when Salesforce says a field no longer exists (made invisible or deleted
 * mid-run), re-reads the schema once, flags the field, and reads the page again without it.
 */
export async function withSchemaRetry<T>(run: RunScope, object: string, current: ReadShape, read: (shape: ReadShape) => Promise<T>): Promise<{ result: T; shape: ReadShape }> {
  try {
    return { result: await read(current), shape: current };
  } catch (error) {
    if (!(error instanceof SalesforceApiError) || error.code !== "INVALID_FIELD") throw error;
    run.ctx.logger?.warn({ object, err: error.message }, "a field vanished mid-run; schema re-read");
    const fresh = await loadReadShape(run, object);
    return { result: await read(fresh), shape: fresh };
  }
}
