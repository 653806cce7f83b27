/**
 * Loaded before the real worker (`--import`): notes every Salesforce page request the process makes
 * in an append-only file, written synchronously so a SIGKILL cannot lose the line of the page that
 * was in flight. Bulk result pages are keyed by job and locator, REST pages by their SOQL (the
 * keyset bound makes each page's query unique). Nothing is changed in the request or response.
 */
import { appendFileSync } from "node:fs";

const file = process.env.RELIABILITY_PAGE_LOG;
if (file) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url);
    const bulk = /\/jobs\/query\/([^/]+)\/results$/.exec(url.pathname);
    const q = url.searchParams.get("q");
    let key: string | undefined;
    if (bulk) key = `bulk ${bulk[1]} ${url.searchParams.get("locator") ?? "-"}`;
    else if (q && /ORDER BY Id LIMIT/i.test(q)) key = `rest ${q.replace(/^SELECT .* FROM (\w+)/i, "$1")}`;
    if (key) appendFileSync(file, `${process.pid}\t${key}\n`);
    return realFetch(input, init);
  };
}
