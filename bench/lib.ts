import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

// jsforce routes every request through these proxies when set and ignores NO_PROXY.
for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];

export const here = dirname(fileURLToPath(import.meta.url));
export const quick = process.argv.includes("--quick");

/** The emulator's "small" org without Leads; each benchmark sets its own Lead count. */
export const SMALL_OBJECTS = {
  User: 12,
  Account: 2_000,
  Contact: 5_000,
  Opportunity: 2_000,
  OpportunityContactRole: 2_000,
  Campaign: 50,
  CampaignMember: 5_000,
};
/** The small objects of the quick runs: fewer rows, the same shapes. */
export const QUICK_OBJECTS = { User: 12, Account: 500, Contact: 1_000, Opportunity: 500, OpportunityContactRole: 500, Campaign: 20, CampaignMember: 1_000 };
export const TINY_OBJECTS = { User: 3, Account: 20, Contact: 40, Lead: 60, Opportunity: 20, OpportunityContactRole: 20, Campaign: 3, CampaignMember: 30 };

export interface EmulatorProcess {
  url: string;
  username: string;
  password: string;
  token: string;
  pid: number;
  /** `/__emulator` control API call. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** The emulator in a process of its own, so generating CSV never shares an event loop with what is measured. */
export async function startEmulatorProcess(
  counts: Record<string, number>,
  options: { seed?: number; orgNumber?: number; args?: string[] } = {},
): Promise<EmulatorProcess & { banner: string }> {
  const pkg = join(here, "node_modules/@ferry/salesforce-emulator");
  const args = ["--import", "tsx", "src/cli.ts", "--port", "0", "--size", "small", "--latency", "none", "--bulk-job-ms", "0", "--control"];
  args.push("--seed", String(options.seed ?? 1), "--org-number", String(options.orgNumber ?? 1));
  for (const [object, n] of Object.entries(counts)) args.push("--count", `${object}=${n}`);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, { cwd: pkg, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.stderr.on("data", (c: Buffer) => process.stderr.write(c));
  const banner = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("restricted@")) resolve(out);
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}: ${out}`)));
  });
  const url = /listening on (\S+)/.exec(banner)![1]!;
  const line = banner.split("\n").find((l) => l.includes("sync@"))!;
  const [, username, password, token] = /(\S+)\s+password (\S+)\s+token (\S+)/.exec(line)!;
  return {
    banner,
    url,
    username: username!,
    password: password!,
    token: token!,
    pid: child.pid!,
    async control<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${url}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`emulator control ${method} ${path}: ${response.status} ${await response.text()}`);
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    stop: () => stopChild(child),
  };
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
  children.delete(child);
}

/** A node child running a bench TypeScript file through tsx's loader (so its pid is the node process itself). */
export function spawnTs(file: string, env: Record<string, string>, onLine?: (line: string) => void): ChildProcess {
  return spawnNode(["--import", "tsx", join(here, file)], env, onLine);
}

function spawnNode(args: string[], env: Record<string, string>, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: here, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let buffered = "";
  child.stdout!.on("data", (c: Buffer) => {
    buffered += c.toString();
    let i: number;
    while ((i = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      if (onLine) onLine(line);
    }
  });
  child.stderr!.on("data", (c: Buffer) => process.stderr.write(c));
  child.once("exit", () => children.delete(child));
  return child;
}

/**
 * The node flags and environment the compiled runtime starts with (package.json's start scripts, the
 * Dockerfile): a process measured for memory must run as production runs it, not under tsx.
 */
export const PRODUCTION_ENV = { NODE_ENV: "production", MALLOC_ARENA_MAX: "2" };
/** The worker's node flags in production (package.json's start:worker and compose.yaml set them through NODE_OPTIONS). */
export const WORKER_NODE_FLAGS = ["--max-semi-space-size=8"];

const bundled = new Map<string, Promise<string>>();

/**
 * A bench entry bundled as `node scripts/build.mjs worker` bundles the worker (esbuild, minified,
 * the workspace packages inside), once per bench process, into bench/dist.
 */
export function bundleEntry(file: string): Promise<string> {
  let out = bundled.get(file);
  if (!out) {
    const target = join(here, "dist", file.replace(/\.ts$/, ".js"));
    out = import("../scripts/bundle.mjs").then(({ bundle }) => bundle(join(here, file), target)).then(() => target);
    bundled.set(file, out);
  }
  return out;
}

/** A bench entry, bundled like the production worker and started with production's env and flags. */
export async function spawnCompiled(
  file: string,
  env: Record<string, string>,
  onLine?: (line: string) => void,
  nodeFlags: string[] = [],
): Promise<ChildProcess> {
  const entry = await bundleEntry(file);
  return spawnNode([...nodeFlags, entry], { ...PRODUCTION_ENV, ...env }, onLine);
}

/** Peak resident set size (VmHWM) and current RSS of a process, in MB; null once it has exited. */
export function memoryOf(pid: number): { peakMb: number; rssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { peakMb: kb("VmHWM") / 1024, rssMb: kb("VmRSS") / 1024 };
  } catch {
    return null;
  }
}

export const ADMIN_URL = process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

/** A scratch Postgres database (not migrated), dropped by `drop()`. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; sql: postgres.Sql; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const cleanup = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: number[]) => {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function summary(values: number[]) {
  return { n: values.length, p50: percentile(values, 50), p95: percentile(values, 95), max: values.length ? Math.max(...values) : Number.NaN };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function fmt(value: number | string | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (Number.isNaN(value)) return "—";
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Prints an aligned table: the first row is the header. */
export function printTable(title: string, rows: (string | number)[][]): void {
  const text = rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)));
  const widths = text[0]!.map((_, i) => Math.max(...text.map((r) => (r[i] ?? "").length)));
  console.log(`\n${title}`);
  text.forEach((r, k) => {
    console.log("  " + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
    if (k === 0) console.log("  " + widths.map((w) => "-".repeat(w)).join("  "));
  });
}

export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    at: new Date().toISOString(),
  };
}

export async function writeResult(name: string, data: object): Promise<string> {
  const dir = join(here, "results");
  await mkdir(dir, { recursive: true });
  const body = JSON.stringify({ benchmark: name, quick, machine: machine(), ...data }, null, 2);
  const file = join(dir, `${name}${quick ? "-quick" : ""}.json`);
  await writeFile(file, body);
  await writeFile(join(dir, `${name}${quick ? "-quick" : ""}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`), body);
  console.log(`\n  results: ${file}`);
  return file;
}

export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
