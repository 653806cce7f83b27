import type { Metadata } from "next";
import { SupportTenantPage } from "../support-console";

export const metadata: Metadata = { title: "Tenant · Support console" };

export default async function Page({ params }: { params: Promise<{ tenantId: string }> }) {
  const { tenantId } = await params;
  return <SupportTenantPage tenantId={tenantId} />;
}
