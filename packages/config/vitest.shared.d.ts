import type { TestUserConfig } from "vitest/config";

export declare const sharedTestOptions: TestUserConfig;
