import { expect, test, type Page, type WebSocket } from "@playwright/test";
import { io } from "socket.io-client";
import { cookieHeader, signInContext, signUpThroughApi, uniqueEmail } from "../support/api";

/** Collects the socket.io frames a page's websocket receives. */
function recordFrames(page: Page): string[] {
  const frames: string[] = [];
  page.on("websocket", (ws: WebSocket) => {
    if (!ws.url().includes("/socket.io/")) return;
    ws.on("framereceived", (frame) => frames.push(String(frame.payload)));
  });
  return frames;
}

test("an event for tenant A reaches A's browser and never B's", async ({ browser, request, baseURL }) => {
  const a = await signUpThroughApi(request, baseURL!, { name: "Alice A", tenantName: "Tenant Alpha" });
  const b = await signUpThroughApi(request, baseURL!, { name: "Bob B", tenantName: "Tenant Beta" });
  const contextA = await browser.newContext({ baseURL });
  const contextB = await browser.newContext({ baseURL });
  await signInContext(contextA, baseURL!, a);
  await signInContext(contextB, baseURL!, b);
  const pageA = await contextA.newPage();
  const pageB = await contextB.newPage();
  const framesA = recordFrames(pageA);
  const framesB = recordFrames(pageB);
  await pageA.goto("/salesforce");
  await pageB.goto("/salesforce");
  await expect(pageA.getByText("Tenant Alpha").first()).toBeVisible();
  await expect(pageB.getByText("Tenant Beta").first()).toBeVisible();
  await expect.poll(() => framesA.some((f) => f.startsWith("40")), { message: "A's socket connected" }).toBe(true);
  await expect.poll(() => framesB.some((f) => f.startsWith("40")), { message: "B's socket connected" }).toBe(true);

  // Tenant A's owner invites someone: the server stores a notification and emits it to tenant A's room.
  const invited = uniqueEmail("invitee");
  const response = await request.post(`${baseURL}/api/trpc/invitation.create`, {
    headers: { "content-type": "application/json", origin: baseURL!, cookie: cookieHeader(a) },
    data: { json: { email: invited, role: "viewer" } },
  });
  expect(response.ok()).toBe(true);

  await expect.poll(() => framesA.some((f) => f.includes('"notification"') && f.includes(invited)), { message: "A received the notification" }).toBe(true);
  // Give a leaked event every chance to arrive before asserting it never did.
  await pageB.waitForTimeout(1500);
  expect(framesB.filter((f) => f.includes('"notification"'))).toEqual([]);
  expect(framesB.some((f) => f.includes(invited))).toBe(false);
  await contextA.close();
  await contextB.close();
});

test("a socket without a valid session is refused", async ({ baseURL }) => {
  for (const cookie of [undefined, "better-auth.session_token=forged.value"]) {
    const socket = io(baseURL!, {
      path: "/socket.io",
      transports: ["websocket"],
      reconnection: false,
      ...(cookie ? { extraHeaders: { cookie } } : {}),
    });
    const outcome = await new Promise<string>((resolve) => {
      socket.on("connect", () => resolve("connected"));
      socket.on("connect_error", (error) => resolve(`refused: ${error.message}`));
    });
    socket.close();
    expect(outcome).toBe("refused: unauthorized");
  }
});
