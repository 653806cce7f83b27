/**
 * Runs every benchmark in turn, each in its own process (so one's memory and handles never touch
 * the next one's figures). `--quick` runs a small version of each; other flags are passed through.
 *
 *   pnpm bench            full sizes (1,000,000 Leads; tens of minutes on a small machine)
 *   pnpm bench:quick      small sizes, a few minutes
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { here, machine } from "./lib";

const BENCHMARKS = ["runtime-memory.ts", "initial-sync.ts", "incremental-push.ts", "many-tenants.ts", "records-browser.ts", "streaming.ts"];
const args = process.argv.slice(2);
const only = process.env.BENCH_ONLY?.split(",").filter(Boolean);

const m = machine();
console.log(
  `Ferry benchmarks${args.includes("--quick") ? " (quick)" : ""}: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, load average ${m.loadAverage.join(" ")}`,
);
const started = Date.now();
const failed: string[] = [];
for (const file of BENCHMARKS) {
  if (only && !only.some((o) => file.startsWith(o))) continue;
  console.log(`\n=== ${file} ===`);
  const t = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, file), ...args], { cwd: here, stdio: "inherit" });
    child.once("exit", resolve);
  });
  console.log(`=== ${file}: ${code === 0 ? "done" : `FAILED (${code})`} in ${((Date.now() - t) / 1000).toFixed(0)} s ===`);
  if (code !== 0) failed.push(file);
}
console.log(
  `\nall benchmarks: ${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${machine().loadAverage.join(" ")}${failed.length ? `; failed: ${failed.join(", ")}` : ""}`,
);
process.exit(failed.length ? 1 : 0);
