import { readFile } from "node:fs/promises";
import AxeBuilder from "@axe-core/playwright";
import { expect as baseExpect, test, type Browser, type Page } from "@playwright/test";
import { signInContext, signUpThroughApi, uniqueEmail, type SeededUser } from "../support/api";
import { saveScreenshot } from "../support/artifacts";
import { startEmulator, type EmulatorHandle } from "@ferry/salesforce-emulator";
import { callApi, connectTenant, orgLoginEnv, startEngineE2E, type EngineE2E } from "./engine-fixture";

// Pages read what the worker wrote through real Salesforce calls; a loaded machine needs more than 10 s.
const expect = baseExpect.configure({ timeout: 20_000 });
test.describe.configure({ timeout: 180_000 });

// The scheduler reconciles a tenant this long after its initial sync (production: a day). Its passes
// run every 5 s within a `sync.schedule` job that pg-boss's cron sends each minute (checked every
// 30 s), so a due reconciliation starts at most about 45 s after the period has passed; this org's
// reconciliation then takes seconds.
const RECONCILE_EVERY_SECONDS = 60;
const RECONCILED_WITHIN_MS = (RECONCILE_EVERY_SECONDS + 45 + 15) * 1000;

const STAFF_EMAIL = uniqueEmail("staff-a11y");
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };

let ferry: EngineE2E;
let org: EmulatorHandle;
let owner: SeededUser;
let tenantId: string;
let invitationId: string;
/** Salesforce ids of the records seeded below, by role. */
const seeded: Record<string, string> = {};

/**
 * The duplicates the org is seeded with, as the report should show them: the normalised email
 * and the Salesforce ids sharing it. Everything else in the org has an email of its own.
 */
const expectedGroups = () => [
  { email: "ada.twice@dupes.example", ids: [seeded.adaLead!, seeded.adaContact!].sort() },
  { email: "bo.thrice@dupes.example", ids: [seeded.boLead1!, seeded.boLead2!, seeded.boContact!].sort() },
];

function seedOrg(org: EmulatorHandle) {
  const lead = (fields: Record<string, unknown>) => org.createRecord("Lead", { Company: "Dupes Ltd", Status: "Open - Not Contacted", ...fields });
  const contact = (fields: Record<string, unknown>) => org.createRecord("Contact", fields);
  // The same email differing in case and surrounding whitespace: one group each.
  seeded.adaLead = lead({ FirstName: "Ada", LastName: "Twice", Email: "Ada.Twice@Dupes.example" });
  seeded.adaContact = contact({ FirstName: "Ada", LastName: "Twice", Email: "  ada.twice@dupes.example " });
  seeded.boLead1 = lead({ FirstName: "Bo", LastName: "Thrice", Email: "bo.thrice@dupes.example" });
  seeded.boLead2 = lead({ FirstName: "Bo", LastName: "Thrice", Email: "BO.THRICE@DUPES.EXAMPLE", Company: "Other Co" });
  seeded.boContact = contact({ FirstName: "Bo", LastName: "Thrice", Email: "Bo.Thrice@dupes.example" });
  // Not duplicates: a Lead converted into a Contact is one person; a deleted Lead is gone; same name and company, other emails.
  seeded.carlLead = lead({ FirstName: "Carl", LastName: "Converted", Email: "carl.converted@dupes.example" });
  org.convertLead(seeded.carlLead, { doNotCreateOpportunity: true });
  seeded.goneLead1 = lead({ FirstName: "Gina", LastName: "Gone", Email: "gina.gone@dupes.example" });
  seeded.goneLead2 = lead({ FirstName: "Gina", LastName: "Gone", Email: "gina.gone@dupes.example" });
  org.deleteRecord(seeded.goneLead2);
  seeded.samLead1 = lead({ FirstName: "Sam", LastName: "Same", Email: "sam.one@dupes.example" });
  seeded.samLead2 = lead({ FirstName: "Sam", LastName: "Same", Email: "sam.two@dupes.example" });
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(240_000);
  org = await startEmulator({
    port: 0,
    seed: 7,
    orgNumber: 31,
    organizationName: "Dupes Org",
    counts: { User: 4, Account: 40, Contact: 120, Lead: 160, Opportunity: 30, OpportunityContactRole: 10, Campaign: 2, CampaignMember: 10 },
  });
  ferry = await startEngineE2E({
    database: "embedded",
    name: "visibility",
    env: { ...orgLoginEnv(org), FERRY_BOOTSTRAP_STAFF_EMAILS: STAFF_EMAIL, SYNC_RECONCILE_EVERY_SECONDS: String(RECONCILE_EVERY_SECONDS) },
  });
  seedOrg(org);
  owner = await signUpThroughApi(request, ferry.baseURL, { name: "Olive Owner", tenantName: "Real Visibility Co" });
  await connectTenant(request, ferry.baseURL, org, { admin: owner, customDomain: false, waitForSyncMs: 90_000 });
  const me = await callApi<{ tenants: { id: string; name: string }[] }>(request, ferry.baseURL, owner, "account.me", undefined, "GET");
  tenantId = me.tenants.find((t) => t.name === "Real Visibility Co")!.id;
  invitationId = (await callApi<{ id: string }>(request, ferry.baseURL, owner, "invitation.create", { email: uniqueEmail("invitee"), role: "viewer" })).id;
});
test.afterAll(async () => {
  await ferry?.stop();
  await org?.stop();
});

