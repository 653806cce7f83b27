import { mkdtempSync, readdirSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * One directory per suite run for the worker and web logs, the page logs, the summary lines and
 * the secrets the run handed out; at the end the summary table is printed and every log line is
 * searched for those secrets and for anything shaped like a Salesforce access token.
 */
export default function setup() {
  const dir = mkdtempSync(join(tmpdir(), "ferry-reliability-"));
  process.env.RELIABILITY_DIR = dir;
  const started = Date.now();
  return () => {
    const summary = join(dir, "summary.jsonl");
    const rows = existsSync(summary)
      ? readFileSync(summary, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
    const secrets = existsSync(join(dir, "secrets.txt"))
      ? [
          ...new Set(
            readFileSync(join(dir, "secrets.txt"), "utf8")
              .split("\n")
              .filter((s) => s.length >= 6),
          ),
        ]
      : [];
    const logs = readdirSync(dir).filter((f) => f.endsWith(".log") && !f.includes("pages"));
    let lines = 0;
    const leaks: string[] = [];
    for (const file of logs) {
      for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
        lines++;
        if (secrets.some((s) => line.includes(s)) || /00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{20,}/.test(line)) leaks.push(`${file}: ${line.slice(0, 120)}`);
      }
    }
    const out = process.stdout;
    out.write(
      `\nReliability summary (${process.env.RELIABILITY_SIZE === "ci" ? "CI size" : "full size"}, ${Math.round((Date.now() - started) / 1000)} s, logs in ${dir})\n`,
    );
    const table = [["point", "tried", "outcome"], ...rows.map((r) => [String(r.point), String(r.tried).slice(0, 90), String(r.outcome)])];
    const widths = [0, 1, 2].map((i) => Math.max(...table.map((r) => r[i]!.length)));
    for (const [k, r] of table.entries()) {
      out.write(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join("  ")}\n`);
      if (k === 0) out.write(`  ${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
    }
    out.write(
      `  8 secrets in logs: ${leaks.length} of ${lines} log lines in ${logs.length} files matched ${secrets.length} secrets or an access-token shape\n`,
    );
    for (const leak of leaks.slice(0, 5)) out.write(`    ${leak}\n`);
    // Point 8 fails the run: logs and client captures (client-*.log: tRPC bodies, socket events) alike.
    if (leaks.length > 0) {
      process.exitCode = 1;
      throw new Error(`${leaks.length} log or client lines hold a secret this run handed out; see the summary above (files in ${dir})`);
    }
  };
}
