import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { soapLogin, start, VERSION } from "./helpers";

/** Error bodies and statuses exactly as listed in salesforce-wire.md §4.10, §4.1 and §4.2. */
let emu: EmulatorHandle;
let conn: Connection;
beforeAll(async () => {
  emu = await start({ counts: { Lead: 50, Account: 10, User: 3 } });
  conn = await soapLogin(emu);
});
afterAll(() => emu.stop());

async function call(path: string, init: RequestInit & { token?: string } = {}) {
  const res = await fetch(`${emu.url}/services/data/v${VERSION}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${init.token ?? conn.accessToken}`,
      "Content-Type": "application/json",
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as unknown };
}

const q = (soql: string) => `/query?q=${encodeURIComponent(soql)}`;

describe("canonical REST error bodies", () => {
  it("each situation answers with its status and a one-element [{message, errorCode}] array", async () => {
    const cases: [string, () => ReturnType<typeof call>, number, unknown][] = [
      ["bad or expired token", () => call("/limits", { token: "nope" }), 401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]],
      [
        "unknown field",
        () => call(q("SELECT Id, Secret2__c FROM Lead")),
        400,
        [
          {
            message:
              "\nSELECT Id, Secret2__c FROM Lead\n           ^\nERROR at Row:1:Column:12\nNo such column 'Secret2__c' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
            errorCode: "INVALID_FIELD",
          },
        ],
      ],
      [
        "unknown object",
        () => call(q("SELECT Id FROM Foo")),
        400,
        [
          {
            message:
              "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
            errorCode: "INVALID_TYPE",
          },
        ],
      ],
      [
        "record not found",
        () => call("/sobjects/Account/001HE000000ZZZZZZZ"),
        404,
        [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }],
      ],
      [
        "more than 200 in a collection",
        () =>
          call("/composite/sobjects", {
            method: "POST",
            body: JSON.stringify({ records: Array.from({ length: 201 }, () => ({ attributes: { type: "Account" }, Name: "x" })) }),
          }),
        400,
        [{ message: "record limit reached. cannot submit more than 200 records into this call", errorCode: "EXCEEDED_ID_LIMIT" }],
      ],
      [
        "write to a read-only field",
        () => call("/sobjects/Account", { method: "POST", body: JSON.stringify({ Name: "x", CreatedDate: "2020-01-01T00:00:00Z" }) }),
        400,
        [
          {
            message:
              "Unable to create/update fields: CreatedDate. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
            errorCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
            fields: ["CreatedDate"],
          },
        ],
      ],
      [
        "required field missing",
        () => call("/sobjects/Account", { method: "POST", body: JSON.stringify({ Industry: "Energy" }) }),
        400,
        [{ message: "Required fields are missing: [Name]", errorCode: "REQUIRED_FIELD_MISSING", fields: ["Name"] }],
      ],
    ];
    for (const [name, run, status, body] of cases) {
      const res = await run();
      expect(res.status, name).toBe(status);
      expect(res.type, name).toBe("application/json;charset=UTF-8");
      expect(res.body, name).toEqual(body);
    }
    const malformed = await call(q("SELECT Id FROM Lead WHERE Name ="));
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual([
      {
        message: expect.stringMatching(/^\nSELECT Id FROM Lead WHERE Name =\n\s*\^\nERROR at Row:1:Column:\d+\nunexpected token: /),
        errorCode: "MALFORMED_QUERY",
      },
    ]);
    emu.setApiLimit(5, 5);
    const limited = await call("/limits");
    expect(limited.status).toBe(403);
    expect(limited.body).toEqual([{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }]);
    emu.setApiLimit(15_000, 0);
  });

  it("OAuth errors are 400 {error, error_description}; SOAP faults are 500 text/xml", async () => {
    const res = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "nope", client_id: emu.oauthClients[0]!.clientId }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid_grant", error_description: "expired access/refresh token" });
    const soap = await fetch(`${emu.loginUrl}/services/Soap/u/${VERSION}`, {
      method: "POST",
      headers: { "Content-Type": "text/xml", SOAPAction: '""' },
      body: '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>nobody@x</username><password>x</password></login></se:Body></se:Envelope>',
    });
    expect(soap.status).toBe(500);
    expect(soap.headers.get("content-type")).toMatch(/^text\/xml/);
    const xml = await soap.text();
    expect(xml).toContain("<faultcode>sf:INVALID_LOGIN</faultcode>");
    expect(xml).toContain("<faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>");
  });

  it("every counted response carries Sforce-Limit-Info; the version list does not count", async () => {
    const before = emu.org.apiUsage;
    const versions = await fetch(`${emu.url}/services/data`);
    expect(versions.headers.get("sforce-limit-info")).toBeNull();
    const res = await fetch(`${emu.url}/services/data/v${VERSION}/sobjects`, { headers: { Authorization: `Bearer ${conn.accessToken}` } });
    expect(res.headers.get("sforce-limit-info")).toBe(`api-usage=${before + 1}/15000`);
  });
});
