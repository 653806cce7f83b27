import { readFile } from "node:fs/promises";
import { expect as baseExpect, test, type Browser, type Page } from "@playwright/test";
import { sql } from "drizzle-orm";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { saveScreenshot } from "../support/artifacts";
import { signInContext, type SeededUser } from "../support/api";
import { connectTenant, control, orgLoginEnv, readFromOrg, SMALL_ORG, startEngineE2E, startOrg, type PostgresEngineE2E } from "./engine-fixture";

// Every step here waits on the real engine (a worker job, Salesforce calls over HTTP) on a shared machine.
const expect = baseExpect.configure({ timeout: 30_000 });
test.describe.configure({ timeout: 240_000 });

let ferry: PostgresEngineE2E;
const orgs: EmulatorHandle[] = [];

test.afterEach(async () => {
  await ferry?.stop();
});
test.afterAll(async () => {
  await Promise.all(orgs.map((org) => org.stop()));
});

/**
 * Each test's org, and a Ferry server whose configured login host it is: a server trusts loopback
 * only for its own configured login URL (a custom domain must be a Salesforce host over https).
 */
async function org(options: Parameters<typeof startOrg>[0]): Promise<EmulatorHandle> {
  const handle = await startOrg(options);
  orgs.push(handle);
  ferry = await startEngineE2E({ env: orgLoginEnv(handle) });
  return handle;
}

async function initialSyncDone(tenantId: string, timeout: number) {
  await expect
    .poll(
      async () => {
        const rows = (await ferry.db.execute(sql`select status, error from sync_runs where tenant_id = ${tenantId} and kind = 'initial'`)) as unknown as {
          status: string;
          error: string | null;
        }[];
        return rows.map((r) => (r.error ? `${r.status}: ${r.error}` : r.status)).join();
      },
      { timeout, intervals: [1000] },
    )
    .toBe("succeeded");
}

async function openAs(browser: Browser, user: SeededUser, path: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: ferry.baseURL, acceptDownloads: true });
  await signInContext(context, ferry.baseURL, user);
  const page = await context.newPage();
  await page.goto(path);
  await expect(page.getByTestId("live-indicator")).toHaveAttribute("data-state", "connected");
  return page;
}

async function editEmail(page: Page, email: string) {
  await page.getByRole("button", { name: "Edit" }).click();
  // Opening the editor says nothing and sends nothing: Save waits for a changed value.
  const form = page.getByRole("form", { name: "Edit two-way fields" });
  await expect(page.getByRole("button", { name: "Save and push" })).toBeDisabled();
  await expect(form.getByRole("alert")).toHaveCount(0);
  await expect(form).not.toContainText("Nothing changed");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Save and push" }).click();
}

