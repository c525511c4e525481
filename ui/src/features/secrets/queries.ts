//! TanStack Query keys and hooks for secrets. Values are never cached here: reveal and copy fetch
//! them on demand and keep them in component state only while shown.
import {
  keepPreviousData,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { describeSecret, listSecrets, listVersions } from "@/ipc";
import { toListSecretsRequest, type ListControls } from "./filters";

export const secretKeys = {
  all: ["secrets"] as const,
  list: (c: ListControls) => ["secrets", "list", c] as const,
  detail: (id: string) => ["secrets", "detail", id] as const,
  versions: (id: string, deprecated: boolean) => ["secrets", "versions", id, deprecated] as const,
  diff: (id: string, from: string, to: string, reveal: boolean) =>
    ["secrets", "diff", id, from, to, reveal] as const,
};

/** Pages of the list, fetched as the table scrolls (AWS pages hold at most 100 secrets). */
export function useSecretPages(controls: ListControls) {
  return useInfiniteQuery({
    queryKey: secretKeys.list(controls),
    queryFn: ({ pageParam }) => listSecrets(toListSecretsRequest(controls, pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextToken ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useSecretDetail(secretId: string) {
  return useQuery({
    queryKey: secretKeys.detail(secretId),
    queryFn: () => describeSecret(secretId),
  });
}

export function useVersions(secretId: string, includeDeprecated: boolean) {
  return useQuery({
    queryKey: secretKeys.versions(secretId, includeDeprecated),
    queryFn: () => listVersions(secretId, includeDeprecated),
    placeholderData: keepPreviousData,
  });
}

/** After any change to secrets: refetch lists, details and versions (not diffs of old pairs). */
export function useInvalidateSecrets() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: secretKeys.all });
}
