import { describe, expect, it } from "vitest";
import { LoginHostError, normalizeCustomDomain, resolveLoginUrl, SALESFORCE_LOGIN_HOSTS } from "./hosts";

const emulator = { production: "http://127.0.0.1:4000", sandbox: "http://127.0.0.1:4000/sandbox", trustedOrigins: ["http://127.0.0.1:4000"], allowedHosts: [] };

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
    expect(() => normalizeCustomDomain("https://localhost", SALESFORCE_LOGIN_HOSTS)).toThrow(/localhost is not a Salesforce login host/);
    expect(() => normalizeCustomDomain("not a domain", SALESFORCE_LOGIN_HOSTS)).toThrow(LoginHostError);
    expect(normalizeCustomDomain("http://127.0.0.1:4000", emulator)).toBe("http://127.0.0.1:4000");
    expect(() => normalizeCustomDomain("http://127.0.0.1:4001", emulator)).toThrow(/use https/);
  });

  it("accepts Salesforce's login hosts and My Domains, and the operator's allow-list", () => {
    for (const host of [
      "login.salesforce.com",
      "test.salesforce.com",
      "acme.my.salesforce.com",
      "acme--dev.sandbox.my.salesforce.com",
      "acme.develop.my.salesforce.com",
    ]) {
      expect(normalizeCustomDomain(host, SALESFORCE_LOGIN_HOSTS)).toBe(`https://${host}`);
    }
    const operator = { ...SALESFORCE_LOGIN_HOSTS, allowedHosts: ["sso.example.com", "*.login.example.net"] };
    expect(normalizeCustomDomain("sso.example.com", operator)).toBe("https://sso.example.com");
    expect(normalizeCustomDomain("eu.login.example.net", operator)).toBe("https://eu.login.example.net");
    expect(() => normalizeCustomDomain("login.example.net", operator)).toThrow(/not a Salesforce login host/);
    expect(() => normalizeCustomDomain("sso.example.com", SALESFORCE_LOGIN_HOSTS)).toThrow(/not a Salesforce login host/);
  });

  it("refuses look-alikes, other ports and every address spelling, before anything connects", () => {
    for (const domain of [
      "my.salesforce.com.evil.test",
      "evil.test/.my.salesforce.com",
      "acme.my.salesforce.com.",
      "https://acme.my.salesforce.com:8443",
      "https://127.0.0.2:8443",
      "https://0.0.0.0:8443",
      "https://169.254.169.254",
      "https://[::ffff:127.0.0.1]",
      "https://[::1]",
      "https://2130706433",
      "https://0x7f.1",
    ]) {
      expect(() => normalizeCustomDomain(domain, SALESFORCE_LOGIN_HOSTS), domain).toThrow(LoginHostError);
    }
  });
});
