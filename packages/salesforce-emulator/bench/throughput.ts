/**
 * Throughput of the emulator with a large org (~5,000,000 records): Bulk 2.0 CSV results, REST query
 * paging, keyset pages and peak memory of the emulator process. Prints figures; asserts nothing.
 *
 *   pnpm --filter @ferry/salesforce-emulator bench [-- --size large --rest-records 200000]
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import jsforce from "jsforce";
import { makeId } from "../src/ids";

for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "large" },
    "rest-records": { type: "string", default: "200000" },
    "bulk-object": { type: "string", default: "Lead" },
    "results-dir": { type: "string" },
  },
});
const VERSION = "62.0";
const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "..");

const child = spawn(join(pkg, "node_modules/.bin/tsx"), ["src/cli.ts", "--port", "0", "--size", values.size, "--bulk-job-ms", "0"], {
  cwd: pkg,
  stdio: ["ignore", "pipe", "pipe"],
});
child.stderr.on("data", (c: Buffer) => process.stderr.write(c));
const banner = await new Promise<string>((resolve, reject) => {
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
    if (out.includes("  users")) resolve(out);
  });
  child.on("exit", (code) => reject(new Error(`emulator exited with ${code}: ${out}`)));
});
// Never leave the emulator running when the benchmark stops early.
process.on("exit", () => child.kill("SIGTERM"));
process.on("uncaughtException", (e) => {
  console.error(e);
  process.exit(1);
});
const url = /listening on (\S+)/.exec(banner)![1]!;
const presented = /records presented:\s+([\d,]+)/.exec(banner)![1]!;
const userLine = banner.split("\n").find((l) => l.includes("sync@"))!;
const [, username, password, token] = /(\S+)\s+password (\S+)\s+token (\S+)/.exec(userLine)!;

/** The node process actually running the emulator (tsx runs it as a child of its launcher). */
function emulatorPids(): number[] {
  const pids = [child.pid!];
  try {
    for (const p of readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").split(/\s+/).filter(Boolean)) pids.push(Number(p));
  } catch {
    /* launcher gone */
  }
  return pids;
}

/** CPU seconds (user + system) the emulator processes have used so far; independent of machine load. */
function emulatorCpuSeconds(): number {
  let ticks = 0;
  for (const pid of emulatorPids()) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* process gone */
    }
  }
  return ticks / 100;
}

/** Peak resident set of the emulator process (VmHWM), in MB. */
function peakRssMb(): number {
  let max = 0;
  for (const pid of emulatorPids()) {
    try {
      max = Math.max(max, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0));
    } catch {
      /* process gone */
    }
  }
  return Math.round(max / 1024);
}

const conn = new jsforce.Connection({ loginUrl: url, version: VERSION });
await conn.login(username!, password! + token!);
const auth = { Authorization: `Bearer ${conn.accessToken}` };
const api = `${url}/services/data/v${VERSION}`;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

// Bulk API 2.0: full scan of the biggest object, read page by page through the locator.
const bulkFields = "Id, FirstName, LastName, Email, Company, Status, LeadSource, OwnerId, CreatedDate, SystemModstamp";
const t0 = performance.now();
const job = (await conn.request({
  method: "POST",
  url: `/services/data/v${VERSION}/jobs/query`,
  body: JSON.stringify({ operation: "query", query: `SELECT ${bulkFields} FROM ${values["bulk-object"]}` }),
  headers: { "Content-Type": "application/json" },
})) as { id: string };
let state = "";
while (state !== "JobComplete") {
  state = ((await conn.request(`/services/data/v${VERSION}/jobs/query/${job.id}`)) as { state: string }).state;
  if (state === "Failed" || state === "Aborted") throw new Error(`bulk job ${state}`);
  if (state !== "JobComplete") await new Promise((r) => setTimeout(r, 50));
}
const tJob = performance.now();
const cpuBeforeBulk = emulatorCpuSeconds();
console.error(`bulk job complete in ${Math.round(tJob - t0)} ms`);
let bulkRecords = 0;
let bulkBytes = 0;
let locator: string | null = null;
do {
  const res: Response = await fetch(`${api}/jobs/query/${job.id}/results${locator ? `?locator=${locator}` : ""}`, { headers: { ...auth, Accept: "text/csv" } });
  const body = await res.arrayBuffer();
  bulkBytes += body.byteLength;
  bulkRecords += Number(res.headers.get("sforce-numberofrecords"));
  locator = res.headers.get("sforce-locator");
} while (locator && locator !== "null");
const tBulk = performance.now();
const bulkCpu = emulatorCpuSeconds() - cpuBeforeBulk;
console.error(`bulk results read in ${Math.round(tBulk - tJob)} ms`);

// REST query paging with the default batch size (2000), following nextRecordsUrl.
const restTarget = Number(values["rest-records"]);
const t1 = performance.now();
const cpuBeforeRest = emulatorCpuSeconds();
let restRecords = 0;
let next: string | undefined =
  `/query?q=${encodeURIComponent("SELECT Id, FirstName, LastName, Email, AccountId, Account.Name, Title, OwnerId, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id")}`;
