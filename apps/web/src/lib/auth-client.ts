"use client";

import { createAuthClient } from "better-auth/react";
import { adminClient, organizationClient } from "better-auth/client/plugins";

/** better-auth on the same origin, under /api/auth. */
export const authClient = createAuthClient({
  plugins: [organizationClient(), adminClient()],
});
