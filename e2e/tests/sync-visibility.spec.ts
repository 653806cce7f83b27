import { readFile } from "node:fs/promises";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { eq, sql } from "drizzle-orm";
import { fieldCatalog, fieldMappings, notifications, salesforceConnections, sfRecords, syncErrors, syncRunObjects, syncRuns, syncStates } from "@ferry/db";
import { signInContext, signUpThroughApi, type SeededUser } from "../support/api";
import { startSyncE2E, type SyncE2E } from "./sync-fixture";

test.describe.configure({ timeout: 120_000 });

let env: SyncE2E;
let owner: SeededUser;
let tenantId: string;
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);
const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(11, "0")}AAA`;

/** The rows a tenant has after a few days of syncing, as the engine writes them; 100,000 Leads among them. */
async function seed() {
  await env.db.insert(salesforceConnections).values({ tenantId, state: "syncing", orgId: "00D000000000077AAA", instanceUrl: "https://visible.my.salesforce.test", apiDailyCap: 15_000, apiDailyLimit: 100_000, syncEnabled: true });
  await env.db.insert(syncStates).values({ tenantId, state: "idle", apiUsed: 6_500, apiLimit: 100_000, apiCheckedAt: new Date(), lastSyncedAt: ago(120_000) });
  const runs = [
    { tenantId, id: "run-initial", kind: "initial" as const, status: "succeeded" as const, phase: "done" as const, apiCalls: 180, startedAt: ago(30 * HOUR), finishedAt: ago(28 * HOUR) },
    { tenantId, id: "run-cycle", kind: "incremental" as const, status: "succeeded" as const, phase: "done" as const, apiCalls: 6, startedAt: ago(3 * HOUR), finishedAt: ago(3 * HOUR - 30_000) },
    { tenantId, id: "run-failed", kind: "incremental" as const, status: "incomplete" as const, phase: "reading" as const, apiCalls: 2, error: "Salesforce was unavailable (503)", errorCode: "SERVER_UNAVAILABLE", startedAt: ago(2 * HOUR), finishedAt: ago(2 * HOUR - 5000) },
  ];
  await env.db.insert(syncRuns).values(runs);
  await env.db.insert(syncRunObjects).values([
    { tenantId, runId: "run-initial", object: "Account", operation: "pull_updates", status: "succeeded", total: 2_000, processed: 2_000, created: 2_000, apiCalls: 40, startedAt: ago(30 * HOUR), finishedAt: ago(29.5 * HOUR) },
    { tenantId, runId: "run-initial", object: "Lead", operation: "pull_updates", status: "succeeded", total: 100_004, processed: 100_004, created: 100_000, failed: 4, apiCalls: 120, startedAt: ago(29.5 * HOUR), finishedAt: ago(28 * HOUR) },
    { tenantId, runId: "run-cycle", object: "Lead", operation: "pull_updates", status: "succeeded", total: 40, processed: 40, updated: 38, skipped: 2, apiCalls: 3, startedAt: ago(3 * HOUR), finishedAt: ago(3 * HOUR - 20_000) },
    { tenantId, runId: "run-cycle", object: "Contact", operation: "push_updates", status: "succeeded", total: 3, processed: 3, updated: 3, apiCalls: 3, startedAt: ago(3 * HOUR - 20_000), finishedAt: ago(3 * HOUR - 30_000) },
  ]);
  await env.db.execute(sql`
    insert into sf_records (tenant_id, object, sf_id, fields, system_modstamp, synced_at)
    select ${tenantId}, 'Lead', '00Q' || lpad(g::text, 12, '0') || 'AAA',
      jsonb_build_object('Id', '00Q' || lpad(g::text, 12, '0') || 'AAA', 'Name', 'Lead ' || lpad(g::text, 6, '0'), 'Email', 'lead' || g || '@bulk.example', 'Company', 'Company ' || (g % 997)),
      now() - interval '1 day', now() - interval '1 day'
    from generate_series(1, 100000) g`);
  await env.db.insert(sfRecords).values([
    { tenantId, object: "Lead", sfId: id("00Q9", 1), fields: { Id: id("00Q9", 1), Name: "Nora Needle", Email: "nora.needle@haystack.example", Company: "Haystack" }, systemModstamp: ago(HOUR) },
    { tenantId, object: "Contact", sfId: id("0039", 1), fields: { Id: id("0039", 1), Name: "Dana Double", Email: "dana@twice.example", Phone: "555-0101" }, systemModstamp: ago(HOUR) },
    { tenantId, object: "Lead", sfId: id("00Q9", 2), fields: { Id: id("00Q9", 2), Name: "Dana Double", Email: "DANA@twice.example ", Company: "Twice" }, systemModstamp: ago(HOUR) },
    { tenantId, object: "Lead", sfId: id("00Q9", 3), fields: { Id: id("00Q9", 3), Name: "Sam Same", Email: "sam@same.example", Company: "Same" }, systemModstamp: ago(HOUR) },
    { tenantId, object: "Lead", sfId: id("00Q9", 4), fields: { Id: id("00Q9", 4), Name: "Sam Same", Email: "sam@same.example", Company: "Same Inc" }, systemModstamp: ago(HOUR) },
    // Converted into the Contact below: one person, not a duplicate.
    { tenantId, object: "Lead", sfId: id("00Q9", 5), fields: { Id: id("00Q9", 5), Name: "Carl Converted", Email: "carl@conv.example" }, convertedToId: id("0039", 2), systemModstamp: ago(HOUR) },
    { tenantId, object: "Contact", sfId: id("0039", 2), fields: { Id: id("0039", 2), Name: "Carl Converted", Email: "carl@conv.example" }, systemModstamp: ago(HOUR) },
  ]);
  await env.db.insert(fieldCatalog).values([
    { tenantId, object: "Contact", fieldName: "Phone", label: "Business Phone", type: "phone", writable: true },
    { tenantId, object: "Contact", fieldName: "Name", label: "Full Name", type: "string" },
  ]);
  await env.db.insert(fieldMappings).values({ tenantId, object: "Contact", sfField: "Phone", ferryField: "phone", direction: "two_way" });
  await env.db.insert(syncErrors).values([
    { tenantId, runId: "run-cycle", level: "record", object: "Contact", sfId: id("0039", 1), operation: "push_updates", code: "INVALID_EMAIL_ADDRESS", message: "Email: invalid email address: dana@", createdAt: ago(2.5 * HOUR) },
    { tenantId, runId: "run-initial", level: "record", object: "Lead", sfId: id("00Q9", 3), operation: "pull_updates", code: "FIELD_CUSTOM_VALIDATION_EXCEPTION", message: "Company is required for EMEA leads", createdAt: ago(28 * HOUR) },
    { tenantId, runId: "run-failed", level: "job", code: "SERVER_UNAVAILABLE", message: "503 Service Unavailable", createdAt: ago(2 * HOUR) },
  ]);
}

async function openAs(page: Page, path: string) {
  await signInContext(page.context(), env.baseURL, owner);
  await page.goto(`${env.baseURL}${path}`);
  await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected", { timeout: 30_000 });
}

async function expectNoSeriousA11yViolations(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect.soft(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), "serious accessibility violations").toEqual([]);
}

test.beforeAll(async ({ request }) => {
  env = await startSyncE2E();
  owner = await signUpThroughApi(request, env.baseURL, { name: "Vic Visible", tenantName: "Visible Co" });
  tenantId = await env.tenantId("Visible Co");
  await seed();
});
test.afterAll(async () => env?.stop());

test("sync history lists runs per object and operation, filters and exports", async ({ page }, testInfo) => {
  await openAs(page, "/sync-history");
  const table = page.getByRole("table", { name: "Sync history" });
  await expect(table.getByRole("row")).toHaveCount(1 + 5);
  await expect(table).toContainText("Push updates");
  await expect(table).toContainText("Salesforce was unavailable (503)");
  await page.screenshot({ path: testInfo.outputPath("sync-history.png"), fullPage: true });
  await expectNoSeriousA11yViolations(page);
  await page.getByLabel("Status", { exact: true }).click();
  await page.getByRole("option", { name: "Incomplete" }).click();
  await expect(table.getByRole("row")).toHaveCount(1 + 1);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const csv = await readFile((await (await download).path())!, "utf8");
  expect(csv).toContain("run_id,kind,object,operation,status");
  expect(csv).toContain("run-failed,incremental,,,incomplete");
});

test("sync errors are grouped and explained, link to both records, retry and export", async ({ page }, testInfo) => {
  await openAs(page, "/errors");
  const group = page.locator('[data-testid="error-group"][data-code="INVALID_EMAIL_ADDRESS"]');
  await expect(group).toContainText("The email address is not valid");
  await expect(group).toContainText("Correct the email address on the record, then retry.");
  await expect(group.getByRole("link", { name: id("0039", 1) })).toHaveAttribute("href", `/records/Contact/${id("0039", 1)}`);
  await expect(group.getByRole("link", { name: /Open in Salesforce/ })).toHaveAttribute("href", `https://visible.my.salesforce.test/${id("0039", 1)}`);
  await expect(page.locator('[data-testid="error-group"]')).toHaveCount(3);
  await page.screenshot({ path: testInfo.outputPath("sync-errors.png"), fullPage: true });
  await expectNoSeriousA11yViolations(page);

  await group.getByRole("button", { name: `Retry error on ${id("0039", 1)}` }).click();
  await expect(group.getByText("Retrying")).toBeVisible();
  const [state] = await env.db.select({ state: syncErrors.state }).from(syncErrors).where(eq(syncErrors.code, "INVALID_EMAIL_ADDRESS"));
  expect(state?.state).toBe("retrying");

  await page.locator('[data-testid="error-group"][data-code="SERVER_UNAVAILABLE"]').getByRole("button", { name: "Ignore all SERVER_UNAVAILABLE errors" }).click();
  await expect(page.locator('[data-testid="error-group"]')).toHaveCount(2);

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const csv = await readFile((await (await download).path())!, "utf8");
  expect(csv).toContain("FIELD_CUSTOM_VALIDATION_EXCEPTION,A Salesforce validation rule rejected the record,Lead");
});

