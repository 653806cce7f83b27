"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { AuthHeading } from "@/components/auth/auth-frame";
import { useRedirectIfSignedIn } from "@/components/auth/redirect-if-signed-in";
import { SignUpForm } from "@/components/auth/sign-up-form";

export function SignUpPage() {
  const router = useRouter();
  useRedirectIfSignedIn("/salesforce");
  return (
    <>
      <AuthHeading title="Create your Ferry account" description="Set up your company's workspace and connect Salesforce next." />
      <SignUpForm withCompany onSignedUp={() => router.replace("/salesforce")} />
      <p className="mt-8 text-center text-sm text-muted-foreground">
        Already have an account?{" "}
        <Link href="/sign-in" className="font-medium text-primary underline-offset-4 hover:underline">
          Sign in
        </Link>
      </p>
    </>
  );
}
