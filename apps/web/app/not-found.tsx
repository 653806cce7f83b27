import type { Metadata } from "next";
import Link from "next/link";
import { Compass } from "lucide-react";
import { BrandMark } from "@/components/brand";
import { Button } from "@/components/ui/button";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-6 text-center">
      <BrandMark className="size-10" />
      <p className="mt-8 flex items-center gap-2 text-sm font-medium text-primary">
        <Compass className="size-4" aria-hidden /> 404
      </p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">This page does not exist</h1>
      <p className="mt-2 text-sm text-muted-foreground">Check the address, or head back to the portal.</p>
      <Button asChild className="mt-8">
        <Link href="/">Back to Ferry</Link>
      </Button>
    </main>
  );
}