test("records: finds a lead by email among 100,000, opens a contact and queues a two-way edit", async ({ page }) => {
  await openAs(page, "/records");
  await page.getByLabel("Search", { exact: true }).fill("nora.needle@");
  const people = page.getByRole("table", { name: "People" });
  await expect(people.getByTestId("record-row")).toHaveCount(1);
  await expect(people).toContainText("Nora Needle");
  await expectNoSeriousA11yViolations(page);
  await page.getByLabel("Search", { exact: true }).fill("lead4242@");
  await expect(people.getByTestId("record-row")).toHaveCount(1);
  await expect(people.getByTestId("record-row").first()).toContainText("lead4242@bulk.example");
  await page.getByLabel("Search", { exact: true }).fill("Dana");
  await people.getByRole("link", { name: "Dana Double" }).first().click();
  await expect(page.getByRole("heading", { name: "Dana Double" })).toBeVisible();
  await expect(page.getByRole("link", { name: /Open in Salesforce/ })).toHaveAttribute("href", /visible\.my\.salesforce\.test/);
  await expectNoSeriousA11yViolations(page);
  await page.getByRole("button", { name: "Edit" }).click();
  await page.getByLabel("Business Phone", { exact: true }).fill("555-0199");
  await page.getByRole("button", { name: "Save and push" }).click();
  await expect(page.getByTestId("push").first()).toHaveAttribute("data-state", "queued");
  await expect(page.getByTestId("push").first()).toContainText("Phone → 555-0199");
  const pushes = await env.db.execute<{ changes: unknown; state: string }>(sql`select changes, state from push_queue where tenant_id = ${tenantId}`);
  expect(JSON.stringify(pushes)).toContain("555-0199");
});

