import { eq } from "drizzle-orm";
import { syncCheckpoints, withTenant } from "@ferry/db";
import type { RunScope } from "../engine";
import { SalesforceClientError } from "@ferry/salesforce";
import { applySchemaStep } from "../schema-step";
import { describeObject, recordShape, selectFields, type DescribedField, type RecordShape } from "./objects";

/** A cycle describes an object again once its last describe is this old (or Salesforce rejects a field or value). */
export const DESCRIBE_EVERY_MS = 24 * 3600_000;

export interface ReadShape {
  shape: RecordShape;
  /** What the describe returned (every readable field), before the catalog's selection. */
  described: DescribedField[];
  /** `SELECT <fields> FROM <object>` */
  select: string;
}

/**
 * The fields to read for an object, after the schema step: what Salesforce shows the sync user now
 * (described here, or the describe `fetched` by the caller), checked against the tenant's catalog
 * (new fields added, vanished or retyped ones flagged).
 */
export async function loadReadShape(run: RunScope, object: string, fetched?: DescribedField[]): Promise<ReadShape> {
  const { ctx, api } = run;
  const described = fetched ?? (await describeObject(api, object));
  const { fields, notification } = await withTenant({ db: ctx.database.db, tenantId: ctx.tenantId }, async (tx) => {
    const step = await applySchemaStep(tx, ctx.tenantId, object, described);
    await tx.update(syncCheckpoints).set({ describedFields: described, describedAt: new Date() }).where(eq(syncCheckpoints.object, object));
    return { fields: await selectFields(tx, object, described), notification: step.notification };
  });
  if (notification) await ctx.emitter?.emit(ctx.tenantId, "notification", notification).catch(() => undefined);
  return shapeOf(object, described, fields);
}

function shapeOf(object: string, described: DescribedField[], fields: DescribedField[]): ReadShape {
  return { shape: recordShape(fields), described, select: `SELECT ${fields.map((f) => f.name).join(", ")} FROM ${object}` };
}

/**
 * The read shape for a cycle: from the object's stored describe while it is less than a day old
 * (no API call; the catalog's current selection still applies), else described again with the
 * schema step. A field that vanished or changed type in between is caught by `withSchemaRetry`.
 */
export async function cycleReadShape(
  run: RunScope,
  object: string,
  stored: { describedFields: DescribedField[] | null; describedAt: Date | null },
): Promise<ReadShape> {
  const { ctx } = run;
  if (stored.describedFields?.length && stored.describedAt && Date.now() - stored.describedAt.getTime() < DESCRIBE_EVERY_MS) {
    const described = stored.describedFields;
    const fields = await withTenant({ db: ctx.database.db, tenantId: ctx.tenantId }, (tx) => selectFields(tx, object, described));
    return shapeOf(object, described, fields);
  }
  return loadReadShape(run, object);
}

/**
 * Runs a page read; when Salesforce says a field no longer exists (made invisible or deleted
 * mid-run) or sends a value the field's known type cannot hold (retyped since the last describe),
 * re-reads the schema once, flags the field, and reads the page again without it.
 */
export async function withSchemaRetry<T>(
  run: RunScope,
  object: string,
  current: ReadShape,
  read: (shape: ReadShape) => Promise<T>,
): Promise<{ result: T; shape: ReadShape }> {
  try {
    return { result: await read(current), shape: current };
  } catch (error) {
    if (!(error instanceof SalesforceClientError) || (error.code !== "INVALID_FIELD" && error.code !== "MALFORMED_RESPONSE")) throw error;
    run.ctx.logger?.warn({ object, err: error.message }, "a field vanished mid-run; schema re-read");
    const fresh = await loadReadShape(run, object);
    return { result: await read(fresh), shape: fresh };
  }
}
