import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { signInContext, signUpThroughApi, uniqueEmail } from "../support/api";
import { SHORT_SUPPORT_PORT, SHORT_SUPPORT_SECONDS, STAFF_EMAILS } from "../playwright.config";
import { activeTenantId, mutate, query, recordFrames, seesMembersOf, signUpStaff } from "./support-fixture";

const baseURL = `http://127.0.0.1:${SHORT_SUPPORT_PORT}`;
test.use({ baseURL });

test("support access ends by itself: the next request and the socket lose the tenant", async ({ browser, request }) => {
  test.setTimeout(90_000);
  const owner = await signUpThroughApi(request, baseURL, { name: "Erin Expiry", tenantName: `Expiring ${randomBytes(3).toString("hex")}` });
  const tenantId = await activeTenantId(request, baseURL, owner);
  const staff = await signUpStaff(request, baseURL, STAFF_EMAILS[1]!, "Ezra Expiry");
  const started = await mutate(request, baseURL, staff, "support.start", { tenantId, reason: "Checking the expiry of support access" });
  expect(started.status, started.message).toBe(200);

  const context = await browser.newContext({ baseURL });
  await signInContext(context, baseURL, staff);
  const page = await context.newPage();
  const frames = recordFrames(page);
  let socketsOpened = 0;
  page.on("websocket", (ws) => {
    if (ws.url().includes("/socket.io/")) socketsOpened++;
  });
  await page.goto("/settings");
  await expect(page.getByTestId("support-banner")).toBeVisible();
  await expect(page.getByRole("table", { name: "Members" })).toContainText(owner.email);
  await expect.poll(() => frames.some((f) => f.startsWith("40")), { message: "the staff socket connected" }).toBe(true);

  const before = uniqueEmail("before");
  await mutate(request, baseURL, owner, "invitation.create", { email: before, role: "viewer" });
  await expect.poll(() => frames.some((f) => f.includes(before)), { message: "a tenant event reached support" }).toBe(true);

  // The grant lasts SHORT_SUPPORT_SECONDS on this server; the sweep runs every 2 seconds.
  await expect(page.getByTestId("support-banner")).toHaveCount(0, { timeout: (SHORT_SUPPORT_SECONDS + 10) * 1000 });
  await expect.poll(() => seesMembersOf(request, baseURL, staff, owner.email), { timeout: 10_000 }).toBe(false);
  // The sweep's event reaches the staff member's socket through their own room too. When the page
  // noticed the expiry first (its own timer re-reads "me"), it replaces its socket with one without
  // the tenant, and an event sent while it reconnects has no socket to reach: either way the page
  // left the tenant's room, which the next check proves.
  await expect
    .poll(() => frames.some((f) => f.includes('"support.access"') && f.includes('"ended"') && f.includes(tenantId)) || socketsOpened > 1, {
      message: "the support.access ended event reached the staff socket, or the page replaced its socket",
    })
    .toBe(true);

  const after = uniqueEmail("after");
  await mutate(request, baseURL, owner, "invitation.create", { email: after, role: "viewer" });
  await page.waitForTimeout(1500);
  expect(
    frames.some((f) => f.includes(after)),
    "no tenant event after expiry",
  ).toBe(false);

  const log = await query(request, baseURL, owner, "audit.list", { limit: 20 });
  const actions = (log.data as Array<{ action: string; details: { why?: string } | null }>).filter((r) => r.action.startsWith("support."));
  expect(actions.map((r) => r.action)).toEqual(["support.end", "support.start"]);
  expect(actions[0]!.details?.why).toBe("expired");
  await context.close();
});
