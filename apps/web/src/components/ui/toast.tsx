"use client";

import * as React from "react";
import { Toast as ToastPrimitive } from "radix-ui";
import { CircleCheck, CircleX, Info, X } from "lucide-react";
import { cn } from "@/lib/utils";

type Tone = "success" | "error" | "info";
interface Notice {
  id: number;
  tone: Tone;
  title: string;
  description?: string | undefined;
}

// A module-level store so any component (or mutation callback) can raise a notice without a context.
let notices: Notice[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((listener) => listener());

function push(tone: Tone, title: string, description?: string) {
  notices = [...notices.slice(-3), { id: nextId++, tone, title, description }];
  emit();
}

function dismiss(id: number) {
  notices = notices.filter((notice) => notice.id !== id);
  emit();
}

export const toast = {
  success: (title: string, description?: string) => push("success", title, description),
  error: (title: string, description?: string) => push("error", title, description),
  info: (title: string, description?: string) => push("info", title, description),
};

const icons = { success: CircleCheck, error: CircleX, info: Info } as const;
const iconTone = { success: "text-success", error: "text-destructive", info: "text-primary" } as const;

export function Toaster() {
  const items = React.useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => notices,
    () => notices,
  );
  return (
    <ToastPrimitive.Provider swipeDirection="right" duration={5000}>
      {items.map((notice) => {
        const Icon = icons[notice.tone];
        return (
          <ToastPrimitive.Root
            key={notice.id}
            type={notice.tone === "error" ? "foreground" : "background"}
            duration={notice.tone === "error" ? 8000 : 5000}
            onOpenChange={(open) => {
              if (!open) dismiss(notice.id);
            }}
            className={cn(
              "group pointer-events-auto relative flex w-full items-start gap-3 rounded-lg border bg-popover p-4 pr-10 text-popover-foreground shadow-lg",
              "data-[state=open]:animate-toast-in data-[swipe=move]:translate-x-(--radix-toast-swipe-move-x) data-[swipe=end]:translate-x-(--radix-toast-swipe-end-x)",
            )}
          >
            <Icon className={cn("mt-0.5 size-4 shrink-0", iconTone[notice.tone])} aria-hidden />
            <div className="grid gap-1">
              <ToastPrimitive.Title className="text-sm font-medium">{notice.title}</ToastPrimitive.Title>
              {notice.description ? (
                <ToastPrimitive.Description className="text-sm text-muted-foreground">{notice.description}</ToastPrimitive.Description>
              ) : null}
            </div>
            <ToastPrimitive.Close
              aria-label="Dismiss"
              className="absolute top-3 right-3 rounded-sm p-1 text-muted-foreground opacity-70 hover:opacity-100 focus-visible:ring-[3px] focus-visible:ring-ring/40 focus-visible:outline-none"
            >
              <X className="size-3.5" aria-hidden />
            </ToastPrimitive.Close>
          </ToastPrimitive.Root>
        );
      })}
      <ToastPrimitive.Viewport className="fixed right-0 bottom-0 z-[100] m-0 flex w-full max-w-sm list-none flex-col gap-2 p-4 outline-none sm:p-6" />
    </ToastPrimitive.Provider>
  );
}