while (next && restRecords < restTarget) {
  const res: Response = await fetch(next.startsWith("/services") ? `${url}${next}` : `${api}${next}`, { headers: auth });
  const page = (await res.json()) as { records: unknown[]; nextRecordsUrl?: string };
  restRecords += page.records.length;
  next = page.nextRecordsUrl;
}
const tRest = performance.now();
const restCpu = emulatorCpuSeconds() - cpuBeforeRest;
console.error(`REST paging done in ${Math.round(tRest - t1)} ms`);

// Keyset page in the middle of the Lead table, as the sync engine reads it.
const leadCount = (await conn.query("SELECT count() FROM Lead")).totalSize;
const mid = await conn.query(`SELECT Id, SystemModstamp FROM Lead WHERE Id >= '${makeId("00Q", Math.floor(leadCount / 2))}' ORDER BY Id LIMIT 1`);
const pivot = mid.records[0]!;
const ts = (pivot.SystemModstamp as string).replace(".000+0000", "Z");
const keysetTimes: number[] = [];
for (let k = 0; k < 10; k++) {
  const s = performance.now();
  await conn.query(
    `SELECT Id, LastName, Email, SystemModstamp FROM Lead WHERE SystemModstamp > ${ts} OR (SystemModstamp = ${ts} AND Id > '${pivot.Id}') ORDER BY SystemModstamp, Id LIMIT 2000`,
  );
  keysetTimes.push(performance.now() - s);
}
const s2 = performance.now();
const count = await conn.query("SELECT count() FROM Lead");
const countMs = performance.now() - s2;

const results = {
  recordsPresented: Number(presented.replace(/,/g, "")),
  bulk: {
    object: values["bulk-object"],
    records: bulkRecords,
    jobMs: Math.round(tJob - t0),
    downloadMs: Math.round(tBulk - tJob),
    recordsPerSecond: Math.round(bulkRecords / ((tBulk - tJob) / 1000)),
    endToEndRecordsPerSecond: Math.round(bulkRecords / ((tBulk - t0) / 1000)),
    megabytes: Math.round(bulkBytes / 1e6),
    emulatorCpuSeconds: bulkCpu,
    recordsPerEmulatorCpuSecond: Math.round(bulkRecords / Math.max(bulkCpu, 0.01)),
  },
  rest: {
    records: restRecords,
    ms: Math.round(tRest - t1),
    recordsPerSecond: Math.round(restRecords / ((tRest - t1) / 1000)),
    emulatorCpuSeconds: restCpu,
    recordsPerEmulatorCpuSecond: Math.round(restRecords / Math.max(restCpu, 0.01)),
  },
  keysetPage2000Ms: { median: Math.round(keysetTimes.sort((a, b) => a - b)[5]!), max: Math.round(keysetTimes.at(-1)!) },
  countLeads: { totalSize: count.totalSize, ms: Math.round(countMs) },
  peakRssMb: peakRssMb(),
  loadAverage: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
};

console.log(`records presented:        ${fmt(results.recordsPresented)}`);
console.log(
  `Bulk 2.0 CSV (${results.bulk.object}):      ${fmt(results.bulk.records)} records, ${fmt(results.bulk.megabytes)} MB in ${fmt(results.bulk.downloadMs)} ms -> ${fmt(results.bulk.recordsPerSecond)} records/s (job ${fmt(results.bulk.jobMs)} ms; end to end ${fmt(results.bulk.endToEndRecordsPerSecond)} records/s)`,
);
console.log(
  `  emulator CPU:           ${results.bulk.emulatorCpuSeconds.toFixed(1)} s -> ${fmt(results.bulk.recordsPerEmulatorCpuSecond)} records per CPU-second`,
);
console.log(`REST query paging:        ${fmt(results.rest.records)} records in ${fmt(results.rest.ms)} ms -> ${fmt(results.rest.recordsPerSecond)} records/s`);
console.log(
  `  emulator CPU:           ${results.rest.emulatorCpuSeconds.toFixed(1)} s -> ${fmt(results.rest.recordsPerEmulatorCpuSecond)} records per CPU-second`,
);
console.log(`keyset page (2000 Leads): median ${results.keysetPage2000Ms.median} ms, max ${results.keysetPage2000Ms.max} ms`);
console.log(`COUNT() over Lead:        ${fmt(results.countLeads.totalSize)} in ${results.countLeads.ms} ms`);
console.log(`emulator peak RSS:        ${fmt(results.peakRssMb)} MB`);
console.log(`load average (1/5/15 min): ${results.loadAverage}  (other work on this 2-core machine slows wall-clock figures)`);

if (values["results-dir"]) {
  await mkdir(values["results-dir"], { recursive: true });
  await writeFile(join(values["results-dir"], "salesforce-emulator.json"), JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2));
}
child.kill("SIGTERM");
