"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";
import { useMe } from "@/lib/session";

/** On the sign-in and sign-up pages: someone already signed in goes straight to the portal. */
export function useRedirectIfSignedIn(target: string) {
  const router = useRouter();
  const me = useMe();
  const signedIn = Boolean(me.data);
  useEffect(() => {
    if (signedIn) router.replace(target);
  }, [signedIn, router, target]);
}
