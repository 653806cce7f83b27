import { DEFAULT_OAUTH_CLIENT } from "@ferry/salesforce-emulator";
import { SALESFORCE_LOGIN_HOSTS, type LoginHostDirectory, type SalesforceRuntime, type SyncJobSender } from "@ferry/services";
import type { DemoEmulator } from "./demo-emulator";
import type { WebEnv } from "./env";

export const SALESFORCE_CALLBACK_PATH = "/api/salesforce/oauth/callback";

const isLoopbackHttp = (url: string | undefined) => Boolean(url && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?/.test(url));

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
    // Plain http on this machine only ever means an emulator; never for Salesforce itself.
    allowLoopbackHttp: Boolean(emulator) || isLoopbackHttp(env.FERRY_SALESFORCE_LOGIN_URL) || isLoopbackHttp(env.FERRY_SALESFORCE_SANDBOX_LOGIN_URL),
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
      ? { loginUrl: emulator.handle.loginUrl, sandboxLoginUrl: emulator.handle.sandboxLoginUrl, users: emulator.handle.users.map((u) => ({ ...u })), oauth: Boolean(client) }
      : undefined,
  };
}
