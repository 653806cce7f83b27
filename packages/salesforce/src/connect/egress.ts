import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import net from "node:net";
import { Agent, buildConnector, type Dispatcher } from "undici";
// jsforce sends every request through one module-level undici dispatcher, replaceable here.
import { setDispatcher as setJsforceDispatcher } from "jsforce/lib/request";

/**
 * Where a Salesforce connection may go. A login domain an admin typed is checked by name first
 * (services/connection/hosts.ts); this is the second check, on the address actually connected to,
 * inside the connector, so a name that resolves (or re-resolves) to this machine or the internal
 * network is refused at connect time.
 */
export class EgressRefusedError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(host === address ? `Ferry does not connect to ${address}, ${range}.` : `Ferry does not connect to ${host}: it resolves to ${address}, ${range}.`);
    this.name = "EgressRefusedError";
  }
}

function ipv4Bytes(address: string): number[] | undefined {
  if (net.isIPv4(address)) return address.split(".").map(Number);
  return undefined;
}

function ipv6Bytes(address: string): number[] | undefined {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!net.isIPv6(bare)) return undefined;
  let text = bare;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail.push(...ipv4Bytes(dotted[1]!)!);
    text = `${text.slice(0, -dotted[1]!.length)}0:0`;
  }
  const [head, rest] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (s: string | undefined) =>
    s
      ? s
          .split(":")
          .filter(Boolean)
          .map((g) => Number.parseInt(g, 16))
      : [];
  const left = groups(head);
  const right = groups(rest);
  const words = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Why an IPv4 address is not a public destination, or undefined when it is one. */
function ipv4Range(b: number[]): string | undefined {
  const [a, x] = [b[0]!, b[1]!];
  if (a === 0) return "an unspecified (0.0.0.0/8) address";
  if (a === 127) return "a loopback address";
  if (a === 10 || (a === 172 && x >= 16 && x <= 31) || (a === 192 && x === 168)) return "a private network address";
  if (a === 169 && x === 254) return "a link-local address (cloud metadata lives there)";
  if (a === 100 && x >= 64 && x <= 127) return "a carrier-grade NAT (100.64.0.0/10) address";
  if (a >= 224 && a <= 239) return "a multicast address";
  if (a >= 240) return "a reserved or broadcast address";
  if ((a === 192 && x === 0 && b[2] === 0) || (a === 198 && (x === 18 || x === 19))) return "a reserved (IETF or benchmarking) address";
  return undefined;
}

/** Loopback, private, link-local, CGNAT, multicast and unspecified, IPv4 and IPv6 (mapped forms too). */
export function nonPublicRange(address: string): string | undefined {
  const v4 = ipv4Bytes(address);
  if (v4) return ipv4Range(v4);
  const b = ipv6Bytes(address);
  if (!b) return "not an IP address";
  const zeroUpTo = (n: number) => b.slice(0, n).every((v) => v === 0);
  if (zeroUpTo(15) && b[15] === 0) return "the unspecified address (::)";
  if (zeroUpTo(15) && b[15] === 1) return "a loopback address (::1)";
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 destination.
  const mapped = zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff;
  const nat64 = b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((v) => v === 0);
  if (mapped || nat64 || zeroUpTo(12)) return ipv4Range(b.slice(12)) ?? (zeroUpTo(12) ? "an IPv4-compatible IPv6 address" : undefined);
  if (b[0] === 0x20 && b[1] === 0x02) return ipv4Range(b.slice(2, 6));
  if ((b[0]! & 0xfe) === 0xfc) return "a private (unique local) IPv6 address";
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return "a link-local IPv6 address";
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return "a site-local IPv6 address";
  if (b[0] === 0xff) return "a multicast IPv6 address";
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return "a documentation IPv6 address";
  return undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses the whole answer when any address in it is not public. */
function guardedLookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true } as { all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    for (const { address } of addresses) {
      const range = nonPublicRange(address);
      if (range) return callback(new EgressRefusedError(hostname, address, range) as NodeJS.ErrnoException, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}

/**
 * An undici dispatcher for Salesforce traffic: IP literals are checked before connecting, names
 * through `guardedLookup` as the socket connects. `trustedOrigins` (the configured login URLs,
 * e.g. the built-in emulator on 127.0.0.1) connect as they are.
 */
export function salesforceDispatcher(trustedOrigins: readonly string[]): Dispatcher {
  const trusted = new Set(trustedOrigins.map((o) => new URL(o).origin));
  const plain = buildConnector({ allowH2: false });
  const guarded = buildConnector({ allowH2: false, lookup: guardedLookup } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (options, callback) => {
    const origin = `${options.protocol}//${options.host}`;
    if (trusted.has(origin)) return plain(options, callback);
    const literal = options.hostname.replace(/^\[|\]$/g, "");
    if (net.isIP(literal)) {
      const range = nonPublicRange(literal);
      if (range) return callback(new EgressRefusedError(literal, literal, range), null);
    }
    return guarded(options, callback);
  };
  return new Agent({ connect });
}

let installed: Dispatcher | undefined;

/**
 * Routes every Salesforce connection of this process (jsforce's and Ferry's own requests) through
 * `salesforceDispatcher`. The web process calls it at boot with its configured login URLs.
 */
export function installSalesforceEgressGuard(trustedOrigins: readonly string[]): void {
  installed = salesforceDispatcher(trustedOrigins);
  setJsforceDispatcher(installed);
}

/** The dispatcher for Ferry's own Salesforce requests (SOAP login, Bulk results). */
export function egressDispatcher(): Dispatcher | undefined {
  return installed;
}

export function egressRefusal(error: unknown): EgressRefusedError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EgressRefusedError) return e;
  }
  return undefined;
}
