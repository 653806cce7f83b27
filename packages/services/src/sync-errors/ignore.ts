import type { z } from "zod";
import { withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { NotFoundError } from "../errors";
import { decideSyncErrors } from "../sync-state/errors";
import { errorSelectionInput, selectionWhere } from "./select";

/** Hides errors the admin has decided to live with; they stay exportable under "Ignored". */
export async function ignoreSyncErrors({ ctx, input }: { ctx: TenantContext; input: z.input<typeof errorSelectionInput> }) {
  requireRole(ctx, "admin");
  const selection = errorSelectionInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const rows = await decideSyncErrors(tx, selectionWhere(selection, ["open", "retrying"]), "ignored");
    if (rows.length === 0) throw new NotFoundError("No open errors match; they may have been ignored or resolved already.");
    await recordAudit(tx, ctx, {
      action: "sync_errors.ignore",
      targetType: "sync_error",
      targetId: selection.code ?? rows[0]!.id,
      details: { count: rows.length, code: selection.code ?? null },
    });
    return { ignored: rows.length };
  });
}
