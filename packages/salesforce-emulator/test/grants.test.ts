import { createSign, generateKeyPairSync } from "node:crypto";
import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_OAUTH_CLIENT, type EmulatorHandle } from "../src/index";
import { start, VERSION } from "./helpers";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await start({
    oauthClients: [
      { ...DEFAULT_OAUTH_CLIENT, clientCredentialsUser: "sync@ferry.emulator", jwtCertificate: publicKey.export({ type: "spki", format: "pem" }).toString() },
    ],
  });
});
afterAll(() => emu.stop());

function jwt(claims: Record<string, unknown>, key = privateKey): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const head = `${enc({ alg: "RS256" })}.${enc(claims)}`;
  return `${head}.${createSign("RSA-SHA256").update(head).sign(key).toString("base64url")}`;
}

async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function queryWith(accessToken: string, instanceUrl: string) {
  const conn = new jsforce.Connection({ accessToken, instanceUrl, version: VERSION });
  const me = await conn.query<{ Username: string }>(`SELECT Username FROM User WHERE Id = '${(await conn.identity()).user_id}'`);
  return me.records[0]!.Username;
}

describe("JWT bearer grant", () => {
  const base = () => ({ iss: DEFAULT_OAUTH_CLIENT.clientId, sub: "sync@ferry.emulator", aud: emu.loginUrl, exp: Math.floor(Date.now() / 1000) + 180 });

  it("issues a session for the subject of an assertion signed with the connected app key", async () => {
    const r = await token({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: jwt(base()) });
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty("refresh_token");
    expect(await queryWith(r.body.access_token!, r.body.instance_url!)).toBe("sync@ferry.emulator");
    const prod = await token({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: jwt({ ...base(), aud: "https://login.salesforce.com" }) });
    expect(prod.status).toBe(200);
  });

  it("refuses a wrong key, audience, expiry or user with Salesforce errors", async () => {
    const grant = (claims: Record<string, unknown>, key = privateKey) =>
      token({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: jwt(claims, key) });
    expect((await grant(base(), other.privateKey)).body).toEqual({ error: "invalid_grant", error_description: "invalid assertion" });
    expect((await grant({ ...base(), aud: "https://test.salesforce.com" })).body).toEqual({ error: "invalid_grant", error_description: "audience is invalid" });
    expect((await grant({ ...base(), exp: Math.floor(Date.now() / 1000) - 5 })).body.error).toBe("invalid_grant");
    expect((await grant({ ...base(), sub: "nobody@example.com" })).body).toEqual({
      error: "invalid_grant",
      error_description: "user hasn't approved this consumer",
    });
    expect((await grant({ ...base(), iss: "unknown-client" })).body.error).toBe("invalid_client_id");
  });
});

describe("client credentials grant", () => {
  it("issues a session for the run-as user and needs the secret", async () => {
    const r = await token({ grant_type: "client_credentials", client_id: DEFAULT_OAUTH_CLIENT.clientId, client_secret: DEFAULT_OAUTH_CLIENT.clientSecret });
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty("refresh_token");
    expect(await queryWith(r.body.access_token!, r.body.instance_url!)).toBe("sync@ferry.emulator");
    const noSecret = await token({ grant_type: "client_credentials", client_id: DEFAULT_OAUTH_CLIENT.clientId });
    expect(noSecret.body.error).toBe("invalid_client");
  });
});
