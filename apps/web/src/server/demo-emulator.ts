import { startEmulator, type EmulatorHandle } from "@ferry/salesforce-emulator";

export interface DemoEmulator {
  handle: EmulatorHandle;
  describe(): string[];
  stop(): Promise<void>;
}

/** The built-in Salesforce org the demo tenant connects to (no Salesforce account needed). */
export async function startDemoEmulator(port: number): Promise<DemoEmulator> {
  const handle = await startEmulator({ port, host: "127.0.0.1", controlApi: false });
  return {
    handle,
    describe: () => [
      `Salesforce emulator: ${handle.loginUrl} (sandbox: ${handle.sandboxLoginUrl})`,
      ...handle.users.map((u) => `    ${u.username} / password ${u.password} / security token ${u.securityToken}`),
    ],
    stop: () => handle.stop(),
  };
}
