import { cn } from "@/lib/utils";

/** Ferry's mark: a hull over two waves. */
export function BrandMark({ className }: { className?: string }) {
  return (
    <span
      className={cn(
        "inline-flex size-8 shrink-0 items-center justify-center rounded-lg bg-gradient-to-br from-[oklch(0.62_0.17_250)] to-[oklch(0.48_0.2_268)] text-white shadow-sm ring-1 ring-white/10",
        className,
      )}
      aria-hidden
    >
      <svg viewBox="0 0 24 24" className="size-[60%]" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d="M4 11h16l-2.2 4.2a2 2 0 0 1-1.8 1.1H8a2 2 0 0 1-1.8-1.1L4 11Z" fill="currentColor" fillOpacity="0.25" />
        <path d="M9 11V7.5h6V11" />
        <path d="M3 20c1.5 0 1.5-1 3-1s1.5 1 3 1 1.5-1 3-1 1.5 1 3 1 1.5-1 3-1 1.5 1 3 1" />
      </svg>
    </span>
  );
}

export function BrandName({ className }: { className?: string }) {
  return <span className={cn("text-[15px] font-semibold tracking-tight", className)}>Ferry</span>;
}
