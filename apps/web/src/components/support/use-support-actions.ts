"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/lib/trpc";

/** Starting or ending support access changes the tenant every page shows: every cached query is re-read. */
export function useEndSupportAccess() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  return useMutation(
    trpc.support.end.mutationOptions({
      onSuccess: async () => {
        await queryClient.resetQueries();
        router.push("/support");
      },
    }),
  );
}

export function useStartSupportAccess() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  return useMutation(
    trpc.support.start.mutationOptions({
      onSuccess: async () => {
        await queryClient.resetQueries();
        router.push("/salesforce");
      },
    }),
  );
}
