import { describe, expect, it } from "vitest";
import { LoginHostError, normalizeCustomDomain, resolveLoginUrl, SALESFORCE_LOGIN_HOSTS } from "./hosts";

const emulator = { production: "http://127.0.0.1:4000", sandbox: "http://127.0.0.1:4000/sandbox", allowLoopbackHttp: true };

describe("login hosts", () => {
  it("resolves production, sandbox and a My Domain", () => {
    expect(resolveLoginUrl("production", null, SALESFORCE_LOGIN_HOSTS)).toBe("https://login.salesforce.com");
    expect(resolveLoginUrl("sandbox", null, SALESFORCE_LOGIN_HOSTS)).toBe("https://test.salesforce.com");
    expect(resolveLoginUrl("custom", "acme.my.salesforce.com", SALESFORCE_LOGIN_HOSTS)).toBe("https://acme.my.salesforce.com");
    expect(resolveLoginUrl("custom", " https://Acme.my.salesforce.com/ ", SALESFORCE_LOGIN_HOSTS)).toBe("https://acme.my.salesforce.com");
    expect(resolveLoginUrl("sandbox", null, emulator)).toBe("http://127.0.0.1:4000/sandbox");
  });

  it("refuses paths, plain http and this machine outside the emulator, with what to fix", () => {
    expect(() => normalizeCustomDomain("", SALESFORCE_LOGIN_HOSTS)).toThrow(/Enter your custom login domain/);
    expect(() => normalizeCustomDomain("acme.my.salesforce.com/login", SALESFORCE_LOGIN_HOSTS)).toThrow(/without a path/);
    expect(() => normalizeCustomDomain("http://acme.my.salesforce.com", SALESFORCE_LOGIN_HOSTS)).toThrow(/use https/);
    expect(() => normalizeCustomDomain("http://127.0.0.1:4000", SALESFORCE_LOGIN_HOSTS)).toThrow(LoginHostError);
    expect(() => normalizeCustomDomain("https://localhost", SALESFORCE_LOGIN_HOSTS)).toThrow(/not allowed/);
    expect(() => normalizeCustomDomain("not a domain", SALESFORCE_LOGIN_HOSTS)).toThrow(LoginHostError);
    expect(normalizeCustomDomain("http://127.0.0.1:4000", emulator)).toBe("http://127.0.0.1:4000");
  });
});
