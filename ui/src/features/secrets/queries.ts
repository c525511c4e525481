//! TanStack Query keys and hooks for secrets. Values are never cached here: reveal and copy fetch
//! them on demand and keep them in component state only while shown.
import * as React from "react";
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
} from "@tanstack/react-query";
import { describeSecret, listSecrets, listVersions, type SecretPage } from "@/ipc";
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
 * How many pages of the list stay in memory (10 × 100 = 1,000 rows). The webview grows ~22 KB
 * per loaded row (measured on the real app), so keeping every page fetched while scrolling
 * through 100,000 secrets would take gigabytes. A thousand rows are dozens of screenfuls, so
 * ordinary scrolling rarely refetches; pages further away are dropped and fetched again by
 * their token when they come back into view.
 */
export const maxListPages = 10;

/**
 * The token that starts each page index of one list, learnt as pages arrive. The engine's
 * nextTokens are stateless (they encode a position in the list, not a server-side cursor), so a
 * page dropped from memory can be fetched again with the token that first fetched it.
 */
export type PageStarts = Map<number, string | null>;

/**
 * Where a page of the list starts: its index (its first row is row `index * pageSize`, since
 * every page but the last is full) and the token that fetches it. `starts` is the one map of
 * the query these params belong to: it lives in the cached data rather than in a component, so
 * it goes away with the query (new controls make a new query and a new map) and survives the
 * list being unmounted while its cached window stays.
 */
export interface ListPageParam {
  index: number;
  token: string | null;
  starts: PageStarts;
}

export type ListData = InfiniteData<SecretPage, ListPageParam>;

/** Fetches one page and notes where the page after it starts. */
async function fetchListPage(controls: ListControls, param: ListPageParam): Promise<SecretPage> {
  const page = await listSecrets(toListSecretsRequest(controls, param.token));
  param.starts.set(param.index, param.token);
  if (page.nextToken) param.starts.set(param.index + 1, page.nextToken);
  return page;
}

/**
 * The loaded part of the list and how to move it. `rows` are rows `firstRow …` of the whole
 * list; the rows before them are known to exist (they have been loaded before) but are not in
 * memory. One load runs at a time (`busy`), so a load in one direction never cancels another.
 */
export interface ListWindow {
  rows: SecretPage["secrets"];
  firstRow: number;
  hasPreviousPage: boolean;
  hasNextPage: boolean;
  busy: boolean;
  /** Fetches the page before the first loaded one (dropping the last when at the cap). */
  loadPrevious: () => void;
  /** Fetches the page after the last loaded one (dropping the first when at the cap). */
  loadNext: () => void;
  /**
   * Replaces the loaded pages by page `index` alone, for a jump (the scrollbar dragged to the
   * top, Home) that would otherwise walk back one page at a time. Every page before the loaded
   * ones has been loaded once, so its token is known (were it not, page 0, which needs none).
   */
  seat: (index: number) => void;
}

/**
 * The list, fetched a page at a time as the table scrolls (AWS pages hold at most 100 secrets),
 * holding at most `maxListPages` pages. `seat` is a mutation only in that it replaces the
 * cached pages; it reads, and its errors show like the query's.
 */
export function useSecretPages(controls: ListControls) {
  const client = useQueryClient();
  const queryKey = secretKeys.list(controls);
  const query = useInfiniteQuery<
    SecretPage,
    Error,
    ListData,
    ReturnType<typeof secretKeys.list>,
    ListPageParam
  >({
    queryKey,
    queryFn: ({ pageParam }) => fetchListPage(controls, pageParam),
    initialPageParam: { index: 0, token: null, starts: new Map() },
    getNextPageParam: (last, _pages, lastParam): ListPageParam | undefined =>
      last.nextToken
        ? { index: lastParam.index + 1, token: last.nextToken, starts: lastParam.starts }
        : undefined,
    getPreviousPageParam: (_first, _pages, firstParam): ListPageParam | undefined => {
      const index = firstParam.index - 1;
      if (index < 0 || !firstParam.starts.has(index)) return undefined;
      return { index, token: firstParam.starts.get(index) ?? null, starts: firstParam.starts };
    },
    maxPages: maxListPages,
    placeholderData: keepPreviousData,
  });

  const seat = useMutation({
    mutationFn: async (index: number) => {
      const starts: PageStarts =
        client.getQueryData<ListData>(queryKey)?.pageParams[0]?.starts ?? new Map();
      const param: ListPageParam = starts.has(index)
        ? { index, token: starts.get(index) ?? null, starts }
        : { index: 0, token: null, starts };
      // A load or refetch still running would put the old pages back when it lands.
      await client.cancelQueries({ queryKey, exact: true });
      const page = await fetchListPage(controls, param);
      client.setQueryData<ListData>(queryKey, { pages: [page], pageParams: [param] });
    },
  });

  const { data, fetchNextPage, fetchPreviousPage } = query;
  const { mutate: seatMutate } = seat;
  const rows = React.useMemo(() => data?.pages.flatMap((p) => p.secrets) ?? [], [data]);
  const loadPrevious = React.useCallback(() => void fetchPreviousPage(), [fetchPreviousPage]);
  const loadNext = React.useCallback(() => void fetchNextPage(), [fetchNextPage]);
  const seatAt = React.useCallback((index: number) => seatMutate(index), [seatMutate]);
  const listWindow: ListWindow = {
    rows,
    firstRow: (data?.pageParams[0]?.index ?? 0) * pageSize,
    hasPreviousPage: query.hasPreviousPage,
    hasNextPage: query.hasNextPage,
    busy:
      query.isPlaceholderData ||
      query.isFetchingNextPage ||
      query.isFetchingPreviousPage ||
      seat.isPending,
    loadPrevious,
    loadNext,
    seat: seatAt,
  };
  return { query, seat, listWindow };
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
