"use client";

import { useState } from "react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, Clock, LinkIcon, LogOut, MailCheck } from "lucide-react";
import { authClient } from "@/lib/auth-client";
import { errorInfo } from "@/lib/errors";
import { useMe, type Me } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";
import { AuthHeading } from "@/components/auth/auth-frame";
import { SignInForm } from "@/components/auth/sign-in-form";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { RoleBadge } from "@/components/settings/role-badge";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";

export function InvitePage({ invitationId }: { invitationId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const me = useMe();
  const invitation = useQuery(trpc.invitation.view.queryOptions({ invitationId }, { staleTime: 0 }));
  const [signingOut, setSigningOut] = useState(false);
  const mode = useSearchParams().get("mode") === "sign-up" ? "sign-up" : "sign-in";

  const accept = useMutation(
    trpc.invitation.accept.mutationOptions({
      async onSuccess(result) {
        const meKey = trpc.account.me.queryKey();
        await queryClient.invalidateQueries({ queryKey: meKey });
        // The session now points at the new tenant; nothing cached from another tenant may show.
        await queryClient.resetQueries({ predicate: (query) => JSON.stringify(query.queryKey) !== JSON.stringify(meKey) });
        toast.success(`Welcome to ${result.tenantName}`);
        router.replace("/salesforce");
      },
    }),
  );

  async function signOut() {
    setSigningOut(true);
    await authClient.signOut();
    await queryClient.invalidateQueries({ queryKey: trpc.account.me.queryKey() });
    setSigningOut(false);
  }

  if (invitation.isPending || me.isPending) return <InviteSkeleton />;

  if (invitation.isError) {
    return (
      <Problem icon={LinkIcon} title="This link does not work" text={errorInfo(invitation.error).message}>
        <Button asChild variant="outline">
          <Link href="/sign-in">Go to sign in</Link>
        </Button>
      </Problem>
    );
  }

  const view = invitation.data;
  const signedIn: Me | null = me.data ?? null;

  if (!view.usable && !accept.isSuccess) {
    const text = view.expired
      ? "This invitation has expired. Ask an admin to invite you again."
      : view.status === "accepted"
        ? "This invitation has already been accepted."
        : "This invitation was withdrawn. Ask an admin to invite you again.";
    return (
      <Problem icon={Clock} title={`Invitation to ${view.tenantName}`} text={text}>
        <Button asChild variant="outline">
          <Link href={signedIn ? "/salesforce" : "/sign-in"}>{signedIn ? "Go to Ferry" : "Go to sign in"}</Link>
        </Button>
      </Problem>
    );
  }

  const acceptFailure = accept.error ? errorInfo(accept.error).message : undefined;
  const heading = (
    <AuthHeading
      title={`Join ${view.tenantName}`}
      description={
        <>
          {view.inviterName} invited <span className="font-medium text-foreground">{view.email}</span> to {view.tenantName} on Ferry as{" "}
          <RoleBadge role={view.role} />.
        </>
      }
    />
  );

  if (signedIn) {
    const sameEmail = signedIn.user.email.toLowerCase() === view.email.toLowerCase();
    return (
      <>
        {heading}
        {acceptFailure ? (
          <Alert variant="destructive" className="mb-6">
            <CircleAlert aria-hidden />
            <AlertDescription>{acceptFailure}</AlertDescription>
          </Alert>
        ) : null}
        {sameEmail ? (
          <div className="grid gap-4">
            <p className="text-sm text-muted-foreground">
              Signed in as <span className="font-medium text-foreground">{signedIn.user.email}</span>.
            </p>
            <Button size="lg" className="w-full" pending={accept.isPending || accept.isSuccess} onClick={() => accept.mutate({ invitationId })}>
              {accept.isPending || accept.isSuccess ? null : <MailCheck aria-hidden />}
              Accept invitation
            </Button>
          </div>
        ) : (
          <div className="grid gap-4">
            <Alert variant="warning">
              <CircleAlert aria-hidden />
              <AlertTitle>This invitation is for someone else</AlertTitle>
              <AlertDescription>
                You are signed in as {signedIn.user.email}, but the invitation is for {view.email}. Sign out, then sign in or create an account with{" "}
                {view.email}.
              </AlertDescription>
            </Alert>
            <Button variant="outline" size="lg" className="w-full" pending={signingOut} onClick={() => void signOut()}>
              {signingOut ? null : <LogOut aria-hidden />}
              Sign out
            </Button>
          </div>
        )}
      </>
    );
  }

  // Signed out: sign in (or create an account) first, then accept on the signed-in view above.
  const linkClass = "font-medium text-primary underline-offset-4 hover:underline";
  return (
    <>
      {heading}
      {mode === "sign-up" ? (
        <>
          <SignUpForm withCompany={false} defaultEmail={view.email} />
          <p className="mt-8 text-center text-sm text-muted-foreground">
            Already have an account?{" "}
            <Link href={`/invite/${invitationId}`} replace scroll={false} className={linkClass}>
              Sign in
            </Link>
          </p>
        </>
      ) : (
        <>
          <SignInForm defaultEmail={view.email} />
          <p className="mt-8 text-center text-sm text-muted-foreground">
            New to Ferry?{" "}
            <Link href={`/invite/${invitationId}?mode=sign-up`} replace scroll={false} className={linkClass}>
              Create an account
            </Link>
          </p>
        </>
      )}
    </>
  );
}

function Problem({ icon: Icon, title, text, children }: { icon: typeof Clock; title: string; text: string; children?: React.ReactNode }) {
  return (
    <div className="text-center">
      <span className="mx-auto flex size-12 items-center justify-center rounded-full bg-muted">
        <Icon className="size-5 text-muted-foreground" aria-hidden />
      </span>
      <h1 className="mt-5 text-xl font-semibold tracking-tight">{title}</h1>
      <p className="mt-2 text-sm text-muted-foreground">{text}</p>
      {children ? <div className="mt-6 flex justify-center">{children}</div> : null}
    </div>
  );
}

function InviteSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading invitation">
      <Skeleton className="h-8 w-56" />
      <Skeleton className="mt-3 h-4 w-full" />
      <Skeleton className="mt-2 h-4 w-2/3" />
      <Skeleton className="mt-8 h-9 w-full" />
      <div className="mt-6 grid gap-5">
        <Skeleton className="h-14 w-full" />
        <Skeleton className="h-14 w-full" />
        <Skeleton className="h-10 w-full" />
      </div>
    </div>
  );
}
