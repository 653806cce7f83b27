import { BlockList, isIP } from "node:net";

/** One FERRY_TRUSTED_PROXIES entry: an IPv4/IPv6 address or a CIDR range. */
export function isTrustedProxyEntry(entry: string): boolean {
  const [address, bits, extra] = entry.split("/");
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

export interface TrustedProxies {
  has(address: string): boolean;
}

export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    if (!isTrustedProxyEntry(entry)) throw new Error(`Not an IP address or CIDR range: ${JSON.stringify(entry)}`);
    const [address, bits] = entry.split("/") as [string, string | undefined];
    const type = isIP(address) === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return {
    has(address) {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

/** `::ffff:1.2.3.4` is 1.2.3.4: one client, whichever socket family it arrived on. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (mapped ? mapped[1]! : address).toLowerCase();
}

/**
 * The address of the client behind a request. X-Forwarded-For is believed only hop by hop from
 * the right while each hop is a trusted proxy: the first address a trusted proxy vouches for that
 * is not itself a proxy is the client. Anything a client writes into the header further left is
 * never reached, and a peer that is not a trusted proxy is the client whatever it sends.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string {
  let client = normalizeAddress(peer ?? "unknown");
  if (!trusted.has(client)) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]!);
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trusted.has(hop)) return client;
  }
  return client;
}
