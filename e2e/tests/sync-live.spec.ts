import { spawn } from "node:child_process";
import path from "node:path";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { and, eq, sql } from "drizzle-orm";
import { syncRunObjects, syncRuns } from "@ferry/db";
import { DEFAULT_USERS } from "@ferry/salesforce-emulator";
import { saveScreenshot } from "../support/artifacts";
import { cookieHeader, signInContext, signUpThroughApi, type SeededUser } from "../support/api";
import { startEngineE2E, type PostgresEngineE2E } from "./engine-fixture";

// Contacts and Leads above the Bulk threshold (pages of 10,000), the other objects in REST pages of
// 2,000: with the `realistic` latency profile the run lasts long enough on a loaded machine for two
// browsers to watch it move, reload and lose their socket.
const COUNTS = {
  User: 10_000,
  Account: 10_000,
  Contact: 80_000,
  Lead: 160_000,
  Opportunity: 10_000,
  OpportunityContactRole: 10_000,
  Campaign: 10_000,
  CampaignMember: 10_000,
};

// Each test waits out a whole initial sync (under a minute on a quiet machine, over two in CI beside
// four other lanes), and the second one the reconciliation after it (up to 105 s, below).
test.describe.configure({ timeout: 420_000 });

// The scheduler reconciles a tenant this long after its initial sync (production: a day). Its passes
// run every 5 s within a `sync.schedule` job that pg-boss's cron sends each minute (checked every
// 30 s), so a due reconciliation starts at most about 45 s after the period has passed.
const RECONCILE_EVERY_SECONDS = 60;
const RECONCILE_STARTS_WITHIN_MS = (RECONCILE_EVERY_SECONDS + 45) * 1000;

/** The emulated org in a process of its own, so generating its pages never stalls the test's browser control. */
async function startOrgProcess(): Promise<{ loginUrl: string; stop(): Promise<void> }> {
  const args = ["exec", "tsx", "src/cli.ts", "--port", "0", "--latency", "realistic", "--org-number", "31"];
  for (const [object, n] of Object.entries(COUNTS)) args.push("--count", `${object}=${n}`);
  const child = spawn("pnpm", args, {
    cwd: path.resolve(import.meta.dirname, "../../packages/salesforce-emulator"),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const loginUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /login URL:\s+(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("exit", (code) => reject(new Error(`emulator exited (${code}): ${output}`)));
  });
  return {
    loginUrl,
    async stop() {
      if (child.exitCode !== null || !child.pid) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    },
  };
}

let org: Awaited<ReturnType<typeof startOrgProcess>>;
let env: PostgresEngineE2E;
test.beforeAll(async () => {
  org = await startOrgProcess();
  // A standalone worker process runs the engine; its events reach the browsers through Postgres.
  env = await startEngineE2E({
    worker: "standalone",
    env: { FERRY_SALESFORCE_LOGIN_URL: org.loginUrl, SYNC_RECONCILE_EVERY_SECONDS: String(RECONCILE_EVERY_SECONDS) },
  });
});
test.afterAll(async () => {
  await env?.stop();
  await org?.stop();
});

async function call(user: SeededUser, procedure: string, json: unknown): Promise<unknown> {
  const response = await fetch(`${env.baseURL}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: env.baseURL, cookie: cookieHeader(user) },
    body: JSON.stringify({ json }),
  });
  if (!response.ok) throw new Error(`${procedure} failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json;
}

/** The per-object counters the page shows, summed: what the bars stand for. */
async function shown(page: Page): Promise<number> {
  const values = await page
    .locator('[data-testid="progress-object"]')
    .evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.processed ?? 0)));
  return values.reduce((a, b) => a + b, 0);
}

/** The run's committed counters (what the engine wrote, chunk by chunk), summed. */
async function committed(runId: string): Promise<number> {
  const rows = await env.db
    .select({ processed: syncRunObjects.processed })
    .from(syncRunObjects)
    .where(and(eq(syncRunObjects.runId, runId), eq(syncRunObjects.operation, "pull_updates")));
  return rows.reduce((a, r) => a + r.processed, 0);
}

