"use client";

import Link from "next/link";
import { Activity } from "lucide-react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";

/** Mounted on the Salesforce page: once a sync exists, the way to watch it. */
export function SyncProgressLink() {
  const trpc = useTRPC();
  const current = useQuery(trpc.syncStatus.currentRun.queryOptions());
  if (!current.data?.run) return null;
  return (
    <Button asChild variant="outline">
      <Link href="/salesforce/progress">
        <Activity aria-hidden />
        Sync progress
      </Link>
    </Button>
  );
}
