import { readFile } from "node:fs/promises";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { sql } from "drizzle-orm";
import { fieldCatalog, fieldMappings, salesforceConnections, sfRecords, syncErrors, syncRunObjects, syncRuns, syncStates } from "@ferry/db";
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
