"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Clock } from "lucide-react";
import { AuthHeading } from "@/components/auth/auth-frame";
import { useRedirectIfSignedIn } from "@/components/auth/redirect-if-signed-in";
import { SignInForm } from "@/components/auth/sign-in-form";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { safeNextPath } from "@/lib/navigation";

export function SignInPage() {
  const router = useRouter();
  const params = useSearchParams();
  const next = safeNextPath(params.get("next"));
  useRedirectIfSignedIn(next);
  const expired = params.get("reason") === "expired";

  return (
    <>
      <AuthHeading title="Sign in to Ferry" description="Welcome back. Enter your details to continue." />
      {expired ? (
        <Alert variant="info" className="mb-6">
          <Clock aria-hidden />
          <AlertDescription>Your session ended. Sign in again to continue.</AlertDescription>
        </Alert>
      ) : null}
      <SignInForm onSignedIn={() => router.replace(next)} />
      <p className="mt-8 text-center text-sm text-muted-foreground">
        New to Ferry?{" "}
        <Link href="/sign-up" className="font-medium text-primary underline-offset-4 hover:underline">
          Create an account
        </Link>
      </p>
    </>
  );
}
