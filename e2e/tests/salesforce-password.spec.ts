import { expect as baseExpect, test, type Page } from "@playwright/test";
import { cookieHeader, signInContext, signUpThroughApi, uniqueEmail } from "../support/api";
import { HIDDEN_FIELD_USER, startSalesforceE2E, type SalesforceE2E } from "./salesforce-fixture";

// Each step waits on real logins and describes against the emulator; a busy CI machine needs more than 10 s.
const expect = baseExpect.configure({ timeout: 30_000 });

let ferry: SalesforceE2E;

test.beforeAll(async () => {
  ferry = await startSalesforceE2E("password");
});
test.afterAll(async () => {
  await ferry?.stop();
});
test.describe.configure({ timeout: 180_000 });

async function newAdminPage(
  browser: import("@playwright/test").Browser,
  request: import("@playwright/test").APIRequestContext,
  tenantName: string,
): Promise<Page> {
  const admin = await signUpThroughApi(request, ferry.baseURL, { name: "Sam Setup", tenantName });
  const context = await browser.newContext({ baseURL: ferry.baseURL });
  await signInContext(context, ferry.baseURL, admin);
  const page = await context.newPage();
  await page.goto("/salesforce");
  await expect(page.getByTestId("status-badge")).toHaveText("Not connected");
  return page;
}

async function enterCredentials(page: Page, input: { username: string; password: string; securityToken: string; sandbox?: boolean; customDomain?: string }) {
  await page.getByLabel("Username").fill(input.username);
  await page.getByLabel("Password", { exact: true }).fill(input.password);
  await page.getByLabel("Security token").fill(input.securityToken);
  await page.getByRole("checkbox", { name: /Sandbox/ }).setChecked(input.sandbox ?? false);
  await page.getByLabel("Custom login domain (optional)").fill(input.customDomain ?? "");
  await page.getByRole("button", { name: "Validate" }).click();
}

async function completeFlow(page: Page, orgName: string) {
  await expect(page.getByTestId("org-name")).toHaveText(orgName);
  await expect(page.getByTestId("api-limit")).toHaveText("15,000 calls");
  // That the secrets are set, when and by whom: no character of either (issue 13).
  await expect(page.getByTestId("secret-masks")).toHaveText(/^Password set .+ by \S.* · token set .+ by \S.*$/);
  await expect(page.getByTestId("status-badge")).toHaveText("Credentials validated");

  await page.getByRole("button", { name: "Preview fields" }).click();
  await page.getByRole("tab", { name: /^Lead/ }).click();
  const leadFields = page.getByRole("table", { name: "Lead fields" });
  await expect(leadFields.getByRole("row", { name: /IsConverted/ })).toContainText("Needed by Ferry");
  await expect(page.getByRole("checkbox", { name: "Include Lead.IsConverted" })).toBeDisabled();
  await page.getByRole("checkbox", { name: "Include Lead.Secret__c" }).uncheck();
  await expect(page.getByRole("button", { name: "Sync Fields" })).toBeDisabled();
  await page.getByRole("checkbox", { name: /created permanently/ }).check();
  await page.getByRole("button", { name: "Sync Fields" }).click();
  await expect(page.getByTestId("status-badge")).toHaveText("Fields synced");
  await expect(page.getByText(/fields created from 8 objects; 1 excluded/)).toBeVisible();

  await expect(page.getByText(/This locks Ferry to/)).toBeVisible();
  await page.getByRole("checkbox", { name: /want to use this org permanently/ }).check();
  await page.getByRole("button", { name: "Confirm Credentials" }).click();
  await expect(page.getByTestId("status-badge")).toHaveText("Ready to start");

  // Mappings: same-named Lead and Contact fields feed one Person field; incompatible types are refused with the reason.
  await expect(page.getByTestId("mapping-Lead.Email")).toContainText("Email");
  await expect(page.getByTestId("mapping-Contact.Email")).toContainText("Email");
  await page.getByRole("combobox", { name: "Ferry field for Lead.AnnualRevenue" }).click();
  await page.getByRole("option", { name: "Email", exact: true }).click();
  await expect(page.getByTestId("mapping-Lead.AnnualRevenue").getByRole("alert")).toContainText("Lead.AnnualRevenue is a currency field");
  await page.getByRole("combobox", { name: "Direction for Lead.Email" }).click();
  await page.getByRole("option", { name: "Two-way" }).click();
  await expect(page.getByRole("combobox", { name: "Direction for Lead.Email" })).toHaveText("Two-way");
  await page.getByRole("button", { name: "Use these mappings" }).click();

  await page.getByRole("button", { name: "Start Salesforce Sync" }).click();
  const dialog = page.getByRole("dialog", { name: "Start the Salesforce sync?" });
  await expect(dialog.getByText("Duplicates are not merged")).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Start Sync" })).toBeDisabled();
  await dialog.getByRole("checkbox", { name: /reported, not merged/ }).check();
  await dialog.getByRole("button", { name: "Start Sync" }).click();
  await expect(page.getByTestId("initial-run-status")).toHaveText("Queued");
  await expect(page.getByTestId("status-badge")).toHaveText(/^Sync in Progress/);
  await expect(page.getByTestId("mappings-locked")).toContainText("mappings are read-only");
  await expect(page.getByRole("combobox", { name: "Ferry field for Lead.Email" })).toHaveCount(0);
}

