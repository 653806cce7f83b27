"use client";

import Link from "next/link";
import { Activity } from "lucide-react";
import { useRun } from "./run-store";
import { Button } from "@/components/ui/button";

/** Mounted on the Salesforce page: once a sync exists, the way to watch it. */
export function SyncProgressLink() {
  const { run } = useRun();
  if (!run) return null;
  return (
    <Button asChild variant="outline">
      <Link href="/salesforce/progress">
        <Activity aria-hidden />
        Sync progress
      </Link>
    </Button>
  );
}
