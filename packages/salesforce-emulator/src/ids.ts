const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
/** Pod + reserved characters between the key prefix and the counter. */
const INSTANCE = 'HE0';

export const KEY_PREFIX = {
  Organization: '00D',
  User: '005',
  Profile: '00e',
  Account: '001',
  Contact: '003',
  Lead: '00Q',
  Opportunity: '006',
  OpportunityContactRole: '00K',
  Campaign: '701',
  CampaignMember: '00v',
  BulkJob: '750',
  QueryLocator: '01g',
} as const;

export function checksumSuffix(id15: string): string {
  let out = '';
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
  let s = '';
  let n = counter;
  while (n > 0) {
    s = BASE62[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(width, '0');
}

export function makeId(prefix: string, counter: number): string {
  const id15 = prefix + INSTANCE + encodeCounter(counter);
  return id15 + checksumSuffix(id15);
}

/** Accepts 15- or 18-character ids in any letter case (18-char ids carry their case in the suffix). */
export function canonicalId(raw: string): string | undefined {
  if (raw.length === 15) {
    if (!/^[0-9A-Za-z]{15}$/.test(raw)) return undefined;
    return raw + checksumSuffix(raw);
  }
  if (raw.length !== 18 || !/^[0-9A-Za-z]{18}$/.test(raw)) return undefined;
  const suffix = raw.slice(15).toUpperCase();
  let id15 = '';
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
