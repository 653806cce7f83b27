const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
/** Pod + reserved characters between the key prefix and the counter. */
const INSTANCE = "HE0";

export const KEY_PREFIX = {
  Organization: "00D",
  User: "005",
  Profile: "00e",
  Account: "001",
  Contact: "003",
  Lead: "00Q",
  Opportunity: "006",
  OpportunityContactRole: "00K",
  Campaign: "701",
  CampaignMember: "00v",
  RecordType: "012",
  Case: "500",
  Task: "00T",
  Event: "00U",
  BulkJob: "750",
  QueryLocator: "01g",
} as const;

export function checksumSuffix(id15: string): string {
  let out = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += CHECKSUM[bits];
  }
  return out;
}

export function encodeCounter(counter: number, width = 9): string {
  let s = "";
  let n = counter;
  while (n > 0) {
    s = BASE62[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(width, "0");
}

const BLOCK = 62 ** 3;
let blocks: string[] | undefined;
let blockUpper: Uint8Array | undefined;

/** All 3-character base62 blocks and their upper-case bit masks, so ids cost three lookups. */
function initBlocks(): void {
  blocks = new Array<string>(BLOCK);
  blockUpper = new Uint8Array(BLOCK);
  for (let n = 0; n < BLOCK; n++) {
    const s = BASE62[Math.floor(n / 3844)]! + BASE62[Math.floor(n / 62) % 62]! + BASE62[n % 62]!;
    blocks[n] = s;
    let bits = 0;
    for (let k = 0; k < 3; k++) if (s.charCodeAt(k) >= 65 && s.charCodeAt(k) <= 90) bits |= 1 << k;
    blockUpper[n] = bits;
  }
}

const prefixChunk = new Map<string, string>();

export function makeId(prefix: string, counter: number): string {
  if (counter < 0 || counter >= BLOCK ** 3) throw new RangeError(`id counter out of range: ${counter}`);
  if (!blocks) initBlocks();
  const lo = counter % BLOCK;
  const rest = Math.floor(counter / BLOCK);
  const mid = rest % BLOCK;
  const hi = Math.floor(rest / BLOCK);
  let first = prefixChunk.get(prefix);
  if (first === undefined) {
    first = checksumSuffix(prefix + INSTANCE + "0000000000")[0]!;
    prefixChunk.set(prefix, first);
  }
  const u = blockUpper!;
  // id15 = prefix(3) + INSTANCE(3) + hi(3) + mid(3) + lo(3); checksum chunks are chars 0-4, 5-9, 10-14.
  const bits2 = (u[hi]! << 1) | ((u[mid]! & 1) << 4);
  const bits3 = (u[mid]! >> 1) | (u[lo]! << 2);
  return prefix + INSTANCE + blocks![hi]! + blocks![mid]! + blocks![lo]! + first + CHECKSUM[bits2]! + CHECKSUM[bits3]!;
}

/** Accepts 15- or 18-character ids in any letter case (18-char ids carry their case in the suffix). */
export function canonicalId(raw: string): string | undefined {
  if (raw.length === 15) {
    if (!/^[0-9A-Za-z]{15}$/.test(raw)) return undefined;
    return raw + checksumSuffix(raw);
  }
  if (raw.length !== 18 || !/^[0-9A-Za-z]{18}$/.test(raw)) return undefined;
  const suffix = raw.slice(15).toUpperCase();
  let id15 = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    const bits = CHECKSUM.indexOf(suffix[chunk]!);
    if (bits < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const ch = raw[chunk * 5 + i]!;
      id15 += bits & (1 << i) ? ch.toUpperCase() : ch.toLowerCase();
    }
  }
  const canonical = id15 + checksumSuffix(id15);
  return canonical.slice(15) === suffix ? canonical : undefined;
}

export interface DecodedId {
  prefix: string;
  counter: number;
}

export function decodeId(id18: string): DecodedId | undefined {
  if (id18.length !== 18 || id18.slice(3, 6) !== INSTANCE) return undefined;
  let counter = 0;
  for (let i = 6; i < 15; i++) {
    const v = BASE62.indexOf(id18[i]!);
    if (v < 0) return undefined;
    counter = counter * 62 + v;
  }
  return { prefix: id18.slice(0, 3), counter };
}
