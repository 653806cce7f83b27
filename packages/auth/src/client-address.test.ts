import { describe, expect, it } from "vitest";
import { clientAddress, isTrustedProxyEntry, trustedProxies } from "./client-address";

describe("clientAddress", () => {
  const proxies = trustedProxies(["10.0.0.0/8", "192.0.2.1", "fd00::/8"]);

  it("is the direct peer when the peer is not a trusted proxy, whatever X-Forwarded-For says", () => {
    expect(clientAddress("203.0.113.9", "1.2.3.4", proxies)).toBe("203.0.113.9");
    expect(clientAddress("::ffff:203.0.113.9", "1.2.3.4", proxies)).toBe("203.0.113.9");
    expect(clientAddress("203.0.113.9", undefined, trustedProxies([]))).toBe("203.0.113.9");
  });

  it("reads X-Forwarded-For from the right, through trusted proxies only", () => {
    expect(clientAddress("10.1.1.1", "198.51.100.7", proxies)).toBe("198.51.100.7");
    // The client wrote 6.6.6.6 itself; the trusted proxy appended the address it saw.
    expect(clientAddress("10.1.1.1", "6.6.6.6, 198.51.100.7", proxies)).toBe("198.51.100.7");
    // Two trusted hops.
    expect(clientAddress("10.1.1.1", "198.51.100.7, 192.0.2.1", proxies)).toBe("198.51.100.7");
    expect(clientAddress("::ffff:10.1.1.1", ["6.6.6.6", "198.51.100.7"], proxies)).toBe("198.51.100.7");
    expect(clientAddress("fd00::1", "2001:db8::5", proxies)).toBe("2001:db8::5");
  });

  it("stops at a hop that is no address, and uses the proxy when nothing is forwarded", () => {
    expect(clientAddress("10.1.1.1", "198.51.100.7, not-an-ip", proxies)).toBe("10.1.1.1");
    expect(clientAddress("10.1.1.1", undefined, proxies)).toBe("10.1.1.1");
    expect(clientAddress("10.1.1.1", "10.2.2.2", proxies)).toBe("10.2.2.2");
  });
});

describe("isTrustedProxyEntry", () => {
  it("accepts addresses and CIDR ranges, nothing else", () => {
    for (const ok of ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "0.0.0.0/0"]) expect(isTrustedProxyEntry(ok), ok).toBe(true);
    for (const bad of ["", "localhost", "10.0.0.0/33", "::/129", "10.0.0.0/8/1", "1.2.3", "10.0.0.0/x", "*"]) expect(isTrustedProxyEntry(bad), bad).toBe(false);
  });
});