async function runStatus(runId: string): Promise<string | undefined> {
  const [row] = await env.db.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, runId));
  return row?.status;
}

interface Sample {
  at: number;
  run: string | null;
  state: string | null;
  checking: boolean;
  badgeText: string;
  header: number | null;
  page: number | null;
  processed: number | null;
  rows: number;
  /** The charts' bucket and how many bars they draw. */
  bucket: number | null;
  bars: number;
}

/** Every 200 ms, what the header and the progress page show, read from the DOM of the page. */
async function startSampling(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { samples: unknown[] };
    w.samples = [];
    const num = (v: string | undefined) => (v === undefined || v === "" ? null : Number(v));
    setInterval(() => {
      const badge = document.querySelector<HTMLElement>('[data-testid="status-badge"]');
      const overall = document.querySelector<HTMLElement>('[data-testid="overall-progress"]');
      const live = document.querySelector<HTMLElement>('[data-testid="live-progress"]');
      w.samples.push({
        at: Date.now(),
        run: live?.dataset.run ?? null,
        state: badge?.dataset.state ?? null,
        checking: badge?.dataset.checking === "true",
        badgeText: badge?.textContent ?? "",
        header: num(badge?.dataset.percent),
        page: num(overall?.dataset.percent),
        processed: num(overall?.dataset.processed),
        rows: document.querySelectorAll('[data-testid="progress-object"]').length,
        bucket: num(document.querySelector<HTMLElement>('[data-testid="sync-charts"]')?.dataset.bucketMinutes),
        bars: document.querySelectorAll('[data-testid="sync-charts"] .recharts-bar-rectangle').length,
      });
    }, 200);
  });
}

const samplesOf = (page: Page) => page.evaluate(() => (window as unknown as { samples: Sample[] }).samples);

const moving = (page: Page) => page.locator('[data-testid="progress-object"]').filter({ has: page.getByText("In progress", { exact: true }) });

