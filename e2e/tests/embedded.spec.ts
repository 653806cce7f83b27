import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { productionCommand } from "@ferry/web/testing";

test("the embedded portal is ready and a second process on the same data directory fails clearly", async ({ request, baseURL }) => {
  const ready = await request.get(`${baseURL}/readyz`);
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "ready", database: "pglite" });
  expect((await request.get(`${baseURL}/healthz`)).status()).toBe(200);
  const metrics = await request.get(`${baseURL}/metrics`);
  expect(await metrics.text()).toContain("http_requests_total");

  const { command, args, cwd } = productionCommand("web");
  const second = spawnSync(command, args, {
    cwd,
    env: { ...process.env, PORT: "3219", FERRY_DATA_DIR: path.join(process.env.FERRY_E2E_DIR!, "main"), FERRY_EMULATOR_PORT: "0" },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(second.status).toBe(1);
  expect(second.stderr).toContain("already open in another Ferry process");
});
