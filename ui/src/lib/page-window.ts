//! A long list fetched a page at a time by token, holding only a window of pages in memory.
//! The webview grows ~22 KB per loaded row (measured on the secrets list in the real app), so a
//! list that kept every page fetched while scrolling through 100,000 items would take gigabytes.
//! The window keeps the pages near the view; pages further away are dropped and fetched again by
//! their token when they come back into view. Used by the secrets list and the audit log.
import * as React from "react";
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQueryClient,
  type InfiniteData,
  type QueryKey,
} from "@tanstack/react-query";

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
 * it goes away with the query (new filters make a new query and a new map) and survives the
 * list being unmounted while its cached window stays.
 */
export interface PageParam {
  index: number;
  token: string | null;
  starts: PageStarts;
}

export type WindowData<Page> = InfiniteData<Page, PageParam>;

/**
 * The loaded part of the list and how to move it. `rows` are rows `firstRow …` of the whole
 * list; the rows before them are known to exist (they have been loaded before) but are not in
 * memory. One load runs at a time (`busy`), so a load in one direction never cancels another.
 */
export interface PageWindow<Row> {
  rows: Row[];
  firstRow: number;
  pageSize: number;
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

export interface PageWindowOptions<Page, Row> {
  queryKey: QueryKey;
  /** Fetches the page that `token` starts (`null`: the first). */
  fetchPage: (token: string | null) => Promise<Page>;
  /** The token of the page after `page`, if any. */
  nextTokenOf: (page: Page) => string | null;
  /** The rows of a page. Must be stable (defined once, outside the component). */
  rowsOf: (page: Page) => Row[];
  /** Rows in every page but the last. */
  pageSize: number;
  /** How many pages stay in memory. */
  maxPages: number;
}

/**
 * The list, fetched a page at a time as its table scrolls, holding at most `maxPages` pages.
 * `seat` is a mutation only in that it replaces the cached pages; it reads, and its errors
 * should show like the query's. New filters (a new key) keep the old rows on screen, marked
 * busy, until the new list's first page arrives.
 */
export function usePageWindow<Page, Row>({
  queryKey,
  fetchPage,
  nextTokenOf,
  rowsOf,
  pageSize,
  maxPages,
}: PageWindowOptions<Page, Row>) {
  const client = useQueryClient();

  /** Fetches one page and notes where the page after it starts. */
  const fetchAt = async (param: PageParam): Promise<Page> => {
    const page = await fetchPage(param.token);
    param.starts.set(param.index, param.token);
    const next = nextTokenOf(page);
    if (next) param.starts.set(param.index + 1, next);
    return page;
  };

  const query = useInfiniteQuery<Page, Error, WindowData<Page>, QueryKey, PageParam>({
    queryKey,
    queryFn: ({ pageParam }) => fetchAt(pageParam),
    initialPageParam: { index: 0, token: null, starts: new Map() },
    getNextPageParam: (last, _pages, lastParam): PageParam | undefined => {
      const token = nextTokenOf(last);
      return token ? { index: lastParam.index + 1, token, starts: lastParam.starts } : undefined;
    },
    getPreviousPageParam: (_first, _pages, firstParam): PageParam | undefined => {
      const index = firstParam.index - 1;
      if (index < 0 || !firstParam.starts.has(index)) return undefined;
      return { index, token: firstParam.starts.get(index) ?? null, starts: firstParam.starts };
    },
    maxPages,
    placeholderData: keepPreviousData,
  });

  const seat = useMutation({
    mutationFn: async (index: number) => {
      const starts: PageStarts =
        client.getQueryData<WindowData<Page>>(queryKey)?.pageParams[0]?.starts ?? new Map();
      const param: PageParam = starts.has(index)
        ? { index, token: starts.get(index) ?? null, starts }
        : { index: 0, token: null, starts };
      // A load or refetch still running would put the old pages back when it lands.
      await client.cancelQueries({ queryKey, exact: true });
      const page = await fetchAt(param);
      client.setQueryData<WindowData<Page>>(queryKey, { pages: [page], pageParams: [param] });
    },
  });

  const { data, fetchNextPage, fetchPreviousPage } = query;
  const { mutate: seatMutate } = seat;
  const rows = React.useMemo(() => data?.pages.flatMap(rowsOf) ?? [], [data, rowsOf]);
  const loadPrevious = React.useCallback(() => void fetchPreviousPage(), [fetchPreviousPage]);
  const loadNext = React.useCallback(() => void fetchNextPage(), [fetchNextPage]);
  const seatAt = React.useCallback((index: number) => seatMutate(index), [seatMutate]);
  const listWindow: PageWindow<Row> = {
    rows,
    firstRow: (data?.pageParams[0]?.index ?? 0) * pageSize,
    pageSize,
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

/**
 * Brings the rows in view (`top` … `bottom`, positions in the whole list; the row just after
 * the loaded ones is the table's loader row) into memory, one page at a time. A view that does
 * not even reach the page before the loaded ones (a jump up) loads its own page instead of
 * walking back to it.
 */
export function useFillWindow(
  list: PageWindow<unknown>,
  top: number | undefined,
  bottom: number | undefined,
) {
  const { firstRow, rows, pageSize, busy, hasPreviousPage, hasNextPage } = list;
  const { seat, loadPrevious, loadNext } = list;
  const end = firstRow + rows.length;
  React.useEffect(() => {
    if (top === undefined || bottom === undefined || busy) return;
    if (bottom < firstRow - pageSize) seat(Math.floor(bottom / pageSize));
    else if (top < firstRow && hasPreviousPage) loadPrevious();
    else if (bottom >= end && hasNextPage) loadNext();
  }, [
    top,
    bottom,
    busy,
    firstRow,
    end,
    pageSize,
    hasPreviousPage,
    hasNextPage,
    seat,
    loadPrevious,
    loadNext,
  ]);
}
