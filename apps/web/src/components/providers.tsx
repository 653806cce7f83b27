"use client";

import type { ReactNode } from "react";
import { TRPCReactProvider } from "@/lib/trpc";
import { Toaster } from "@/components/ui/toast";
import { TooltipProvider } from "@/components/ui/tooltip";

export function Providers({ children }: { children: ReactNode }) {
  return (
    <TRPCReactProvider>
      <TooltipProvider delayDuration={250}>
        {children}
        <Toaster />
      </TooltipProvider>
    </TRPCReactProvider>
  );
}