test("records: search finds a synced lead by email among 100,000 read by the initial sync; a two-way edit is pushed and lands in Salesforce", async ({
  browser,
  request,
}) => {
  const salesforce = await org({ counts: { ...SMALL_ORG, Lead: 100_000 }, orgNumber: 31, organizationName: "Haystack Inc" });
  const nora = salesforce.createRecord("Lead", { FirstName: "Nora", LastName: "Needle", Company: "Haystack", Email: "nora.needle@haystack.example" });
  const { admin } = await connectTenant(request, ferry.baseURL, salesforce, {
    customDomain: false,
    admin: { name: "Hana Haystack", tenantName: "Haystack Tenant" },
    user: salesforce.users[0]!,
    twoWay: [{ object: "Lead", field: "Email" }],
  });
  const tenantId = await ferry.tenantId("Haystack Tenant");
  await initialSyncDone(tenantId, 180_000);
  const [leads] = (await ferry.db.execute(sql`select count(*)::int as n from sf_records where tenant_id = ${tenantId} and object = 'Lead'`)) as unknown as {
    n: number;
  }[];
  expect(leads!.n).toBeGreaterThanOrEqual(100_001);

  const page = await openAs(browser, admin, "/records");
  const people = page.getByRole("table", { name: "People" });
  // Past 10,000 matches the count stops: the page says so instead of counting 100,000 People.
  await expect(page.getByTestId("record-range")).toHaveText("1–50 of 10,000+");
  await page.getByLabel("Search", { exact: true }).fill("nora.needle@");
  await expect(people.getByTestId("record-row")).toHaveCount(1);
  await expect(page.getByTestId("record-range")).toHaveText("1–1 of 1");
  await expect(people).toContainText("Nora Needle");
  await expect(people).toContainText("Lead");
  await people.getByRole("link", { name: "Nora Needle", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Nora Needle" })).toBeVisible();
  await expect(page.getByRole("link", { name: /Open in Salesforce/ })).toHaveAttribute("href", `${salesforce.url}/${nora}`);

  // The push run starts at once and may settle before a poll could see it pending, so the page's own
  // renders are recorded: queued first, then settled by the push run, all without a reload.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { pushStates: string[] }).pushStates = seen;
    new MutationObserver(() => {
      const state = document.querySelector('[data-testid="push"]')?.getAttribute("data-state");
      if (state && seen.at(-1) !== state) seen.push(state);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
  });
  await editEmail(page, "nora.found@haystack.example");
  const push = page.getByTestId("push").first();
  await expect(push).toContainText("Email → nora.found@haystack.example");
  await expect(push).toHaveAttribute("data-state", "succeeded", { timeout: 20_000 });
  const states = await page.evaluate(() => (window as unknown as { pushStates: string[] }).pushStates);
  expect(states[0]).toBe("queued");
  expect(states.at(-1)).toBe("succeeded");
  await expect(push).toContainText("Pushed");
  expect((await readFromOrg(salesforce, "Lead", nora, ["Email"])).Email).toBe("nora.found@haystack.example");
  await expect(page.locator("dd", { hasText: "nora.found@haystack.example" }).first()).toBeVisible();
});

test("sync errors: a record refused by Salesforce is grouped and explained, exported as CSV, and a retry after fixing the cause in Salesforce clears it", async ({
  browser,
  request,
}) => {
  const salesforce = await org({ orgNumber: 32, organizationName: "Refusing Org" });
  const syncUser = salesforce.users[0]!;
  const erin = salesforce.createRecord("Lead", { FirstName: "Erin", LastName: "Error", Company: "Refusals", Email: "erin@refusals.example" });
  const { admin } = await connectTenant(request, ferry.baseURL, salesforce, {
    customDomain: false,
    admin: { name: "Rita Refusal", tenantName: "Refusals Tenant" },
    user: syncUser,
    twoWay: [{ object: "Lead", field: "Email" }],
  });
  await initialSyncDone(await ferry.tenantId("Refusals Tenant"), 120_000);

  // The injected cause: a Salesforce admin makes Lead.Email read-only for the sync user.
  await control(salesforce, "PUT", `/users/${syncUser.username}/field-access`, { object: "Lead", field: "Email", access: "read" });
  const page = await openAs(browser, admin, `/records/Lead/${erin}`);
  await editEmail(page, "erin.fixed@refusals.example");
  const push = page.getByTestId("push").first();
  await expect(push).toHaveAttribute("data-state", "failed", { timeout: 20_000 });
  await expect(push).toContainText("INVALID_FIELD_FOR_INSERT_UPDATE");

  await page.goto("/errors");
  const group = page.locator('[data-testid="error-group"][data-code="INVALID_FIELD_FOR_INSERT_UPDATE"]');
  await expect(group).toContainText("The field cannot be written");
  await expect(group).toContainText("grant the sync user edit access to the field");
  await expect(group).toContainText("Unable to create/update fields: Email");
  await expect(group.getByRole("link", { name: erin })).toHaveAttribute("href", `/records/Lead/${erin}`);
  await expect(group.getByRole("link", { name: /Open in Salesforce/ })).toHaveAttribute("href", `${salesforce.url}/${erin}`);
  await saveScreenshot(page, "sync-errors");

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const csv = await readFile((await (await download).path())!, "utf8");
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toContain("error_id,created_at,state,level,code,explanation,object,salesforce_id,operation,message,salesforce_url,run_id");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`open,record,INVALID_FIELD_FOR_INSERT_UPDATE,The field cannot be written,Lead,${erin},push_updates`);

  // The fix, in Salesforce: the field is editable again. Retry sends the push at once.
  await control(salesforce, "PUT", `/users/${syncUser.username}/field-access`, { object: "Lead", field: "Email", access: "edit" });
  await group.getByRole("button", { name: `Retry error on ${erin}` }).click();
  await expect(page.locator('[data-testid="error-group"]')).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByText("No open sync errors")).toBeVisible();
  expect((await readFromOrg(salesforce, "Lead", erin, ["Email"])).Email).toBe("erin.fixed@refusals.example");
  await saveScreenshot(page, "sync-errors-cleared");
});