test("the duplicate report lists exactly the people sharing an email", async ({ page }) => {
  await openAs(page, "/records?tab=duplicates");
  const groups = page.getByTestId("duplicate-group");
  await expect(groups).toHaveCount(2);
  await expect(groups.nth(0)).toHaveAttribute("data-email", "dana@twice.example");
  await expect(groups.nth(1)).toHaveAttribute("data-email", "sam@same.example");
  await expect(page.getByTestId("duplicate-summary")).toContainText("2 email addresses shared by 4 people");
});

test("charts show throughput, backlog and API usage against the cap", async ({ page }, testInfo) => {
  await openAs(page, "/salesforce/progress");
  await expect(page.getByTestId("api-usage")).toContainText("6,500");
  await expect(page.getByTestId("api-usage")).toContainText("15,000");
  await page.getByLabel("Chart period", { exact: true }).click();
  await page.getByRole("option", { name: "Last 3 days" }).click();
  await expect(page.getByTestId("sync-charts").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await page.getByTestId("sync-charts").screenshot({ path: testInfo.outputPath("sync-charts.png") });
  await expectNoSeriousA11yViolations(page);
});

test("expired credentials turn the badge to Failed with the reason and raise a notification", async ({ page }) => {
  await openAs(page, "/records");
  await expect(page.getByTestId("status-badge")).toHaveAttribute("data-state", "idle");
  const reason = "Salesforce refused the stored credentials (INVALID_LOGIN): Authentication failure.";
  await env.db.update(syncStates).set({ state: "failed", message: reason }).where(eq(syncStates.tenantId, tenantId));
  const [notification] = await env.db
    .insert(notifications)
    .values({ tenantId, kind: "credentials_expired", title: "Salesforce credentials stopped working", body: `${reason} Update them under Admin > Salesforce.` })
    .returning({ id: notifications.id, tenantId: notifications.tenantId, kind: notifications.kind, title: notifications.title, body: notifications.body });
  await env.emitter.emit(tenantId, "sync.status", { tenantId, state: "failed", message: reason });
  await env.emitter.emit(tenantId, "notification", notification!);
  const badge = page.getByTestId("status-badge");
  await expect(badge).toHaveAttribute("data-state", "failed");
  await expect(badge).toHaveAccessibleName(/Failed \(Salesforce refused the stored credentials \(INVALID_LOGIN\)/);
  await page.getByRole("button", { name: "Notifications, 1 unread" }).click();
  await expect(page.getByRole("list", { name: "Notification list" })).toContainText("Salesforce credentials stopped working");
  await expect(page.getByRole("link", { name: "Update credentials" })).toHaveAttribute("href", "/salesforce");
  await page.keyboard.press("Escape");
  await badge.click();
  await expect(page).toHaveURL(/\/sync-history\?status=failed/);
});
