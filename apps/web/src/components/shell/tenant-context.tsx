"use client";

import { createContext, useContext } from "react";
import type { Me, TenantRole } from "@/lib/session";

export interface ActiveTenant {
  id: string;
  name: string;
  slug: string;
  role: TenantRole;
}

interface TenantContextValue {
  me: Me;
  tenant: ActiveTenant;
}

export const TenantContext = createContext<TenantContextValue | null>(null);

/** The signed-in person and the tenant the admin pages are showing; only inside the admin shell. */
export function useActiveTenant(): TenantContextValue {
  const value = useContext(TenantContext);
  if (!value) throw new Error("useActiveTenant is only available inside the admin shell with an active tenant.");
  return value;
}