async function ownerPage(browser: Browser, viewport = LAPTOP): Promise<Page> {
  const context = await browser.newContext({ baseURL: ferry.baseURL, viewport });
  await signInContext(context, ferry.baseURL, owner);
  return context.newPage();
}

async function download(page: Page, click: () => Promise<void>): Promise<string> {
  const pending = page.waitForEvent("download");
  await click();
  return readFile((await (await pending).path())!, "utf8");
}

test("the duplicate report lists exactly the duplicates the org was seeded with, and exports them", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.goto("/records?tab=duplicates");
  const groups = page.getByTestId("duplicate-group");
  const expected = expectedGroups();
  await expect(groups).toHaveCount(expected.length);
  await expect(page.getByTestId("duplicate-summary")).toContainText("2 email addresses shared by 5 people");
  for (const [i, group] of expected.entries()) {
    const card = groups.nth(i);
    await expect(card).toHaveAttribute("data-email", group.email);
    const hrefs = await card.getByRole("link").evaluateAll((links) => links.map((a) => a.getAttribute("href")!.split("/").pop()!));
    expect(hrefs.sort()).toEqual(group.ids);
  }
  const csv = (await download(page, () => page.getByRole("button", { name: "Export CSV" }).click())).replace(/^\uFEFF/, "");
  const rows = csv
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(","));
  expect(csv.split(/\r?\n/)[0]).toBe("email,group_size,object,salesforce_id,name,company");
  const exported = new Map<string, string[]>();
  for (const [email, , , sfId] of rows) exported.set(email!, [...(exported.get(email!) ?? []), sfId!]);
  expect([...exported.entries()].map(([email, ids]) => ({ email, ids: ids.sort() }))).toEqual(expected);
});

test("sync history shows the real run per object and operation, filters, pages and exports", async ({ browser, request }) => {
  const list = await callApi<{
    rows: { object: string | null; operation: string | null; status: string; created: number | null; apiCalls: number }[];
    total: number;
  }>(request, ferry.baseURL, owner, "history.list", { kind: "initial", page: 1, pageSize: 200 }, "GET");
  const objects = ["Account", "Campaign", "CampaignMember", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "User"];
  const pulls = list.rows.filter((r) => r.operation === "pull_updates");
  expect(pulls.map((r) => r.object).sort()).toEqual(objects);
  for (const row of pulls) expect(row.status).toBe("succeeded");
  // 160 generated Leads + 7 seeded, one deleted and not read by a first sync; the converted Lead is kept.
  expect(pulls.find((r) => r.object === "Lead")?.created).toBeGreaterThanOrEqual(160);
  expect(list.rows.reduce((n, r) => n + r.apiCalls, 0)).toBeGreaterThan(0);
  // The scheduler follows the first sync with a reconciliation once its period has passed: one row per
  // object and operation too. The next one is a period after this one started, after the checks below.
  await expect
    .poll(
      async () => {
        const reconcile = await callApi<{ rows: { object: string | null; operation: string | null; status: string }[] }>(
          request,
          ferry.baseURL,
          owner,
          "history.list",
          { kind: "reconcile", page: 1, pageSize: 200 },
          "GET",
        );
        return reconcile.rows
          .filter((r) => r.operation === "reconcile" && r.status === "succeeded")
          .map((r) => r.object)
          .sort();
      },
      { timeout: RECONCILED_WITHIN_MS },
    )
    .toEqual(objects);

  // Paging: the same rows, five at a time, in the same order.
  const first = await callApi<{ rows: { object: string | null; operation: string | null }[]; total: number }>(
    request,
    ferry.baseURL,
    owner,
    "history.list",
    { page: 1, pageSize: 5 },
    "GET",
  );
  const second = await callApi<{ rows: { object: string | null; operation: string | null }[]; total: number }>(
    request,
    ferry.baseURL,
    owner,
    "history.list",
    { page: 2, pageSize: 5 },
    "GET",
  );
  expect(first.rows).toHaveLength(5);
  expect(second.rows.length).toBeGreaterThan(0);
  expect(first.total).toBeGreaterThanOrEqual(objects.length);
  const key = (r: { object: string | null; operation: string | null }) => `${r.object}/${r.operation}`;
  expect(second.rows.map(key).filter((k) => first.rows.map(key).includes(k))).toEqual([]);

  const page = await ownerPage(browser);
  await page.goto("/sync-history");
  const table = page.getByRole("table", { name: "Sync history" });
  await expect(table.getByRole("row").filter({ hasText: "Lead" }).filter({ hasText: "Pull updates" }).first()).toBeVisible();
  await expect(page.getByText(`${first.total} rows · page 1 of ${Math.ceil(first.total / 50)}`)).toBeVisible();
  await saveScreenshot(page, "sync-history");

  const leadRows = await callApi<{ total: number }>(request, ferry.baseURL, owner, "history.list", { object: "Lead", page: 1, pageSize: 5 }, "GET");
  await page.getByLabel("Object", { exact: true }).click();
  await page.getByRole("option", { name: "Lead", exact: true }).click();
  await expect(page.getByText(`${leadRows.total} rows · page 1 of 1`)).toBeVisible();
  await expect(table.getByRole("row")).toHaveCount(1 + leadRows.total);
  await expect(table.getByRole("row").filter({ hasNotText: "Lead" })).toHaveCount(1);
  await page.getByLabel("Status", { exact: true }).click();
  await page.getByRole("option", { name: "Failed" }).click();
  await expect(page.getByText("No sync runs match")).toBeVisible();
  await page.getByLabel("Status", { exact: true }).click();
  await page.getByRole("option", { name: "Succeeded" }).click();
  const csv = (await download(page, () => page.getByRole("button", { name: "Export CSV" }).click())).replace(/^\uFEFF/, "");
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toMatch(/^run_id,kind,object,operation,status/);
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(1)) expect(line.split(",").slice(2, 5).join(",")).toMatch(/^Lead,[a-z_]+,succeeded$/);
});

