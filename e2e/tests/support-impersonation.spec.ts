import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { signInContext, signUpThroughApi, uniqueEmail } from "../support/api";
import { STAFF_EMAILS } from "../playwright.config";
import { activeTenantId, mutate, query, recordFrames, seesMembersOf, signUpStaff } from "./support-fixture";

test("staff enter a tenant read-only, elevate with a reason, act, end; the tenant's admin reads all of it", async ({ browser, request, baseURL }) => {
  test.setTimeout(120_000);
  const tenantName = `Support Target ${randomBytes(3).toString("hex")}`;
  const owner = await signUpThroughApi(request, baseURL!, { name: "Olivia Owner", tenantName });
  const staff = await signUpStaff(request, baseURL!, STAFF_EMAILS[0]!, "Sam Support");
  const staffContext = await browser.newContext({ baseURL });
  await signInContext(staffContext, baseURL!, staff);
  const page = await staffContext.newPage();
  const frames = recordFrames(page);

  await page.goto("/support");
  await expect(page.getByRole("heading", { name: "Support console" })).toBeVisible();
  await page.getByLabel("Search tenants").fill(tenantName);
  await expect(page.getByRole("table", { name: "Tenants" }).getByRole("row")).toHaveCount(2);
  await page.getByRole("link", { name: tenantName }).click();
  await expect(page.getByRole("heading", { name: tenantName })).toBeVisible();

  await page.getByRole("button", { name: "Enter tenant" }).click();
  const enter = page.getByRole("form", { name: "Enter tenant" });
  await enter.getByLabel("Reason").fill("too short");
  await enter.getByRole("button", { name: "Enter read-only" }).click();
  await expect(enter.getByText(/at least 10 characters/).first()).toBeVisible();
  await enter.getByLabel("Reason").fill("Customer reports the sync status is stuck");
  await enter.getByLabel("Ticket (optional)").fill("SUP-42");
  await enter.getByRole("button", { name: "Enter read-only" }).click();

  const banner = page.getByTestId("support-banner");
  await expect(page).toHaveURL(/\/salesforce$/);
  await expect(banner).toContainText(`Support access to ${tenantName}`);
  await expect(banner).toContainText("as Sam Support");
  await expect(banner).toContainText("read-only");
  await expect(page.getByTestId("support-time-left")).toHaveText(/^(59|60) min/);
  await expect.poll(() => frames.some((f) => f.startsWith("40")), { message: "the staff socket connected" }).toBe(true);

  for (const path of ["/sync-history", "/errors", "/records", "/settings"]) {
    await page.goto(path);
    await expect(banner, `banner on ${path}`).toBeVisible();
  }
  await expect(page.getByRole("table", { name: "Members" })).toContainText(owner.email);

  // The tenant's own activity reaches the staff member's browser live.
  const invited = uniqueEmail("live");
  expect((await mutate(request, baseURL!, owner, "invitation.create", { email: invited, role: "viewer" })).status).toBe(200);
  await expect
    .poll(() => frames.some((f) => f.includes('"notification"') && f.includes(invited)), { message: "the tenant's live event reached support" })
    .toBe(true);

  const invite = page.getByRole("form", { name: "Invite someone" });
  const staffInvite = uniqueEmail("by-support");
  await invite.getByLabel("Email").fill(staffInvite);
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(invite.getByText(/Support access is read-only; elevate/)).toBeVisible();

  await banner.getByRole("button", { name: "Elevate to write" }).click();
  const elevate = page.getByRole("form", { name: "Elevate support access" });
  await elevate.getByLabel("Reason for write access").fill("Resend the invitation the customer lost");
  await elevate.getByRole("button", { name: "Elevate" }).click();
  await expect(banner).toContainText("with write access");
  await expect(banner.getByRole("button", { name: "Elevate to write" })).toHaveCount(0);

  await invite.getByLabel("Email").fill(staffInvite);
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByTestId("created-invitation-link")).toBeVisible();

  await banner.getByRole("button", { name: "End" }).click();
  await expect(page).toHaveURL(/\/support$/);
  await expect(banner).toHaveCount(0);
  expect(await seesMembersOf(request, baseURL!, staff, owner.email)).toBe(false);

  const ownerContext = await browser.newContext({ baseURL });
  await signInContext(ownerContext, baseURL!, owner);
  const ownerPage = await ownerContext.newPage();
  await ownerPage.goto("/settings");
  // The log in words: who did what, support marked as such, the reason beside it.
  const audit = ownerPage.getByRole("list", { name: "Audit log" });
  const entry = (action: string) => audit.locator(`[data-testid="audit-entry"][data-action="${action}"]`);
  for (const [action, words] of [
    ["support.start", "Sam Support (Ferry support) opened support access"],
    ["support.elevate", "Sam Support (Ferry support) raised support access to write"],
    ["invitation.create", `Sam Support (Ferry support) invited ${staffInvite}`],
    ["support.end", "Sam Support (Ferry support) ended support access"],
  ] as const) {
    await expect(entry(action).first(), action).toContainText(words);
  }
  await expect(entry("support.start")).toContainText("Customer reports the sync status is stuck");
  await expect(entry("support.elevate")).toContainText("Resend the invitation the customer lost");
  await expect(audit).not.toContainText("support.start");
  // Filtered to support access, only its entries remain.
  await ownerPage.getByLabel("Show", { exact: true }).click();
  await ownerPage.getByRole("option", { name: "Support access" }).click();
  await expect(audit.locator('[data-testid="audit-entry"][data-action="invitation.create"]')).toHaveCount(0);
  await expect(entry("support.start")).toBeVisible();
  await staffContext.close();
  await ownerContext.close();
});

test("a customer is refused the support console and every staff procedure", async ({ browser, request, baseURL }) => {
  const owner = await signUpThroughApi(request, baseURL!, { name: "Nina Nonstaff", tenantName: `Customer ${randomBytes(3).toString("hex")}` });
  const context = await browser.newContext({ baseURL });
  await signInContext(context, baseURL!, owner);
  const page = await context.newPage();
  await page.goto("/support");
  await expect(page.getByText("Only Ferry support staff can open the support console")).toBeVisible();
  await expect(page.getByRole("table", { name: "Tenants" })).toHaveCount(0);
  expect((await query(request, baseURL!, owner, "support.tenants", { filter: "all" })).code).toBe("FORBIDDEN");
  expect((await mutate(request, baseURL!, owner, "support.start", { tenantId: "x", reason: "Trying to get into another tenant" })).code).toBe("FORBIDDEN");
  await context.close();
});

test("signing out ends the staff member's support access", async ({ browser, request, baseURL }) => {
  const owner = await signUpThroughApi(request, baseURL!, { name: "Sid Signout", tenantName: `Signout ${randomBytes(3).toString("hex")}` });
  const tenantId = await activeTenantId(request, baseURL!, owner);
  const staff = await signUpStaff(request, baseURL!, STAFF_EMAILS[2]!, "Sue Signout");
  expect((await mutate(request, baseURL!, staff, "support.start", { tenantId, reason: "Checking sign-out ends the access" })).status).toBe(200);
  const context = await browser.newContext({ baseURL });
  await signInContext(context, baseURL!, staff);
  const page = await context.newPage();
  await page.goto("/settings");
  await expect(page.getByTestId("support-banner")).toBeVisible();
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  const log = await query(request, baseURL!, owner, "audit.list", { limit: 20 });
  const end = (log.data as Array<{ action: string; details: { why?: string } | null }>).find((r) => r.action === "support.end");
  expect(end?.details?.why).toBe("signed_out");
  await context.close();
});
