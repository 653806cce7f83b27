import { z } from "zod";

/**
 * Why `value` is not text Ferry stores, or undefined when it is well formed. Postgres text cannot
 * hold U+0000 and jsonb refuses an escaped lone surrogate; noncharacters (U+FDD0–U+FDEF and the
 * last two code points of every plane, U+FFFE/U+FFFF…) are never meant for interchange, and a
 * trailing U+FFFF broke the record search's prefix range.
 */
export function textProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit === 0) return "text may not contain the NUL character (\\u0000); remove it and send again.";
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return loneSurrogate(unit);
      const codePoint = ((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
      if ((codePoint & 0xfffe) === 0xfffe) return nonCharacter(codePoint);
      i++;
      continue;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return loneSurrogate(unit);
    if ((unit >= 0xfdd0 && unit <= 0xfdef) || unit === 0xfffe || unit === 0xffff) return nonCharacter(unit);
  }
  return undefined;
}

const hex = (n: number) => `U+${n.toString(16).toUpperCase().padStart(4, "0")}`;
const loneSurrogate = (unit: number) => `text holds a lone surrogate (${hex(unit)}), half of a character; send well-formed UTF-16 text.`;
const nonCharacter = (codePoint: number) => `text may not contain the noncharacter ${hex(codePoint)}; remove it and send again.`;

/** A bounded string of well-formed text (see `textProblem`), for every free-text input. */
export function text(max: number, tooLong = `Use at most ${max} characters.`) {
  return z
    .string()
    .max(max, tooLong)
    .superRefine((value, ctx) => {
      const problem = textProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

/** An id the client echoes back (membership, invitation, tenant): short, well formed. */
export const idText = text(128, "That id is too long.").min(1, "An id is required.");

/** RFC 5321 caps a forward path at 256 octets, so an address is at most 254 characters. */
export const emailAddress = z.string().max(254, "An email address is at most 254 characters.").pipe(z.email("Enter a valid email address."));

const MAX_SEGMENT = 40;
const MAX_DEPTH = 16;

/** A field's path for a person: long keys (a client may send any) are shortened, so the message stays a message. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((key) => (String(key).length > MAX_SEGMENT ? `${String(key).slice(0, MAX_SEGMENT)}…` : String(key))).join(".");
}

/**
 * The first string or key in a raw input that is not well-formed text (see `textProblem`), with
 * where it is ("" for the input itself), or undefined. Iterative, and no deeper than any schema
 * reaches: inputs may nest thousands deep.
 */
export function malformedText(input: unknown): { path: string; problem: string } | undefined {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem) return { path: fieldPath(path), problem };
    } else if (value && typeof value === "object" && path.length < MAX_DEPTH) {
      for (const [key, child] of Object.entries(value)) {
        const problem = textProblem(key);
        if (problem) return { path: fieldPath(path), problem: `a key: ${problem}` };
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}
