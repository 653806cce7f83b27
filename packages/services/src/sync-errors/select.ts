import { z } from "zod";
import { and, inArray, eq, type SQL } from "drizzle-orm";
import { syncErrors } from "@ferry/db";
import { ValidationError } from "../errors";

/** One error, several, or a whole group (by code): what retry and ignore act on. */
export const errorSelectionInput = z
  .object({
    ids: z.array(z.string().min(1).max(64)).min(1).max(1000).optional(),
    code: z.string().min(1).max(80).optional(),
  })
  .refine((s) => Boolean(s.ids) !== Boolean(s.code), { message: "Choose either errors by id or a whole group by code." });

export function selectionWhere(selection: z.infer<typeof errorSelectionInput>, states: (typeof syncErrors.$inferSelect)["state"][]): SQL {
  const which = selection.ids ? inArray(syncErrors.id, selection.ids) : selection.code ? eq(syncErrors.code, selection.code) : undefined;
  if (!which) throw new ValidationError("Choose either errors by id or a whole group by code.");
  return and(which, inArray(syncErrors.state, states))!;
}
