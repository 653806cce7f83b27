import type { loginHosts } from "@ferry/db";

/** Where the sync user logs in: Salesforce's production or sandbox login host, or the org's My Domain. */
export type LoginHostChoice = (typeof loginHosts)[number];

/**
 * The login hosts this deployment talks to. Production uses Salesforce's; the demo and the tests
 * point both at the built-in emulator.
 */
export interface LoginHostDirectory {
  production: string;
  sandbox: string;
  /**
   * Origins of the login URLs the operator configured (the emulator's when it runs): a custom
   * domain equal to one is accepted as it is, plain http on this machine included.
   */
  trustedOrigins: string[];
  /** The operator's extra login host names (FERRY_SALESFORCE_LOGIN_HOSTS): exact, or `*.suffix`. */
  allowedHosts: string[];
}

export const SALESFORCE_LOGIN_HOSTS: LoginHostDirectory = {
  production: "https://login.salesforce.com",
  sandbox: "https://test.salesforce.com",
  trustedOrigins: [],
  allowedHosts: [],
};

export class LoginHostError extends Error {}

const SALESFORCE_HOSTS = new Set(["login.salesforce.com", "test.salesforce.com"]);
// My Domain login hosts: acme.my.salesforce.com, acme--dev.sandbox.my.salesforce.com, acme.develop.my.salesforce.com …
const MY_DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+my\.salesforce\.com$/;

function allowedByOperator(hostname: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    return e.startsWith("*.") ? hostname.endsWith(e.slice(1)) && hostname.length > e.length - 1 : hostname === e;
  });
}

/**
 * Turns "acme.my.salesforce.com" or "https://acme.my.salesforce.com/" into an origin, or says what
 * is wrong. Only Salesforce's login hosts, the operator's allow-list and the configured login URLs
 * pass; where the name leads is checked again on the address connected to (sync's egress guard).
 */
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
  const configured = directory.trustedOrigins.map((o) => new URL(o).origin);
  if (configured.includes(url.origin)) return url.origin;
  if (url.protocol !== "https:") throw new LoginHostError("Salesforce login domains use https; enter the domain like acme.my.salesforce.com, without http://.");
  const host = url.hostname;
  if (!SALESFORCE_HOSTS.has(host) && !MY_DOMAIN.test(host) && !allowedByOperator(host, directory.allowedHosts)) {
    throw new LoginHostError(
      `${host} is not a Salesforce login host. Enter your org's My Domain (like acme.my.salesforce.com or acme--dev.sandbox.my.salesforce.com), or leave the field empty to use login.salesforce.com.`,
    );
  }
  if (url.port) throw new LoginHostError("Enter the domain without a port, like acme.my.salesforce.com.");
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
