import type { Metadata } from "next";
import { Suspense } from "react";
import { AuthFrame } from "@/components/auth/auth-frame";
import { InvitePage } from "./invite-page";

export const metadata: Metadata = { title: "Invitation" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <AuthFrame>
      <Suspense>
        <InvitePage invitationId={id} />
      </Suspense>
    </AuthFrame>
  );
}
