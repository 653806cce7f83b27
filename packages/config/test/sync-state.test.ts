import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const eslint = new ESLint({ cwd: repoRoot });

/** The sync-state ownership errors ESLint reports for `source` placed at `file` (repo-relative); the file need not exist. */
async function ownershipErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`declare const tx: any, db: any;\n${source}\nexport {};\n`, { filePath: path.join(repoRoot, file) });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-syntax").map((m) => m.message);
}

const preamble = `import { pushQueue, salesforceConnections, syncErrors, syncRunObjects, syncRuns, syncStates } from "@ferry/db";\nvoid [pushQueue, salesforceConnections, syncErrors, syncRunObjects, syncRuns, syncStates];\n`;

describe("one owner of sync state (packages/config/sync-state.js)", () => {
  it.each([
    ["the engine finishing a run itself", "packages/sync/src/wrong.ts", `await tx.update(syncRuns).set({ status: "failed" });`],
    ["the engine counting a run object", "packages/sync/src/wrong.ts", `await tx.update(syncRunObjects).set({ processed: 1 });`],
    ["a service patching the badge", "packages/services/src/sync-runs/wrong.ts", `await tx.insert(syncStates).values({ tenantId: "t", state: "idle" });`],
    [
      "the engine recording an error",
      "packages/sync/src/wrong.ts",
      `await tx.insert(syncErrors).values({ tenantId: "t", level: "record", code: "X", message: "m" });`,
    ],
    ["a router deleting queued pushes", "packages/api/src/routers/wrong.ts", `await db.delete(pushQueue);`],
    ["the engine failing the connection", "packages/sync/src/wrong.ts", `await tx.update(salesforceConnections).set({ state: "failed", lastError: "x" });`],
    [
      "a service counting a refused login",
      "packages/services/src/connection/wrong.ts",
      `await tx.update(salesforceConnections).set({ consecutiveLoginFailures: 2 });`,
    ],
    ["the web app queuing a run", "apps/web/src/server/wrong.ts", `await tx.insert(syncRuns).values({ tenantId: "t", kind: "push" });`],
  ])("refuses %s", async (_what, file, source) => {
    expect(await ownershipErrors(file, preamble + source)).not.toEqual([]);
  });

  it.each([
    ["the owner finishing a run", "packages/services/src/sync-state/runs.ts", `await tx.update(syncRuns).set({ status: "failed" });`],
    ["the owner failing the connection", "packages/services/src/sync-state/connection.ts", `await tx.update(salesforceConnections).set({ state: "failed" });`],
    ["a service setting the API cap", "packages/services/src/connection/wrong.ts", `await tx.update(salesforceConnections).set({ apiDailyCap: 1000 });`],
    ["the engine reading runs", "packages/sync/src/fine.ts", `await tx.select().from(syncRuns);`],
    ["a test seeding a failed run", "packages/sync/test/fine.test.ts", `await tx.insert(syncRuns).values({ tenantId: "t", kind: "push", status: "failed" });`],
    ["a reliability test breaking state", "reliability/test/fine.test.ts", `await db.update(syncStates).set({ state: "failed" });`],
  ])("allows %s", async (_what, file, source) => {
    expect(await ownershipErrors(file, preamble + source)).toEqual([]);
  });

  it.each([
    `await tx.update(salesforceConnections).set({ consecutiveLoginFailures: 0, lastLoginAt: new Date(), updatedAt: new Date() });`,
    `await tx.update(pushQueue).set({ state: "in_flight", updatedAt: new Date() });`,
    `await tx.update(syncErrors).set({ state: "resolved", resolvedAt: new Date() });`,
    `await tx.update(syncRuns).set({ status: "failed", error: "The job could not be queued.", finishedAt: new Date() });`,
  ])("refuses a write the engine made itself before it had one owner: %s", async (line) => {
    expect(await ownershipErrors("packages/sync/src/push.ts", preamble + line)).not.toEqual([]);
  });
});
