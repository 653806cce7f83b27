import type { ReactNode } from "react";

/** One figure of a `<dl>`: its label, the value set large (or as words), and an optional note under it. */
export function Figure({
  label,
  note,
  testId,
  words = false,
  children,
}: {
  label: string;
  note?: ReactNode;
  testId?: string;
  words?: boolean;
  children: ReactNode;
}) {
  return (
    <div>
      <dt className="text-muted-foreground">{label}</dt>
      <dd className={words ? "font-medium" : "text-lg font-semibold tabular-nums"} data-testid={testId}>
        {children}
        {note ? <span className="block text-xs font-normal text-muted-foreground">{note}</span> : null}
      </dd>
    </div>
  );
}
