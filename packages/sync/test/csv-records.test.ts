import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { splitCsvRecords } from "@ferry/salesforce";

/**
 * The engine hands Bulk records to Postgres unparsed, so the only CSV it reads itself is where one
 * record ends. Oracle: csv-parse, a full parser, reading the same text whole.
 */
const cells = ["plain", "", 'say "hi"', "a,b", "line\nbreak", "crlf\r\ninside", '"', '""', "ünïcødé ✓ 😀", "\\N", "\\.", "tab\there", "trailing,"];

function csvOf(rows: string[][], eol: string): string {
  return rows.map((row) => row.map((c) => `"${c.replace(/"/g, '""')}"`).join(",") + eol).join("");
}

/** The text in pieces of the given sizes, as a download delivers it (a multi-byte character may be cut). */
async function* pieces(bytes: Buffer, sizes: () => number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, sizes());
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function records(bytes: Buffer, sizes: () => number): Promise<string[][]> {
  const found: string[][] = [];
  await splitCsvRecords(pieces(bytes, sizes), (data, start, end) => {
    // Each record alone must read as one whole row.
    const rows = parse(data.subarray(start, end)) as string[][];
    expect(rows).toHaveLength(1);
    found.push(rows[0]!);
  });
  return found;
}

describe("Bulk CSV records found without parsing the cells", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const rows = Array.from({ length: 300 }, (_, r) => Array.from({ length: 6 }, (_, k) => cells[(r * 7 + k * 3) % cells.length]! + (k === 0 ? String(r) : "")));

  it.each([
    ["LF", "\n"],
    ["CRLF", "\r\n"],
  ])("splits %s text cut anywhere into the rows a full parser reads", async (_name, eol) => {
    const text = Buffer.from(csvOf(rows, eol));
    const oracle = parse(text) as string[][];
    expect(oracle).toEqual(rows);
    for (const sizes of [() => 1, () => 7, () => 1 + Math.floor(random() * 300), () => 65_536]) {
      expect(await records(text, sizes)).toEqual(oracle);
    }
  });

  it("skips blank lines and reads a last record that has no newline", async () => {
    const text = Buffer.from(`"a","b"\n\n"c","d"\r\n\r\n"e","f"`);
    expect(await records(text, () => 3)).toEqual([
      ["a", "b"],
      ["c", "d"],
      ["e", "f"],
    ]);
  });

  it("fails a download cut inside a quoted value instead of reading a short record", async () => {
    const text = Buffer.from(`"a","b"\n"c","half of a value\n`);
    await expect(records(text, () => 5)).rejects.toMatchObject({ code: "MALFORMED_RESPONSE" });
  });
});
