import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { and, eq } from "drizzle-orm";
import { salesforceConnections, syncRunObjects, syncRuns, syncStates } from "@ferry/db";
import { signInContext, signUpThroughApi } from "../support/api";
import { startSyncE2E, type SyncE2E } from "./sync-fixture";

test.describe.configure({ mode: "serial", timeout: 180_000 });

let env: SyncE2E;
test.beforeAll(async () => {
  env = await startSyncE2E();
});
test.afterAll(async () => env?.stop());

const TOTALS = { Account: 6000, Contact: 9000 } as const;

/** What the engine does after each chunk: commit the object's counters, then publish them. */
async function advance(tenantId: string, runId: string, object: keyof typeof TOTALS, processed: number, rate: number) {
  const total = TOTALS[object];
  const done = processed >= total;
  await env.db
    .update(syncRunObjects)
    .set({ processed, created: processed, status: done ? "succeeded" : "in_progress", ...(done ? { finishedAt: new Date() } : {}) })
    .where(and(eq(syncRunObjects.tenantId, tenantId), eq(syncRunObjects.runId, runId), eq(syncRunObjects.object, object)));
  await env.emitter.emit(tenantId, "sync.progress", {
    tenantId,
    runId,
    object,
    phase: "writing",
    total,
    processed,
    created: processed,
    updated: 0,
    failed: 0,
    rate,
    etaSeconds: rate > 0 ? Math.round((total - processed) / rate) : null,
    at: new Date().toISOString(),
  });
}

const row = (page: Page, object: string) => page.locator(`[data-testid="progress-object"][data-object="${object}"]`);

test("two browsers follow the same run live; a reload and a dropped socket rebuild it from the database", async ({ browser, request }, testInfo) => {
  const owner = await signUpThroughApi(request, env.baseURL, { name: "Pat Progress", tenantName: "Progress Co" });
  const tenantId = await env.tenantId("Progress Co");
  await env.db.insert(salesforceConnections).values({ tenantId, state: "syncing", orgId: "00D000000000042AAA", instanceUrl: "https://progress.my.salesforce.test", apiDailyCap: 20_000, apiDailyLimit: 100_000, syncEnabled: true });
  await env.db.insert(syncStates).values({ tenantId, state: "running", apiUsed: 1200, apiLimit: 100_000, apiCheckedAt: new Date() });
  const [run] = await env.db.insert(syncRuns).values({ tenantId, kind: "initial", status: "in_progress", phase: "writing", apiCalls: 24, startedAt: new Date(Date.now() - 60_000) }).returning();
  const runId = run!.id;
  await env.db.insert(syncRunObjects).values([
    { tenantId, runId, object: "Account", operation: "pull_updates", status: "in_progress", total: TOTALS.Account, processed: 0, startedAt: new Date(Date.now() - 30_000) },
    { tenantId, runId, object: "Contact", operation: "pull_updates", status: "in_progress", total: TOTALS.Contact, processed: 0, startedAt: new Date() },
  ]);

  const contexts: BrowserContext[] = [await browser.newContext(), await browser.newContext()];
  const pages: Page[] = [];
  let blocked = false;
  for (const context of contexts) {
    await signInContext(context, env.baseURL, owner);
    pages.push(await context.newPage());
  }
  const [a, b] = pages as [Page, Page];
  // Browser A's live channel can be cut: every socket.io transport refused while blocked.
  const open: { close(): Promise<void> }[] = [];
  await a.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (blocked) return void ws.close({ code: 1006 });
    ws.connectToServer();
    open.push(ws);
  });
  await a.route(/\/socket\.io\//, (route) => (blocked ? route.abort() : route.continue()));

  for (const page of pages) {
    await page.goto(`${env.baseURL}/salesforce/progress`);
    // The first page of a freshly started server can take a while to serve.
    await expect(page.getByTestId("live-progress")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId("status-badge")).toHaveAttribute("data-state", "running");
    await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected");
  }

  let processed = 0;
  for (let step = 0; step < 6; step++) {
    processed += 500;
    await advance(tenantId, runId, "Account", processed, 500);
    for (const page of pages) await expect(row(page, "Account")).toHaveAttribute("data-processed", String(processed), { timeout: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  for (const page of pages) {
    await expect(row(page, "Account").getByTestId("progress-eta")).not.toHaveText("—");
    await expect(row(page, "Account").getByTestId("progress-rate")).toHaveText("500/s");
    await expect(page.getByTestId("overall-progress")).toContainText("20% · 3,000 of 15,000");
    await expect(page.getByTestId("status-badge")).toHaveAttribute("data-percent", "20");
  }
  await a.screenshot({ path: testInfo.outputPath("sync-progress.png"), fullPage: true });

  // Reload mid-run: the page starts from the committed counters, not from zero.
  await a.reload();
  await expect(row(a, "Account")).toHaveAttribute("data-processed", "3000", { timeout: 30_000 });
  await expect(a.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await advance(tenantId, runId, "Account", 3500, 500);
  await expect(row(a, "Account")).toHaveAttribute("data-processed", "3500");

  // Cut A's socket; B keeps receiving; A recovers the numbers it missed within 3 s of the network returning.
  blocked = true;
  await Promise.all(open.splice(0).map((ws) => ws.close()));
  await expect(a.getByTestId("live-indicator")).not.toHaveAttribute("data-state", "connected");
  await expect(a.getByText("Live updates reconnecting…")).toBeVisible();
  await advance(tenantId, runId, "Account", 4500, 500);
  await expect(row(b, "Account")).toHaveAttribute("data-processed", "4500");
  // Without its socket, A re-reads the run from the database: it catches up within 3 s.
  await expect(row(a, "Account")).toHaveAttribute("data-processed", "4500", { timeout: 3000 });
  blocked = false;
  await expect(a.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
  await advance(tenantId, runId, "Account", 5000, 500);
  await expect(row(a, "Account")).toHaveAttribute("data-processed", "5000");

  // The run finishes: both badges turn to "Last Synced".
  await advance(tenantId, runId, "Account", TOTALS.Account, 500);
  await advance(tenantId, runId, "Contact", TOTALS.Contact, 900);
  const lastSyncedAt = new Date();
  await env.db.update(syncRuns).set({ status: "succeeded", phase: "done", finishedAt: lastSyncedAt }).where(eq(syncRuns.id, runId));
  await env.db.update(syncStates).set({ state: "idle", lastSyncedAt }).where(eq(syncStates.tenantId, tenantId));
  await env.emitter.emit(tenantId, "sync.status", { tenantId, state: "idle", lastSyncedAt: lastSyncedAt.toISOString() });
  for (const page of pages) {
    await expect(page.getByTestId("status-badge")).toHaveAttribute("data-state", "idle");
    await expect(page.getByTestId("status-badge")).toContainText("Last Synced");
    await expect(page.getByTestId("run-status")).toHaveText("Succeeded");
  }
  for (const context of contexts) await context.close();
});
