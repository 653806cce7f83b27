import { DEFAULT_OAUTH_CLIENT } from "@ferry/salesforce-emulator";
import { SALESFORCE_LOGIN_HOSTS, type LoginHostDirectory, type SalesforceRuntime, type SyncJobSender } from "@ferry/services";
import type { DemoEmulator } from "./demo-emulator";
import type { WebEnv } from "./env";

export const SALESFORCE_CALLBACK_PATH = "/api/salesforce/oauth/callback";

/**
 * The Salesforce side of the web runtime. With the built-in emulator running, both login hosts
 * and the OAuth app are the emulator's, and its sign-in details are shown on the Salesforce page;
 * otherwise Salesforce's own hosts and the connected app from the environment are used.
 */
export function salesforceSettings(
  env: WebEnv,
  masterKey: string,
  emulator: DemoEmulator | undefined,
  send: SyncJobSender,
): Omit<SalesforceRuntime, "gateway"> {
  const hosts: LoginHostDirectory = {
    production: env.FERRY_SALESFORCE_LOGIN_URL ?? emulator?.handle.loginUrl ?? SALESFORCE_LOGIN_HOSTS.production,
    sandbox: env.FERRY_SALESFORCE_SANDBOX_LOGIN_URL ?? emulator?.handle.sandboxLoginUrl ?? SALESFORCE_LOGIN_HOSTS.sandbox,
    // Only what the operator configured (or the emulator this process runs) may be on this machine or network.
    trustedOrigins: [env.FERRY_SALESFORCE_LOGIN_URL, env.FERRY_SALESFORCE_SANDBOX_LOGIN_URL, emulator?.handle.loginUrl, emulator?.handle.sandboxLoginUrl]
      .filter((url): url is string => Boolean(url))
      .map((url) => new URL(url).origin),
    allowedHosts: env.FERRY_SALESFORCE_LOGIN_HOSTS,
  };
  const redirectUri = `${env.publicUrl}${SALESFORCE_CALLBACK_PATH}`;
  const client =
    env.FERRY_SALESFORCE_CLIENT_ID && env.FERRY_SALESFORCE_CLIENT_SECRET
      ? { clientId: env.FERRY_SALESFORCE_CLIENT_ID, clientSecret: env.FERRY_SALESFORCE_CLIENT_SECRET }
      : emulator
        ? { clientId: DEFAULT_OAUTH_CLIENT.clientId, clientSecret: DEFAULT_OAUTH_CLIENT.clientSecret }
        : undefined;
  return {
    masterKey,
    hosts,
    oauth: client ? { ...client, redirectUri } : undefined,
    enqueueInitialSync: (payload) => send("sync.initial", payload),
    enqueueSync: send,
    demo: emulator
      ? {
          loginUrl: emulator.handle.loginUrl,
          sandboxLoginUrl: emulator.handle.sandboxLoginUrl,
          users: emulator.handle.users.map((u) => ({ ...u })),
          oauth: Boolean(client),
        }
      : undefined,
  };
}
