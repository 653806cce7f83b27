// A free TCP port of 127.0.0.1 for a server that starts a moment later: the test harnesses'
// `freePort` (apps/web/testing) and scripts/check-fresh-start.sh (`node scripts/free-port.mjs`
// prints one). It is below the kernel's ephemeral range, whose ports go to every listen(0) and
// outgoing connection of the other test lanes: one of those took a port between the check and the
// server's own listen (EADDRINUSE, in a CI run).
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { pathToFileURL } from "node:url";

function ephemeralLow() {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function listens(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A random port of the 12,000 below the ephemeral range that nothing listens on right now. */
export async function freePort() {
  const low = ephemeralLow();
  const lowest = Math.max(1024, low - 12_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = lowest + Math.floor(Math.random() * (low - lowest));
    if (await listens(port)) return port;
  }
  throw new Error(`no free port in ${lowest}–${low - 1} after 50 tries`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await freePort());
