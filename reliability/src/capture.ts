import { appendFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { workDir } from "./harness";

/**
 * Point 8 beyond log lines: everything the suite's clients received (tRPC response bodies, socket
 * events, connect errors) goes to `client-*.log` in the run's directory, one line per message, so
 * the global teardown searches it with the worker/web logs. Any test with a web or socket client
 * feeds it through `captureClient`.
 */
export function captureClient(channel: "trpc" | "socket" | "http", where: string, body: string) {
  appendFileSync(join(workDir, `client-${channel}.log`), `${where}\t${body.replace(/\n/g, "\\n")}\n`);
}

/** The secrets noted so far by this run (`noteSecret`), longest first; short values would match by chance. */
export function notedSecrets(): string[] {
  const file = join(workDir, "secrets.txt");
  if (!existsSync(file)) return [];
  return [
    ...new Set(
      readFileSync(file, "utf8")
        .split("\n")
        .filter((s) => s.length >= 6),
    ),
  ].sort((a, b) => b.length - a.length);
}

export interface Leak {
  file: string;
  line: number;
  /** Which secret (first and last characters only, so the report itself leaks nothing). */
  secret: string;
  context: string;
}

const ACCESS_TOKEN_SHAPE = /00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{20,}/;
const hint = (s: string) => `${s.slice(0, 3)}…${s.slice(-2)} (${s.length} chars)`;

/** Searches every log and client capture of the run's directory (or the given files) for the noted secrets and for an access-token shape. */
export function findLeaks(files?: string[]): { leaks: Leak[]; lines: number; files: number; secrets: number } {
  const secrets = notedSecrets();
  const list =
    files ??
    readdirSync(workDir)
      .filter((f) => f.endsWith(".log") && !f.includes("pages"))
      .map((f) => join(workDir, f));
  const leaks: Leak[] = [];
  let lines = 0;
  for (const file of list) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8").split("\n");
    for (const [i, line] of text.entries()) {
      lines++;
      const secret = secrets.find((s) => line.includes(s)) ?? ACCESS_TOKEN_SHAPE.exec(line)?.[0];
      if (!secret) continue;
      const at = line.indexOf(secret);
      const context = `${line.slice(Math.max(0, at - 80), at)}[SECRET]${line.slice(at + secret.length, at + secret.length + 40)}`;
      leaks.push({ file: file.slice(file.lastIndexOf("/") + 1), line: i + 1, secret: hint(secret), context });
    }
  }
  return { leaks, lines, files: list.length, secrets: secrets.length };
}
