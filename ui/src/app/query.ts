//! One QueryClient for the app. A `Locked`/`Sealed` error from any command means the session
//! changed under us (auto-lock, another window): refetch the store status so the gate shows the
//! unlock screen instead of a broken page.
import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { hasCode } from "@/ipc";

export const sessionQueryKey = ["session", "status"] as const;

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (err) => {
        if (hasCode(err, "Locked", "Sealed", "NoStore")) {
          void client.invalidateQueries({ queryKey: sessionQueryKey });
        }
      },
    }),
    mutationCache: new MutationCache({
      onError: (err) => {
        if (hasCode(err, "Locked", "Sealed", "NoStore")) {
          void client.invalidateQueries({ queryKey: sessionQueryKey });
        }
      },
    }),
    defaultOptions: {
      queries: {
        // A failed local command will fail again; show the error instead of retrying.
        retry: false,
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
    },
  });
  return client;
}
