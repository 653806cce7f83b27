import type { Logger } from "@ferry/observability";

export interface DemoEmulator {
  url: string;
  describe(): string[];
  stop(): Promise<void>;
}

/** The built-in Salesforce emulator for the demo tenant (packages/salesforce-emulator). */
export async function startDemoEmulator(port: number, logger: Logger): Promise<DemoEmulator | undefined> {
  const emulatorModule = (await import("@ferry/salesforce-emulator").catch(() => undefined)) as
    | { startEmulator?: (options: { port: number }) => Promise<{ url: string; stop(): Promise<void> }> }
    | undefined;
  if (!emulatorModule?.startEmulator) {
    logger.warn("the Salesforce emulator package is not available in this build");
    return undefined;
  }
  const emulator = await emulatorModule.startEmulator({ port });
  return {
    url: emulator.url,
    describe: () => [`Salesforce emulator: ${emulator.url}`],
    stop: () => emulator.stop(),
  };
}
