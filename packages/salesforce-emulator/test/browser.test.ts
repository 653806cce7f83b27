import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import jsforce from "jsforce";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { start, VERSION } from "./helpers";

let emu: EmulatorHandle;
let browser: Browser;
let callback: Server;
let callbackUrl: string;
const received: URL[] = [];

beforeAll(async () => {
  emu = await start({ counts: { Lead: 42 } });
  callback = createServer((req, res) => {
    const url = new URL(req.url ?? "/", callbackUrl);
    if (url.pathname === "/oauth/callback") received.push(url);
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end('<!doctype html><title>Connected</title><p id="done">You can close this window.</p>');
  });
  await new Promise<void>((r) => callback.listen(0, "127.0.0.1", r));
  callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/oauth/callback`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-dev-shm-usage",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => callback.close(r));
  await emu.stop();
});

describe("OAuth authorize page in Chromium", () => {
  it("a person logs in, allows access, and the app exchanges the code for a refresh token", async () => {
    const client = emu.oauthClients[0]!;
    const oauth2 = new jsforce.OAuth2({
      loginUrl: emu.loginUrl,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      redirectUri: callbackUrl,
      useVerifier: true,
    });
    const page = await browser.newPage();
    await page.goto(oauth2.getAuthorizationUrl({ scope: "api refresh_token", state: "ferry-state" }));
    const user = emu.users[0]!;
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Log In" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("Please check your username and password");
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Log In" }).click();
    expect(await page.getByRole("heading").textContent()).toBe("Allow Access?");
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL(/\/oauth\/callback/);
    await page.locator("#done").waitFor();
    const redirect = received.at(-1)!;
    expect(redirect.searchParams.get("state")).toBe("ferry-state");
    const conn = new jsforce.Connection({ oauth2, version: VERSION });
    await conn.authorize(redirect.searchParams.get("code")!);
    expect(conn.refreshToken).toBeTruthy();
    expect((await conn.query("SELECT count() FROM Lead")).totalSize).toBe(42);
    const refreshed = await oauth2.refreshToken(conn.refreshToken!);
    expect(refreshed.access_token).toBeTruthy();
    await page.close();
  });

  it("deny sends access_denied back to the app", async () => {
    const client = emu.oauthClients[0]!;
    const page = await browser.newPage();
    await page.goto(
      `${emu.loginUrl}/services/oauth2/authorize?response_type=code&client_id=${client.clientId}&redirect_uri=${encodeURIComponent(callbackUrl)}&state=s2`,
    );
    await page.getByLabel("Username").fill(emu.users[0]!.username);
    await page.getByLabel("Password").fill(emu.users[0]!.password);
    await page.getByRole("button", { name: "Log In" }).click();
    await page.getByRole("button", { name: "Deny" }).click();
    await page.waitForURL(/\/oauth\/callback/);
    const redirect = received.at(-1)!;
    expect(redirect.searchParams.get("error")).toBe("access_denied");
    expect(redirect.searchParams.get("state")).toBe("s2");
    await page.close();
  });
});
