import type { ReactNode } from "react";
import { Activity, Eye, ShieldCheck } from "lucide-react";
import { BrandMark, BrandName } from "@/components/brand";

const points = [
  { icon: Eye, title: "See it before it happens", text: "Preview fields and mappings before anything is created for good." },
  { icon: Activity, title: "Watch it happen live", text: "Per-object progress of every sync, for everyone on your team at once." },
  { icon: ShieldCheck, title: "Trust it when things go wrong", text: "Every failure kept with Salesforce's own code and a clear way to retry." },
];

/** The two-column frame of the sign-in, sign-up and invitation pages. */
export function AuthFrame({ children }: { children: ReactNode }) {
  return (
    <div className="grid min-h-dvh lg:grid-cols-[minmax(0,1fr)_minmax(0,1.1fr)]">
      <aside className="relative hidden overflow-hidden bg-sidebar text-sidebar-foreground lg:flex lg:flex-col lg:justify-between lg:p-12">
        <div
          aria-hidden
          className="pointer-events-none absolute inset-0 bg-[radial-gradient(60rem_40rem_at_-10%_-10%,oklch(0.5_0.19_262/0.35),transparent_60%),radial-gradient(40rem_30rem_at_110%_110%,oklch(0.55_0.15_200/0.25),transparent_60%)]"
        />
        <div className="relative flex items-center gap-2.5 text-white">
          <BrandMark />
          <BrandName className="text-base" />
        </div>
        <div className="relative max-w-md">
          <h2 className="text-3xl leading-tight font-semibold tracking-tight text-white">Salesforce sync you can see.</h2>
          <ul className="mt-10 grid gap-7">
            {points.map(({ icon: Icon, title, text }) => (
              <li key={title} className="flex gap-4">
                <span className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-white/8 ring-1 ring-white/10">
                  <Icon className="size-4 text-[oklch(0.8_0.1_250)]" aria-hidden />
                </span>
                <div>
                  <p className="font-medium text-white">{title}</p>
                  <p className="mt-1 text-sm leading-relaxed text-sidebar-muted">{text}</p>
                </div>
              </li>
            ))}
          </ul>
        </div>
        <p className="relative text-xs text-sidebar-muted">© Ferry</p>
      </aside>
      <main className="flex flex-col items-center justify-center px-4 py-12 sm:px-8">
        <div className="mb-8 flex items-center gap-2.5 lg:hidden">
          <BrandMark />
          <BrandName className="text-base" />
        </div>
        <div className="w-full max-w-sm">{children}</div>
      </main>
    </div>
  );
}

export function AuthHeading({ title, description }: { title: string; description?: ReactNode }) {
  return (
    <div className="mb-8">
      <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
      {description ? <p className="mt-2 text-sm text-muted-foreground">{description}</p> : null}
    </div>
  );
}
