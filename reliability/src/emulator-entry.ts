// The Salesforce emulator in a process of its own, so the load test's clients do not share its event loop.
import { startEmulator, type EmulatorOptions } from "@ferry/salesforce-emulator";

const options = JSON.parse(process.env.RELIABILITY_EMULATOR ?? "{}") as EmulatorOptions;
const emu = await startEmulator({ port: 0, seed: 7, ...options });
process.stdout.write(`${JSON.stringify({ url: emu.url, loginUrl: emu.loginUrl, users: emu.users })}\n`);
process.once("SIGTERM", () => void emu.stop().then(() => process.exit(0)));
