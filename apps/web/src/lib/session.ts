"use client";

import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@ferry/api";
import { useTRPC } from "./trpc";

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type Me = NonNullable<RouterOutputs["account"]["me"]>;
export type TenantRole = Me["tenants"][number]["role"];

/** The signed-in person (null when signed out), their tenants and the session's active tenant. */
export function useMe() {
  const trpc = useTRPC();
  return useQuery(trpc.account.me.queryOptions(undefined, { staleTime: 60_000 }));
}

const rank: Record<TenantRole, number> = { viewer: 0, admin: 1, owner: 2 };

export function hasRole(role: TenantRole | undefined, minimum: TenantRole): boolean {
  return role !== undefined && rank[role] >= rank[minimum];
}

export function activeTenantOf(me: Me | null | undefined) {
  if (!me?.activeTenantId) return undefined;
  return me.tenants.find((tenant) => tenant.id === me.activeTenantId);
}

// Set when the person signs out on purpose, so the shell does not call it an expired session.
let signingOut = false;
export function markSigningOut(value = true) {
  signingOut = value;
}
export function isSigningOut() {
  return signingOut;
}
