"use client";

import { useState, type ReactNode } from "react";
import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext, createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import type { AppRouter } from "@ferry/api";
import { errorCode } from "./errors";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

// Errors that a retry cannot fix.
const FINAL_CODES = new Set(["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "BAD_REQUEST", "CONFLICT", "UNPROCESSABLE_CONTENT", "TOO_MANY_REQUESTS"]);

function makeClients() {
  const trpcClient = createTRPCClient<AppRouter>({
    // The server refuses batches of more than 20 procedures (MAX_TRPC_BATCH in src/server/request-guard.ts).
    links: [httpBatchLink({ url: "/api/trpc", transformer: superjson, maxItems: 20 })],
  });
  const queryClient: QueryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        retry: (failures, error) => !FINAL_CODES.has(errorCode(error) ?? "") && failures < 2,
      },
      mutations: { retry: false },
    },
    queryCache: new QueryCache({
      onError(error) {
        // A session that ended (idle or absolute timeout, signed out elsewhere) surfaces here first;
        // re-reading "me" lets the admin layout send the person to sign-in.
        if (errorCode(error) === "UNAUTHORIZED") {
          void queryClient.invalidateQueries({ queryKey: proxy.account.me.queryKey() });
        }
      },
    }),
  });
  const proxy = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });
  return { trpcClient, queryClient };
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [{ trpcClient, queryClient }] = useState(makeClients);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