test("a new admin connects a production org with basic credentials and sees the initial sync queued", async ({ browser, request }) => {
  const page = await newAdminPage(browser, request, "Acme Production Tenant");
  await expect(page.getByText(/Reset My Security Token/)).toBeVisible();
  const user = ferry.production.users[0]!;
  await enterCredentials(page, user);
  await completeFlow(page, "Acme Production");
  await page.reload();
  await expect(page.getByTestId("initial-run-status")).toHaveText("Queued");
});

test("a new admin connects a sandbox org through the Sandbox checkbox", async ({ browser, request }) => {
  const page = await newAdminPage(browser, request, "Acme Sandbox Tenant");
  const user = ferry.sandbox.users[0]!;
  // The sandbox org is not reachable through the production login host.
  await enterCredentials(page, { ...user, sandbox: false });
  await expect(page.getByTestId("credentials-error")).toContainText("make sure the Sandbox box matches the org");
  await enterCredentials(page, { ...user, sandbox: true });
  await completeFlow(page, "Acme Sandbox");
});

test("wrong password, wrong token, a hidden required field and a login domain that is no Salesforce host each say what to fix, and nothing is half-saved", async ({
  browser,
  request,
}) => {
  const page = await newAdminPage(browser, request, "Mistakes Inc");
  const user = ferry.production.users[0]!;

  await enterCredentials(page, { ...user, password: "not-the-password" });
  await expect(page.getByTestId("credentials-error")).toContainText("the password or the security token is wrong");
  await enterCredentials(page, { ...user, securityToken: "WRONGTOKEN00000000000000" });
  await expect(page.getByTestId("credentials-error")).toContainText("Reset My Security Token");
  await enterCredentials(page, { ...user, customDomain: "https://169.254.169.254" });
  // A refusal of the field itself, shown under it.
  await expect(page.getByText(/169\.254\.169\.254 is not a Salesforce login host/)).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("status-badge")).toHaveText("Not connected");
  await expect(page.getByTestId("org-name")).toHaveCount(0);

  await enterCredentials(page, HIDDEN_FIELD_USER);
  await expect(page.getByTestId("status-badge")).toHaveText("Credentials validated");
  await page.getByRole("button", { name: "Preview fields" }).click();
  const missing = page.getByTestId("missing-fields");
  await expect(missing).toContainText("Lead.IsConverted");
  await expect(missing).toContainText("Set Field-Level Security");
  await expect(page.getByRole("button", { name: "Sync Fields" })).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("status-badge")).toHaveText("Credentials validated");
  await expect(page.getByRole("button", { name: "Preview fields" })).toBeVisible();
});

test("a viewer sees the connection but cannot change it", async ({ browser, request }) => {
  const admin = await signUpThroughApi(request, ferry.baseURL, { name: "Ava Admin", tenantName: "Viewed Co" });
  const call = async (user: typeof admin, procedure: string, json: unknown) => {
    const response = await request.post(`${ferry.baseURL}/api/trpc/${procedure}`, {
      headers: { "content-type": "application/json", origin: ferry.baseURL, cookie: cookieHeader(user) },
      data: { json },
    });
    expect(response.ok(), await response.text()).toBe(true);
    return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json;
  };
  const user = ferry.production.users[0]!;
  await call(admin, "salesforce.validate", { username: user.username, password: user.password, securityToken: user.securityToken, sandbox: false });
  const email = uniqueEmail("viewer");
  const invitation = (await call(admin, "invitation.create", { email, role: "viewer" })) as { id: string };
  const viewer = await signUpThroughApi(request, ferry.baseURL, { name: "Vera Viewer", email });
  await call(viewer, "invitation.accept", { invitationId: invitation.id });

  const context = await browser.newContext({ baseURL: ferry.baseURL });
  await signInContext(context, ferry.baseURL, viewer);
  const page = await context.newPage();
  await page.goto("/salesforce");
  await expect(page.getByText("only admins can change it")).toBeVisible();
  await expect(page.getByTestId("org-name")).toHaveText("Acme Production");
  await expect(page.getByTestId("status-badge")).toHaveText("Credentials validated");
  await expect(page.getByRole("button", { name: "Validate" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Preview fields" })).toHaveCount(0);
  await expect(page.getByText("An admin runs Sync Fields next.")).toBeVisible();
  const refused = await request.post(`${ferry.baseURL}/api/trpc/salesforce.previewFields`, {
    headers: { "content-type": "application/json", origin: ferry.baseURL, cookie: cookieHeader(viewer) },
    data: {},
  });
  expect(refused.status()).toBe(403);
});
