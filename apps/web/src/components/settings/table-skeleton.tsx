import { Skeleton } from "@/components/ui/skeleton";

export function TableSkeleton({ rows = 3, columns = 3 }: { rows?: number; columns?: number }) {
  return (
    <div className="grid gap-3 px-6 pb-6" aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, row) => (
        <div key={row} className="flex items-center gap-4">
          {Array.from({ length: columns }, (_, column) => (
            <Skeleton key={column} className={column === 0 ? "h-8 flex-[2]" : "h-5 flex-1"} />
          ))}
        </div>
      ))}
    </div>
  );
}
