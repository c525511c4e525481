//! TanStack Query keys and hooks for secrets. Values are never cached here: reveal and copy fetch
//! them on demand and keep them in component state only while shown.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  describeSecret,
  listSecrets,
  listVersions,
  type SecretPage,
  type SecretSummary,
} from "@/ipc";
import { usePageWindow, type PageWindow, type WindowData } from "@/lib/page-window";
import { pageSize, toListSecretsRequest, type ListControls } from "./filters";

export const secretKeys = {
  all: ["secrets"] as const,
  list: (c: ListControls) => ["secrets", "list", c] as const,
  detail: (id: string) => ["secrets", "detail", id] as const,
  versions: (id: string, deprecated: boolean) => ["secrets", "versions", id, deprecated] as const,
  diff: (id: string, from: string, to: string, reveal: boolean) =>
    ["secrets", "diff", id, from, to, reveal] as const,
};

/**
 * How many pages of the list stay in memory (10 × 100 = 1,000 rows; see `@/lib/page-window`).
 * A thousand rows are dozens of screenfuls, so ordinary scrolling rarely refetches.
 */
export const maxListPages = 10;

export type ListData = WindowData<SecretPage>;
export type ListWindow = PageWindow<SecretSummary>;

const secretsOf = (page: SecretPage) => page.secrets;

/**
 * The list, fetched a page at a time as the table scrolls (AWS pages hold at most 100 secrets),
 * holding at most `maxListPages` pages.
 */
export function useSecretPages(controls: ListControls) {
  return usePageWindow({
    queryKey: secretKeys.list(controls),
    fetchPage: (token) => listSecrets(toListSecretsRequest(controls, token)),
    nextTokenOf: (page) => page.nextToken,
    rowsOf: secretsOf,
    pageSize,
    maxPages: maxListPages,
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