test("the initial sync against a realistic org, watched live from two browsers, through a reload and a dropped socket", async ({ browser, request }) => {
  const started = Date.now();
  const log = (what: string) => console.log(`[sync-live] +${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
  const owner = await signUpThroughApi(request, env.baseURL, { name: "Liv Live", tenantName: "Live Co" });
  const tenantId = await env.tenantId("Live Co");
  // Connecting the org (validate, Sync Fields, confirm, mappings) is covered through the UI by
  // salesforce-password.spec.ts; here it goes through the same procedures.
  const user = DEFAULT_USERS[0]!;
  await call(owner, "salesforce.validate", { username: user.username, password: user.password, securityToken: user.securityToken, sandbox: false });
  await call(owner, "salesforce.commitFields", { excluded: [], acknowledgedPermanent: true });
  await call(owner, "salesforce.confirm", { acknowledged: true });
  await call(owner, "salesforce.acceptMappings", {});
  log("org connected");

  const contexts: BrowserContext[] = [await browser.newContext(), await browser.newContext()];
  for (const context of contexts) await signInContext(context, env.baseURL, owner);
  const [a, b] = [await contexts[0]!.newPage(), await contexts[1]!.newPage()];
  // Browser A's live channel can be cut: every socket.io transport refused while blocked.
  let blocked = false;
  const open: { close(): Promise<void> }[] = [];
  await a.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (blocked) return void ws.close();
    ws.connectToServer();
    open.push(ws);
  });
  await a.route(/\/socket\.io\//, (route) => (blocked ? route.abort() : route.continue()));
  // Browser B counts the progress events its socket receives.
  const progressFrames: number[] = [];
  b.on("websocket", (ws) =>
    ws.on("framereceived", ({ payload }) => void (String(payload).startsWith('42["sync.progress"') && progressFrames.push(Date.now()))),
  );

  // B watches the progress page before anything runs; it must follow the start without a reload.
  await Promise.all([b.goto(`${env.baseURL}/salesforce/progress`), a.goto(`${env.baseURL}/salesforce`)]);
  await expect(b.getByText("No sync has run yet")).toBeVisible({ timeout: 30_000 });
  await expect(b.getByTestId("status-badge")).toHaveAttribute("data-state", "ready");
  await expect(b.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected");
  log("pages open");

  // A starts the initial sync in the UI, then follows the badge to the progress page.
  await a.getByRole("button", { name: "Start Salesforce Sync" }).click();
  const dialog = a.getByRole("dialog", { name: "Start the Salesforce sync?" });
  await dialog.getByRole("checkbox", { name: /reported, not merged/ }).check();
  await dialog.getByRole("button", { name: "Start Sync" }).click();
  await expect(a.getByTestId("status-badge")).toContainText("Sync in Progress");
  const [run] = await env.db
    .select({ id: syncRuns.id })
    .from(syncRuns)
    .where(and(eq(syncRuns.tenantId, tenantId), eq(syncRuns.kind, "initial")));
  const runId = run!.id;
  log(`sync started (run ${runId})`);
  await a.getByTestId("status-badge").click();
  // In CI, at load 20 on two cores, this navigation outlasted 10 s twice in a row.
  await expect(a).toHaveURL(/\/salesforce\/progress$/, { timeout: 30_000 });

  for (const page of [a, b]) {
    await expect(page.getByTestId("live-progress")).toHaveAttribute("data-run", runId, { timeout: 30_000 });
    await expect(page.getByTestId("status-badge")).toHaveAttribute("data-state", "running");
    await expect(page.getByTestId("status-badge")).toContainText("Sync in Progress");
    await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected");
  }
  log(`both pages follow the run; committed ${await committed(runId)}`);

  // The bars move in both browsers, and what they show is what the engine committed.
  const watchFrom = Date.now();
  for (let round = 0; round < 2; round++) {
    const before = await Promise.all([shown(a), shown(b)]);
    await Promise.all([a, b].map((page, i) => expect.poll(() => shown(page), { timeout: 10_000, intervals: [100] }).toBeGreaterThan(before[i]!)));
    const floor = await committed(runId);
    for (const page of [a, b]) {
      // What was committed reaches both pages: within a second on a quiet machine (the bench's commit → client p95 is 18 ms).
      await expect.poll(() => shown(page), { timeout: 10_000, intervals: [100] }).toBeGreaterThanOrEqual(floor);
      const value = await shown(page);
      expect(value).toBeLessThanOrEqual(await committed(runId));
    }
    log(`round ${round}: committed ${floor}`);
  }
  for (const page of [a, b]) {
    await expect(moving(page).first().getByTestId("progress-eta")).toHaveText(/^\d+(s|m \d\ds|h \d\dm)$/);
    await expect(moving(page).first()).toContainText(/Counting|Reading|Writing/);
    await expect(moving(page).first().getByTestId("progress-rate")).toHaveText(/^[\d,]+\/s$/);
    // Objects the engine has finished are shown finished, not still moving.
    await expect(moving(page)).toHaveCount(1);
    // A percentage and an estimate only once every object is counted; the header shows the page's figure.
    if ((await page.getByTestId("overall-progress").getAttribute("data-percent")) === null) {
      await expect(page.getByTestId("overall-progress")).toContainText("Counting records…");
      await expect(page.getByTestId("overall-eta")).toHaveCount(0);
    } else await expect(page.getByTestId("overall-eta")).toHaveText(/^(about .+ left|estimating…)$/);
    await expect
      .poll(
        async () =>
          (await page.getByTestId("status-badge").getAttribute("data-percent")) === (await page.getByTestId("overall-progress").getAttribute("data-percent")),
        { timeout: 5_000, intervals: [100] },
      )
      .toBe(true);
  }
  await saveScreenshot(b, "progress-page");

  // Reload mid-run: the page starts from the committed counters at once, then keeps moving.
  expect(await runStatus(runId), "the run must outlast the reload; raise COUNTS").toBe("in_progress");
  const beforeReload = await shown(a);
  await a.reload();
  await expect(a.locator('[data-testid="progress-object"]').first()).toBeVisible({ timeout: 15_000 });
  const afterReload = await shown(a);
  expect(afterReload).toBeGreaterThanOrEqual(beforeReload);
  await expect(a.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected", { timeout: 15_000 });
  await expect.poll(() => shown(a), { timeout: 10_000, intervals: [100] }).toBeGreaterThan(afterReload);
  log(`reloaded: ${beforeReload} before, ${afterReload} at once`);

  // Cut A's socket while B keeps receiving. Without it A re-reads the run from the database, so it is never stale.
  blocked = true;
  await Promise.all(open.splice(0).map((ws) => ws.close()));
  await expect(a.getByTestId("live-indicator")).not.toHaveAttribute("data-state", "connected");
  await expect(a.getByText("Live updates reconnecting…")).toBeVisible();
  const [aOffline, bOnline] = await Promise.all([shown(a), shown(b)]);
  await Promise.all([
    expect.poll(() => shown(a), { timeout: 10_000, intervals: [100] }).toBeGreaterThan(aOffline),
    expect.poll(() => shown(b), { timeout: 10_000, intervals: [100] }).toBeGreaterThan(bOnline),
  ]);
  await expect(a.getByTestId("live-indicator")).not.toHaveAttribute("data-state", "connected");
  // Then A's network drops altogether (no socket, no database reads) and comes back with the socket route:
  // within seconds the page is live again and shows at least what the engine had committed when the network returned.
  await contexts[0]!.setOffline(true);
  await a.waitForTimeout(1_500);
  const committedAtRestore = await committed(runId);
  blocked = false;
  await contexts[0]!.setOffline(false);
  const restoredAt = Date.now();
  const reconnected = expect(a.getByTestId("live-indicator"))
    .toHaveAttribute("data-state", "connected", { timeout: 15_000 })
    .then(() => log(`socket connected ${Date.now() - restoredAt} ms after the network returned`));
  await expect
    .poll(async () => (await a.getByTestId("live-indicator").getAttribute("data-state")) === "connected" && (await shown(a)) >= committedAtRestore, {
      timeout: 15_000,
      intervals: [100],
    })
    .toBe(true);
  const recovered = Date.now() - restoredAt;
  await reconnected;
  // A figure, not an assertion (timings belong to the bench): about half a second on a quiet
  // machine; `npm test` runs this lane beside four others on two cores, where the socket's handshake
  // alone has taken 3 s. The poll above bounds it at 15 s.
  log(`recovered ${recovered} ms after the network returned`);
  const afterRecovery = await shown(a);
  await expect.poll(() => shown(a), { timeout: 10_000, intervals: [100] }).toBeGreaterThan(afterRecovery);
  expect(await runStatus(runId), "the run must outlast the socket test; raise COUNTS").toBe("in_progress");

  // The run ends with every record of the org committed; both badges turn to "Last Synced".
  await expect.poll(() => runStatus(runId), { timeout: 120_000, intervals: [500] }).toBe("succeeded");
  log("run succeeded");
  // B's socket stayed up all along: at least one update a second reached it while the work moved.
  const seconds = (Date.now() - watchFrom) / 1000;
  const events = progressFrames.filter((at) => at >= watchFrom).length;
  log(`${events} progress events in ${seconds.toFixed(1)} s`);
  expect(events).toBeGreaterThanOrEqual(Math.floor(seconds));
  expect(await committed(runId)).toBe(Object.values(COUNTS).reduce((x, y) => x + y, 0));
  for (const page of [a, b]) {
    await expect(page.getByTestId("status-badge")).toHaveAttribute("data-state", "idle", { timeout: 60_000 });
    await expect(page.getByTestId("status-badge")).toContainText("Last Synced");
    await expect(page.getByTestId("run-status")).toHaveText("Succeeded");
  }
  await saveScreenshot(b, "progress-page-done");
  for (const context of contexts) await context.close();
});

test("one figure and one status everywhere: every object listed from the start, a figure that never goes back, the Salesforce tab turning to Last Synced, a quiet reconciliation", async ({
  browser,
  request,
}) => {
  const started = Date.now();
  const log = (what: string) => console.log(`[sync-live figures] +${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
  const owner = await signUpThroughApi(request, env.baseURL, { name: "Fia Figures", tenantName: "Figures Co" });
  const tenantId = await env.tenantId("Figures Co");
  const user = DEFAULT_USERS[0]!;
  await call(owner, "salesforce.validate", { username: user.username, password: user.password, securityToken: user.securityToken, sandbox: false });
  await call(owner, "salesforce.commitFields", { excluded: [], acknowledgedPermanent: true });
  await call(owner, "salesforce.confirm", { acknowledged: true });
  await call(owner, "salesforce.acceptMappings", {});

  const context = await browser.newContext();
  await signInContext(context, env.baseURL, owner);
  // One tab watches the progress page, another stays on the Salesforce page; neither is reloaded.
  const [watch, setup] = [await context.newPage(), await context.newPage()];
  await Promise.all([watch.goto(`${env.baseURL}/salesforce/progress`), setup.goto(`${env.baseURL}/salesforce`)]);
  await expect(watch.getByText("No sync has run yet")).toBeVisible({ timeout: 30_000 });
  await expect(setup.getByTestId("status-badge")).toHaveAttribute("data-state", "ready");
  await expect(watch.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected");
  await startSampling(watch);

  await setup.getByRole("button", { name: "Start Salesforce Sync" }).click();
  const dialog = setup.getByRole("dialog", { name: "Start the Salesforce sync?" });
  await dialog.getByRole("checkbox", { name: /reported, not merged/ }).check();
  await dialog.getByRole("button", { name: "Start Sync" }).click();
  const initialRun = async () =>
    (
      await env.db
        .select({ id: syncRuns.id })
        .from(syncRuns)
        .where(and(eq(syncRuns.tenantId, tenantId), eq(syncRuns.kind, "initial")))
    )[0]?.id;
  await expect.poll(initialRun, { timeout: 30_000 }).toBeTruthy();
  const runId = (await initialRun())!;
  log(`sync started (run ${runId})`);
  await expect.poll(() => runStatus(runId), { timeout: 180_000, intervals: [500] }).toBe("succeeded");
  log("run succeeded");

  // The Salesforce tab follows without a reload: Last Synced, the initial sync finished.
  await expect(setup.getByTestId("status-badge")).toContainText("Last Synced", { timeout: 30_000 });
  await expect(setup.getByTestId("initial-run-status")).toHaveText("Finished");
  await expect(watch.getByTestId("status-badge")).toContainText("Last Synced");
  const succeededAt = Date.now();

  // The reconciliation the scheduler starts next is a background check: Last Synced stays, marked checking.
  const reconcile = async () => {
    const rows = await env.db
      .select({ status: syncRuns.status })
      .from(syncRuns)
      .where(and(eq(syncRuns.tenantId, tenantId), eq(syncRuns.kind, "reconcile")));
    return rows[0]?.status ?? "none";
  };
  await expect.poll(reconcile, { timeout: RECONCILE_STARTS_WITHIN_MS, intervals: [250] }).not.toBe("none");
  log("reconciliation started");
  await expect.poll(reconcile, { timeout: 180_000, intervals: [500] }).toBe("succeeded");
  log("reconciliation finished");
  await watch.waitForTimeout(1_000);

  const samples = await samplesOf(watch);
  const ofRun = samples.filter((x) => x.run === runId);
  log(`${samples.length} samples, ${ofRun.length} of the initial run`);
  expect(ofRun.length).toBeGreaterThan(10);
  // Every object of the run is listed from the first sample that shows the run.
  const objects = Object.keys(COUNTS).length;
  expect(ofRun[0]!.rows, "objects listed in the first sample").toBe(objects);
  expect(ofRun.filter((x) => x.rows !== objects)).toEqual([]);
  // The overall figure never goes back: records read, and the percentage once there is one.
  for (let i = 1; i < ofRun.length; i++) {
    const [before, now] = [ofRun[i - 1]!, ofRun[i]!];
    expect(now.processed!, `records read at sample ${i}`).toBeGreaterThanOrEqual(before.processed!);
    if (before.page !== null) expect(now.page, `a percentage at sample ${i} after one at ${i - 1}`).not.toBeNull();
    if (before.page !== null) expect(now.page!, `percentage at sample ${i}`).toBeGreaterThanOrEqual(before.page);
  }
  // The header shows the page's figure, at most one update apart.
  const running = ofRun.filter((x) => x.state === "running");
  for (let i = 0; i < running.length; i++) {
    const x = running[i]!;
    expect([running[i - 1]?.page, x.page, running[i + 1]?.page], `header ${x.header} beside page ${x.page}`).toContain(x.header);
  }
  expect(ofRun.at(-1)).toMatchObject({ page: 100, processed: Object.values(COUNTS).reduce((x, y) => x + y, 0) });
  // After the initial sync nothing said "Sync in Progress", though a reconciliation ran.
  const after = samples.filter((x) => x.at > succeededAt);
  expect(after.filter((x) => x.state === "running" || x.badgeText.includes("Sync in Progress")).map((x) => x.badgeText)).toEqual([]);
  expect(
    after.some((x) => x.checking),
    "the checking mark showed while the reconciliation ran",
  ).toBe(true);
  expect(after.filter((x) => !x.badgeText.startsWith("Last Synced")).map((x) => x.badgeText)).toEqual([]);

  // The charts followed the run in minutes, with bars while it moved, not an empty axis of days.
  const moving = ofRun.filter((x) => x.state === "running");
  expect(moving.filter((x) => x.bucket !== null && x.bucket <= 5 && x.bars > 0).length, "samples of the moving run with minute bars").toBeGreaterThan(0);
  // "Used (24 h)" is never below the run's "API calls so far".
  const apiUsage = watch.getByTestId("api-usage");
  const used = Number(
    (
      await apiUsage
        .locator("div", { has: watch.getByText("Used (24 h)", { exact: true }) })
        .locator("dd")
        .innerText()
    ).replace(/\D/g, ""),
  );
  const soFar = Number(/([\d,]+) API calls so far/.exec(await watch.getByTestId("live-progress").innerText())![1]!.replace(/,/g, ""));
  log(`used ${used}, the reconciliation's calls so far ${soFar}`);
  expect(used).toBeGreaterThanOrEqual(soFar);
  expect(used).toBeGreaterThan(0);

  // Finished: in the notifications and the owners' mail, with duration and counts.
  await watch.getByRole("button", { name: /^Notifications/ }).click();
  await expect(watch.getByRole("list", { name: "Notification list" })).toContainText("Initial sync finished");
  await expect(watch.getByRole("list", { name: "Notification list" })).toContainText(
    /finished in .+: 300,000 records \(User 10,000, Account 10,000, Contact 80,000, Lead 160,000/,
  );
  const mail = (await env.db.execute(
    sql`select "to", subject, body from email_outbox where tenant_id = ${tenantId} and meta->>'kind' = 'initial_sync_finished'`,
  )) as unknown as { to: string; subject: string; body: string }[];
  expect(mail).toEqual([
    {
      to: owner.email,
      subject: "Ferry (Figures Co): the initial sync finished",
      body: expect.stringMatching(/^The initial sync of .+ finished in .+: 300,000 records/),
    },
  ]);
  await saveScreenshot(watch, "notification-initial-sync-finished");
  await context.close();
});
