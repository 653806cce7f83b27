import { expect, test } from "@playwright/test";
import { SHORT_IDLE_PORT, SHORT_IDLE_SECONDS } from "../playwright.config";
import { signInContext, signUpThroughApi, uniqueEmail } from "../support/api";

test("a new user signs up, invites a second admin who accepts and sees the same tenant, and signs out", async ({ page, browser, baseURL }) => {
  const ownerEmail = uniqueEmail("owner");
  await page.goto("/sign-up");
  await page.getByLabel("Your name").fill("Olivia Owner");
  await page.getByLabel("Email").fill(ownerEmail);
  await page.getByLabel("Password").fill("a-long-password-1");
  await page.getByLabel("Company name").fill("Acme E2E");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/salesforce$/);
  await expect(page.getByText("Acme E2E").first()).toBeVisible();

  await page.getByRole("link", { name: "Settings" }).click();
  const adminEmail = uniqueEmail("second-admin");
  const inviteForm = page.getByRole("form", { name: "Invite someone" });
  await inviteForm.getByLabel("Email").fill(adminEmail);
  await inviteForm.getByRole("button", { name: "Send invitation" }).click();
  await expect(inviteForm.getByText(`Invitation sent to ${adminEmail}`)).toBeVisible();
  const link = page.getByTestId("email-outbox").getByTestId("outbox-link").first();
  await expect(link).toContainText("/invite/");
  const invitationUrl = (await link.getAttribute("href"))!;

  const invitee = await browser.newContext({ baseURL });
  const inviteePage = await invitee.newPage();
  await inviteePage.goto(invitationUrl);
  await expect(inviteePage.getByText("Acme E2E").first()).toBeVisible();
  await inviteePage
    .getByRole("link", { name: /create an account|sign up/i })
    .first()
    .click();
  await inviteePage.getByLabel("Your name").fill("Adam Admin");
  await expect(inviteePage.getByLabel("Email")).toHaveValue(adminEmail);
  await inviteePage.getByLabel("Password").fill("another-long-password");
  await inviteePage.getByRole("button", { name: "Create account" }).click();
  await inviteePage.getByRole("button", { name: "Accept invitation" }).click();
  await expect(inviteePage).toHaveURL(/\/salesforce$/);
  await expect(inviteePage.getByText("Acme E2E").first()).toBeVisible();
  await inviteePage.getByRole("link", { name: "Settings" }).click();
  const members = inviteePage.getByRole("table", { name: "Members" });
  await expect(members.getByText(ownerEmail)).toBeVisible();
  await expect(members.getByText(adminEmail)).toBeVisible();

  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/sign-in/);
  await invitee.close();
});

test("an idle session expires", async ({ browser, request }) => {
  const baseURL = `http://127.0.0.1:${SHORT_IDLE_PORT}`;
  const user = await signUpThroughApi(request, baseURL, { name: "Ida Idle", tenantName: "Idle Co" });
  const context = await browser.newContext({ baseURL });
  await signInContext(context, baseURL, user);
  const page = await context.newPage();
  await page.goto("/settings");
  await expect(page.getByText("Idle Co").first()).toBeVisible();
  await page.goto("about:blank");
  await page.waitForTimeout((SHORT_IDLE_SECONDS + 3) * 1000);
  await page.goto(`${baseURL}/settings`);
  await expect(page).toHaveURL(/\/sign-in/);
  await context.close();
});

test("a wrong password is refused with a clear message", async ({ page, request, baseURL }) => {
  const user = await signUpThroughApi(request, baseURL!, { name: "Wanda Wrong", tenantName: "Wrong Co" });
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("definitely-not-it");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("form", { name: "Sign in" }).getByRole("alert")).toContainText(/invalid email or password/i);
  await expect(page).toHaveURL(/\/sign-in/);
});

test("a new account is asked to confirm its email, and the link from the outbox confirms it", async ({ page }) => {
  const email = uniqueEmail("confirm");
  await page.goto("/sign-up");
  await page.getByLabel("Your name").fill("Cora Confirm");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-long-password-2");
  await page.getByLabel("Company name").fill("Confirm Co");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/salesforce$/);
  const notice = page.getByRole("status", { name: "Confirm your email address" });
  await expect(notice).toContainText(email);
  // The sign-up mail went out a moment ago: asking again this soon is refused with the reason.
  await notice.getByRole("button", { name: "Send the link again" }).click();
  await expect(notice.getByRole("alert")).toContainText("less than a minute ago");

  await page.getByRole("link", { name: "Settings" }).click();
  const link = page.getByTestId("email-outbox").getByTestId("outbox-link").first();
  await expect(link).toContainText("/api/auth/verify-email");
  await page.goto((await link.getAttribute("href"))!);
  await expect(page).toHaveURL(/\/salesforce$/);
  await expect(page.getByText("Confirm Co").first()).toBeVisible();
  await expect(notice).toHaveCount(0);
});