test("expired credentials: the engine's re-login is refused, the badge turns Failed with the reason and a notification appears", async ({
  browser,
  request,
}) => {
  // A Bulk read (more Leads than the REST threshold) that takes long enough to change the org under it.
  const salesforce = await org({ counts: { ...SMALL_ORG, Lead: 12_000 }, orgNumber: 33, organizationName: "Expiring Org", bulkJobDurationMs: 120_000 });
  const syncUser = salesforce.users[0]!;
  const { admin } = await connectTenant(request, ferry.baseURL, salesforce, {
    customDomain: false,
    admin: { name: "Eli Expiry", tenantName: "Expiring Tenant" },
    user: syncUser,
  });
  const tenantId = await ferry.tenantId("Expiring Tenant");
  const page = await openAs(browser, admin, "/salesforce/progress");
  const badge = page.getByTestId("status-badge");
  await expect(badge).toHaveAttribute("data-state", "running");
  await expect
    .poll(
      async () =>
        (
          (await ferry.db.execute(sql`select bulk_job_id from sync_checkpoints where tenant_id = ${tenantId} and object = 'Lead'`)) as unknown as {
            bulk_job_id: string | null;
          }[]
        )[0]?.bulk_job_id ?? null,
      { timeout: 60_000 },
    )
    .not.toBeNull();

  // In Salesforce the sync user's password expires and its sessions end: the next call gets
  // INVALID_SESSION_ID, the engine logs in again and Salesforce reports the password expired.
  await control(salesforce, "PUT", `/users/${syncUser.username}/credentials`, { passwordExpired: true });
  await control(salesforce, "POST", "/sessions/expire", { username: syncUser.username });

  await expect(badge).toHaveAttribute("data-state", "failed");
  await expect(badge).toHaveText(/Failed/);
  await expect(badge).toHaveAccessibleName(/Failed \(Salesforce refused the stored credentials \(REFRESH_FAILED\).*password has expired/);
  const bell = page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
  await expect(bell).toBeVisible();
  await bell.click();
  await expect(page.getByRole("list", { name: "Notification list" })).toContainText("Salesforce credentials stopped working");
  await expect(page.getByRole("list", { name: "Notification list" })).toContainText("password has expired");
  await page.keyboard.press("Escape");

  // Written to the outbox for email as well, to the tenant's admin.
  const mail = (await ferry.db.execute(sql`select "to", subject from email_outbox where tenant_id = ${tenantId}`)) as unknown as {
    to: string;
    subject: string;
  }[];
  expect(mail).toContainEqual({ to: admin.email, subject: "Ferry (Expiring Tenant): Salesforce credentials stopped working" });

  // The failed run is a job-level error, explained.
  await page.goto("/errors");
  const group = page.locator('[data-testid="error-group"][data-code="REFRESH_FAILED"]');
  await expect(group).toContainText("Salesforce refused to renew the session");
  await expect(group).toContainText("Update the credentials under Admin > Salesforce");
  await expect(group).toContainText("Whole job");
  await expect(group).toContainText("password has expired");
});

test("a low API cap set in Settings pauses the initial sync before it goes over, and says why", async ({ browser, request }) => {
  const salesforce = await org({ counts: SMALL_ORG, orgNumber: 34, organizationName: "Capped Org" });
  const { admin } = await connectTenant(request, ferry.baseURL, salesforce, {
    customDomain: false,
    admin: { name: "Cai Cap", tenantName: "Capped Tenant" },
    start: false,
  });
  const tenantId = await ferry.tenantId("Capped Tenant");
  // The org's calls so far (connecting it), and a cap 12 calls above: the initial sync needs several times that.
  const cap = salesforce.state().apiUsage.used + 12;

  const page = await openAs(browser, admin, "/settings");
  const card = page.getByTestId("api-cap");
  await expect(card).toContainText("half the org's limit");
  await card.getByRole("radio", { name: "A cap of our own" }).check();
  await card.getByLabel("API calls per 24 hours").fill("99999999");
  await card.getByRole("button", { name: "Save cap" }).click();
  // Above the org's own limit: refused with the reason, nothing stored.
  await expect(card).toContainText(/The cap cannot be above the org's own daily limit of [\d,]+ API calls/);
  await card.getByLabel("API calls per 24 hours").fill(String(cap));
  await card.getByRole("button", { name: "Save cap" }).click();
  await expect(card.getByTestId("cap-effective")).toContainText(new Intl.NumberFormat("en-US").format(cap));
  await expect(card.getByTestId("cap-effective")).toContainText("set here");
  const [stored] = (await ferry.db.execute(sql`select api_daily_cap from salesforce_connections where tenant_id = ${tenantId}`)) as unknown as {
    api_daily_cap: number;
  }[];
  expect(stored!.api_daily_cap).toBe(cap);

  await page.goto("/salesforce");
  await page.getByRole("button", { name: "Start Salesforce Sync" }).click();
  const dialog = page.getByRole("dialog", { name: "Start the Salesforce sync?" });
  await dialog.getByRole("checkbox", { name: /reported, not merged/ }).check();
  await dialog.getByRole("button", { name: "Start Sync" }).click();

  // The badge says it, the progress page says why, the bell has the notice, the owner has the mail.
  const badge = page.getByTestId("status-badge");
  await expect(badge).toHaveAttribute("data-state", "api_capped", { timeout: 120_000 });
  await expect(badge).toContainText(/^API cap reached — resumes /);
  await page.goto("/salesforce/progress");
  await expect(page.getByTestId("run-status")).toHaveText("Paused");
  await expect(page.getByTestId("paused-reason")).toHaveText("Paused: the daily API cap is reached");
  await expect(page.getByTestId("live-progress")).toContainText("reached Ferry's cap for this tenant");
  await expect(page.getByRole("link", { name: "Change the cap in Settings" })).toBeVisible();
  await page.getByRole("button", { name: /^Notifications/ }).click();
  await expect(page.getByRole("list", { name: "Notification list" })).toContainText(`of its ${cap} daily Salesforce API calls`);
  await page.keyboard.press("Escape");
  const mail = (await ferry.db.execute(
    sql`select subject from email_outbox where tenant_id = ${tenantId} and meta->>'kind' = 'api_cap_reached'`,
  )) as unknown as { subject: string }[];
  expect(mail).toEqual([{ subject: "Ferry (Capped Tenant): API cap reached" }]);
  // Salesforce counted no call past the cap.
  expect(salesforce.state().apiUsage.used).toBeLessThanOrEqual(cap + 1);
  const [run] = (await ferry.db.execute(
    sql`select status, error_code, resumes_at from sync_runs where tenant_id = ${tenantId} and kind = 'initial'`,
  )) as unknown as { status: string; error_code: string; resumes_at: string | null }[];
  expect(run).toMatchObject({ status: "paused", error_code: "API_CAP_REACHED" });
  expect(run!.resumes_at).not.toBeNull();
  await saveScreenshot(page, "api-cap-paused");
});
