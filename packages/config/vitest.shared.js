/**
 * Test options every package's Vitest config starts from.
 *
 * `isolate: false`: a worker process runs its test files one after another on the modules it has
 * already loaded, instead of a fresh process per file. Loading the workspace (drizzle, jsforce,
 * gRPC, tRPC, PGlite's WebAssembly) cost 1–2 s of CPU a file, a quarter to a half of a package's
 * CPU time, and CI runs every suite side by side on two cores. Each file still makes its own
 * databases, tenants, emulators and servers and closes them. A package whose tests time their own
 * code to the millisecond may keep a process per file (the emulator's does).
 *
 * @type {import("vitest/config").TestUserConfig}
 */
export const sharedTestOptions = { isolate: false };
