"use client";

import { createAuthClient } from "better-auth/react";

/**
 * better-auth on the same origin, under /api/auth. Only sign-in, sign-out, revoke-sessions,
 * get-session and verify-email are served there (packages/auth door.ts); tenant and member changes
 * go through tRPC.
 */
export const authClient = createAuthClient();
