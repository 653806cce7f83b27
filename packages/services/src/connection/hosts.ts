import type { loginHosts } from "@ferry/db";

/** Where the sync user logs in: Salesforce's production or sandbox login host, or the org's My Domain. */
export type LoginHostChoice = (typeof loginHosts)[number];

/**
 * The login hosts this deployment talks to. Production uses Salesforce's; the demo and the tests
 * point both at the built-in emulator and allow plain http on loopback addresses.
 */
export interface LoginHostDirectory {
  production: string;
  sandbox: string;
  /** Accept http:// custom domains on 127.0.0.1/localhost (emulator only, never in production). */
  allowLoopbackHttp: boolean;
}

export const SALESFORCE_LOGIN_HOSTS: LoginHostDirectory = {
  production: "https://login.salesforce.com",
  sandbox: "https://test.salesforce.com",
  allowLoopbackHttp: false,
};

export class LoginHostError extends Error {}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Turns "acme.my.salesforce.com" or "https://acme.my.salesforce.com/" into an origin, or says what is wrong. */
export function normalizeCustomDomain(input: string, directory: LoginHostDirectory): string {
  const trimmed = input.trim();
  if (!trimmed) throw new LoginHostError("Enter your custom login domain, e.g. acme.my.salesforce.com.");
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    throw new LoginHostError(`"${trimmed}" is not a domain name; enter it like acme.my.salesforce.com.`);
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    throw new LoginHostError("Enter only the domain (like acme.my.salesforce.com), without a path or query.");
  }
  const loopback = LOOPBACK.has(url.hostname);
  if (url.protocol === "http:" && !(loopback && directory.allowLoopbackHttp)) {
    throw new LoginHostError("Salesforce login domains use https; enter the domain without http://.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new LoginHostError("The login domain must be an https address.");
  if (loopback && !directory.allowLoopbackHttp) throw new LoginHostError("A login domain on this machine is not allowed; enter your My Domain, e.g. acme.my.salesforce.com.");
  if (!loopback && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(url.hostname)) {
    throw new LoginHostError(`"${url.hostname}" is not a valid domain name; enter it like acme.my.salesforce.com.`);
  }
  return url.origin;
}

export function resolveLoginUrl(choice: LoginHostChoice, customDomain: string | null | undefined, directory: LoginHostDirectory): string {
  switch (choice) {
    case "production":
      return directory.production.replace(/\/$/, "");
    case "sandbox":
      return directory.sandbox.replace(/\/$/, "");
    case "custom":
      return normalizeCustomDomain(customDomain ?? "", directory);
  }
}
