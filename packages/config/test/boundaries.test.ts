import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const eslint = new ESLint({ cwd: repoRoot });

/** The boundary errors ESLint reports for `source` placed at `file` (repo-relative); the file need not exist. */
async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: path.join(repoRoot, file) });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("the layering lint rule (packages/config/boundaries.js)", () => {
  it.each([
    ["a service importing the sync engine", "packages/services/src/x/wrong.ts", `import { executeRun } from "@ferry/sync";`],
    ["the database importing a service", "packages/db/src/wrong.ts", `import { listMembers } from "@ferry/services";`],
    ["a router importing a file inside the engine", "packages/api/src/routers/wrong.ts", `import { salesforceGateway } from "@ferry/sync/salesforce/gateway";`],
    ["the engine importing a services internal", "packages/sync/src/salesforce/wrong.ts", `import { openSecret } from "@ferry/services/secrets/seal";`],
    ["the web importing the worker app", "apps/web/server-wrong.ts", `import { runWorkerProcess } from "@ferry/worker/process";`],
    ["a package importing an app", "packages/api/src/wrong.ts", `import { startWebProcess } from "@ferry/web/testing";`],
    ["the engine's source importing the emulator", "packages/sync/src/wrong.ts", `import { startEmulator } from "@ferry/salesforce-emulator";`],
    ["a test helper outside a test", "packages/services/src/wrong.ts", `import { createTestDatabase } from "@ferry/db/testing";`],
    ["a path into another package's folder", "reliability/test/wrong.test.ts", `import { startOrg } from "../../packages/sync/test/helpers";`],
    ["a re-export across the layering", "packages/services/src/wrong.ts", `export { createEmitter } from "@ferry/realtime";`],
  ])("refuses %s", async (_what, file, source) => {
    expect(await boundaryErrors(file, source)).toHaveLength(1);
  });

  it.each([
    ["a router calling a service", "packages/api/src/routers/fine.ts", `import { listMembers } from "@ferry/services";`],
    [
      "the engine calling services and the job catalog",
      "packages/sync/src/fine.ts",
      `import { createNotification } from "@ferry/services";\nimport { jobCatalog } from "@ferry/jobs";`,
    ],
    [
      "an engine test starting the emulator",
      "packages/sync/test/fine.test.ts",
      `import { startEmulator } from "@ferry/salesforce-emulator";\nimport { createTestDatabase } from "@ferry/db/testing";`,
    ],
    ["the embedded demo starting the emulator", "apps/web/src/server/demo-emulator.ts", `import { startEmulator } from "@ferry/salesforce-emulator";`],
    ["the browser reading the event types", "apps/web/src/lib/fine.ts", `import type { EventName } from "@ferry/realtime/events";`],
    [
      "a reliability test using the published test helpers",
      "reliability/test/fine.test.ts",
      `import { startOrg } from "@ferry/sync/testing";\nimport { startWebProcess } from "@ferry/web/testing";`,
    ],
  ])("allows %s", async (_what, file, source) => {
    expect(await boundaryErrors(file, source)).toEqual([]);
  });
});
