import { expect, test } from "@playwright/test";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { signInContext } from "../support/api";
import { saveScreenshot } from "../support/artifacts";
import { connectTenant, control, orgLoginEnv, startEngineE2E, startOrg, type EngineE2E } from "./engine-fixture";

// The initial sync, then the first stream's catch-up read, which the scheduler's cron pass sends
// (within about a minute of turning near-real-time on).
test.describe.configure({ timeout: 240_000 });

const SYNCED = ["User", "Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "Campaign", "CampaignMember"];

let org: EmulatorHandle;
let env: EngineE2E;
test.beforeAll(async () => {
  org = await startOrg({ cdc: SYNCED, pubsub: { keepaliveMs: 1_000 } });
  env = await startEngineE2E({
    database: "embedded",
    name: "near-real-time",
    env: { ...orgLoginEnv(org), FERRY_PUBSUB_ENDPOINT: org.pubsubEndpoint!, FERRY_PUBSUB_CA_FILE: org.pubsubCaFile!, STREAM_LEASE_SECONDS: "6" },
  });
});
test.afterAll(async () => {
  await env?.stop();
  await org?.stop();
});

test("an admin turns near-real-time on; a Lead edited in Salesforce shows its new value in the records browser within 3 s, without a reload", async ({
  browser,
  request,
}) => {
  const { admin } = await connectTenant(request, env.baseURL, org, {
    admin: { name: "Stream Admin", tenantName: "Streaming Co" },
    customDomain: false,
    waitForSyncMs: 120_000,
  });
  const context = await browser.newContext();
  await signInContext(context, env.baseURL, admin);
  const page = await context.newPage();

  await page.goto(`${env.baseURL}/settings`);
  const card = page.getByTestId("near-real-time");
  await expect(card.getByTestId("stream-status")).toContainText("Off");
  await card.getByTestId("near-real-time-toggle").click();
  await expect(card.getByTestId("stream-status")).toContainText("Live", { timeout: 90_000 });
  await saveScreenshot(page, "near-real-time-settings");

  // A Lead the records browser shows, found by its name.
  const lead = org.org.tables.get("Lead")!;
  let k = 0;
  while (lead.reader("IsConverted")(k) === true) k++;
  const id = String(lead.reader("Id")(k));
  const name = [lead.reader("FirstName")(k), lead.reader("LastName")(k)].filter(Boolean).join(" ");
  await page.goto(`${env.baseURL}/records`);
  await page.getByPlaceholder("Name or email, from the start").fill(name);
  const row = page.locator(`[data-testid="record-row"][data-sfid="${id}"]`);
  await expect(row).toBeVisible({ timeout: 15_000 });
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

  const company = `Streamed ${Date.now()}`;
  const editedAt = Date.now();
  await control(org, "PATCH", `/records/Lead/${id}`, { Company: company });
  await expect(row).toContainText(company, { timeout: 3_000 });
  const seenAfterMs = Date.now() - editedAt;
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  test.info().annotations.push({ type: "lag", description: `shown ${seenAfterMs} ms after the edit` });
  await saveScreenshot(page, "near-real-time-records");

  // The status badge says the stream is live and when the last change came.
  await expect(page.getByTestId("status-badge")).toContainText(/Live — last change \d+ s ago/);
  await context.close();
});