test("charts show the real run's throughput, backlog and API usage against the cap", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.goto("/salesforce/progress");
  const charts = page.getByTestId("sync-charts");
  // By default the period that has data: the sync that just ran, in minutes, not an empty axis of days.
  const period = page.getByLabel("Chart period", { exact: true });
  await expect(period).toHaveText("Latest activity");
  await expect(charts).toHaveAttribute("data-bucket-minutes", /^(1|2|5|10|15|30)$/);
  await expect(charts.locator(".recharts-bar-rectangle").first()).toBeVisible();
  // By keyboard: the list opens aligned on the current choice, which can put the first option above the viewport.
  // Keys pressed before the list has moved focus onto the current choice are lost, so wait for that focus.
  await period.click();
  await expect(page.locator('[role="option"]:focus')).toHaveCount(1);
  await page.keyboard.press("Home");
  await expect(page.getByRole("option", { name: "Latest activity" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("option", { name: "Last 24 hours" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(period).toHaveText("Last 24 hours");
  await expect(charts.locator(".recharts-bar-rectangle").first()).toBeVisible();
  // The day's calls as Salesforce counted them (read from /limits by the engine), against the org's 15,000.
  const usage = page.getByTestId("api-usage");
  await expect(usage).toContainText(/Org limit\s*15,000/);
  const used = Number(
    (
      await usage
        .locator("div", { has: page.getByText("Used (24 h)", { exact: true }) })
        .locator("dd")
        .innerText()
    ).replace(/,/g, ""),
  );
  expect(used).toBeGreaterThan(0);
  await expect(usage).toContainText(/Org total read from Salesforce/);
  // The period picker scrolled the page; a full-page shot from the top keeps the sticky header in place.
  await page.evaluate(() => window.scrollTo(0, 0));
  await saveScreenshot(page, "charts");
});

/** Every portal page, each with what a tenant has after a real sync, at laptop and phone widths. */
async function portalPages(request: import("@playwright/test").APIRequestContext) {
  const records = async (kind: string) =>
    (await callApi<{ rows: { sfId: string }[] }>(request, ferry.baseURL, owner, "record.list", { kind, limit: 5 }, "GET")).rows[0]!.sfId;
  return {
    anonymous: ["/sign-in", "/sign-up", `/invite/${invitationId}`, "/no-such-page"],
    owner: [
      "/salesforce",
      "/salesforce/progress",
      "/records",
      "/records?tab=companies",
      "/records?tab=opportunities",
      "/records?tab=duplicates",
      `/records/Lead/${seeded.boLead1}`,
      `/records/Contact/${seeded.adaContact}`,
      `/records/Account/${await records("companies")}`,
      `/records/Opportunity/${await records("opportunities")}`,
      "/sync-history",
      "/errors",
      "/settings",
    ],
    staff: ["/support", `/support/${tenantId}`],
  };
}

async function checkPage(page: Page, path: string, width: string) {
  const started = Date.now();
  await page.goto(path);
  await expect(page.locator("main").first()).toBeVisible();
  // Let skeletons give way to data before checking.
  await expect(page.locator("main [data-slot=skeleton]")).toHaveCount(0);
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  baseExpect
    .soft(
      serious.map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} — ${v.nodes
            .slice(0, 4)
            .map((n) => n.target.join(" "))
            .join(" | ")}`,
      ),
      `${path} at ${width}`,
    )
    .toEqual([]);
  // The page body never scrolls sideways; wide tables scroll inside their own container.
  const { overflow, culprits } = await page.evaluate(() => {
    const limit = document.documentElement.clientWidth;
    const wide = Array.from(document.querySelectorAll("body *")).filter((el) => {
      const box = el.getBoundingClientRect();
      if (box.right <= limit + 1 || box.width === 0) return false;
      for (let p = el.parentElement; p; p = p.parentElement)
        if (getComputedStyle(p).overflowX !== "visible" && p !== document.body && p !== document.documentElement) return false;
      return true;
    });
    // The innermost offenders name the cause.
    const innermost = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
    return {
      overflow: document.documentElement.scrollWidth - limit,
      culprits: innermost
        .slice(0, 3)
        .map((el) => `${el.tagName.toLowerCase()}.${Array.from(el.classList).slice(0, 4).join(".")} "${(el.textContent ?? "").trim().slice(0, 40)}"`),
    };
  });
  baseExpect.soft(overflow, `${path} at ${width}: the page scrolls sideways by ${overflow}px (${culprits.join("; ")})`).toBeLessThanOrEqual(0);
  // The status stays in words at both widths, inside the viewport.
  const badge = page.getByTestId("status-badge");
  if (await badge.count()) {
    await expect(badge).toHaveText(/\w{4,}/);
    const box = await badge.boundingBox();
    baseExpect.soft(box && box.x + box.width <= (page.viewportSize()?.width ?? 0) + 1, `${path} at ${width}: the status badge fits`).toBe(true);
  }
  if (path === "/sync-history") {
    // Phones get one card per row with its status and counts; laptops the whole table, API calls included.
    if (width === "phone") await expect(page.getByRole("list", { name: "Sync history" }).getByRole("listitem").first()).toContainText(/API calls/);
    else {
      const header = page.getByRole("table", { name: "Sync history" }).getByRole("columnheader", { name: "API calls" });
      const [cell, container] = [await header.boundingBox(), await page.getByRole("table", { name: "Sync history" }).locator("xpath=..").boundingBox()];
      baseExpect.soft(cell && container && cell.x + cell.width <= container.x + container.width + 1, "the API calls column is not cut at 1366 px").toBe(true);
    }
  }
  if (path === "/records") await expect(page.getByTestId("record-range")).toHaveText(/^1–\d+ of [\d,]+\+?$/);
  await saveScreenshot(page, `${width}${path.replace(/[/?=]+/g, "-").replace(/-$/, "") || "-root"}`.slice(0, 80));
  console.log(`[a11y] ${width} ${path} ${Date.now() - started} ms, ${serious.length} serious`);
}

test("every portal page passes axe with no serious violations and fits laptop and phone widths", async ({ browser, request }) => {
  // About 2 minutes on a quiet machine; a shared, loaded one (load average 16 on 2 cores) took 5.
  test.setTimeout(480_000);
  const pages = await portalPages(request);
  const staff = await signUpThroughApi(request, ferry.baseURL, { name: "Stan Staff", email: STAFF_EMAIL });
  // The two widths side by side: each is a browser context of its own.
  await Promise.all(
    (
      [
        ["laptop", LAPTOP],
        ["phone", PHONE],
      ] as const
    ).map(async ([width, viewport]) => {
      const anonymous = await (await browser.newContext({ baseURL: ferry.baseURL, viewport })).newPage();
      for (const path of pages.anonymous) await checkPage(anonymous, path, width);
      const admin = await ownerPage(browser, viewport);
      for (const path of pages.owner) await checkPage(admin, path, width);
      // The notification centre, open (the invitation sent above is in it).
      await admin.goto("/records");
      await admin.getByRole("button", { name: /^Notifications/ }).click();
      await expect(admin.getByRole("list", { name: "Notification list" })).toContainText("Invitation sent");
      const open = await new AxeBuilder({ page: admin }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
      baseExpect
        .soft(
          open.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`),
          `notification centre at ${width}`,
        )
        .toEqual([]);
      const staffContext = await browser.newContext({ baseURL: ferry.baseURL, viewport });
      await signInContext(staffContext, ferry.baseURL, staff);
      const staffPage = await staffContext.newPage();
      for (const path of pages.staff) await checkPage(staffPage, path, width);
    }),
  );
});
