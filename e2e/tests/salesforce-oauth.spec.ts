import { expect as baseExpect, test } from "@playwright/test";
import { signInContext, signUpThroughApi } from "../support/api";
import { startSalesforceE2E, type SalesforceE2E } from "./salesforce-fixture";

// Each step waits on real logins and describes against the emulator; a busy CI machine needs more than 10 s.
const expect = baseExpect.configure({ timeout: 30_000 });

let ferry: SalesforceE2E;

test.beforeAll(async () => {
  ferry = await startSalesforceE2E("oauth");
});
test.afterAll(async () => {
  await ferry?.stop();
});
test.describe.configure({ timeout: 180_000 });

test("an admin connects through the OAuth button and the emulator's authorize page, then starts the sync", async ({ browser, request }) => {
  const admin = await signUpThroughApi(request, ferry.baseURL, { name: "Olga OAuth", tenantName: "OAuth Corp" });
  const context = await browser.newContext({ baseURL: ferry.baseURL });
  await signInContext(context, ferry.baseURL, admin);
  const page = await context.newPage();
  await page.goto("/salesforce");
  await page.getByRole("tab", { name: "OAuth" }).click();
  await expect(page.getByRole("button", { name: "Log in to Salesforce" })).toBeVisible();
  await expect(page.getByLabel("Security token")).toHaveCount(0);
  const user = ferry.production.users[0]!;

  // Deny first: the portal says so, and nothing is connected.
  await page.getByRole("button", { name: "Log in to Salesforce" }).click();
  await page.waitForURL(/\/services\/oauth2\/authorize/);
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Log In" }).click();
  await page.getByRole("button", { name: "Deny" }).click();
  await page.waitForURL(/\/salesforce/);
  await expect(page.getByTestId("oauth-outcome")).toContainText("You chose Deny in Salesforce");
  await expect(page.getByTestId("status-badge")).toHaveText("Not connected");

  await page.getByRole("button", { name: "Log in to Salesforce" }).click();
  await page.waitForURL(/\/services\/oauth2\/authorize/);
  const authorize = new URL(page.url());
  expect(authorize.searchParams.get("code_challenge")).toBeTruthy();
  expect(authorize.searchParams.get("state")).toBeTruthy();
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Log In" }).click();
  await expect(page.getByRole("heading", { name: "Allow Access?" })).toBeVisible();
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL(/\/salesforce/);
  await expect(page.getByTestId("oauth-outcome")).toContainText("Connected through OAuth");
  await expect(page.getByTestId("status-badge")).toHaveText("Credentials validated");
  await expect(page.getByTestId("sync-user")).toHaveText(user.username);
  await expect(page.getByTestId("secret-masks")).toHaveText(/^OAuth refresh token set .+ by \S.*$/);

  await page.getByRole("button", { name: "Preview fields" }).click();
  await page.getByRole("checkbox", { name: /created permanently/ }).check();
  await page.getByRole("button", { name: "Sync Fields" }).click();
  // The org's name (read from its Organization object: OAuth does not share it) before locking Ferry to it.
  await expect(page.getByTestId("org-name")).toContainText("Acme Production");
  await expect(page.getByText("This locks Ferry to Acme Production for good")).toBeVisible();
  await page.getByRole("checkbox", { name: /want to use this org permanently/ }).check();
  await page.getByRole("button", { name: "Confirm Credentials" }).click();
  await page.getByRole("button", { name: "Use these mappings" }).click();
  await page.getByRole("button", { name: "Start Salesforce Sync" }).click();
  const dialog = page.getByRole("dialog", { name: "Start the Salesforce sync?" });
  await dialog.getByRole("checkbox", { name: /reported, not merged/ }).check();
  await dialog.getByRole("button", { name: "Start Sync" }).click();
  await expect(page.getByTestId("initial-run-status")).toHaveText("Queued");
  await expect(page.getByTestId("status-badge")).toHaveText(/^Sync in Progress/);
});
