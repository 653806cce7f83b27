"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";
import { LoaderCircle } from "lucide-react";
import { useMe } from "@/lib/session";

export default function Home() {
  const router = useRouter();
  const me = useMe();
  useEffect(() => {
    if (me.data) router.replace("/salesforce");
    else if (me.data === null) router.replace("/sign-in");
  }, [me.data, router]);
  return (
    <div className="flex min-h-dvh items-center justify-center" aria-busy="true">
      <LoaderCircle className="size-5 animate-spin text-muted-foreground" aria-label="Loading" />
    </div>
  );
}
