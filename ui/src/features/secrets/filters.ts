//! The list screen's controls turned into a ListSecrets request. Pure, so the mapping (which
//! filter keys exist, how search and sort reach the shell) is unit tested.
import type { Filter, ListSecretsRequest, SortBy, SortOrder } from "@/ipc";

/** ListSecrets filter keys, as AWS names them. */
export const filterKeys = [
  { key: "name", label: "Name" },
  { key: "description", label: "Description" },
  { key: "tag-key", label: "Tag key" },
  { key: "tag-value", label: "Tag value" },
  { key: "primary-region", label: "Primary region" },
  { key: "owning-service", label: "Owning service" },
  { key: "all", label: "Any field" },
] as const;

export type FilterKey = (typeof filterKeys)[number]["key"];

export interface ListControls {
  search: string;
  filters: { key: FilterKey; value: string }[];
  includePlannedDeletion: boolean;
  sortBy: SortBy | null;
  sortOrder: SortOrder;
}

export const initialControls: ListControls = {
  search: "",
  filters: [],
  includePlannedDeletion: false,
  sortBy: "name",
  sortOrder: "asc",
};

/** AWS's largest ListSecrets page. */
export const pageSize = 100;

/**
 * Builds the request for one page. Filters with the same key are merged into one filter with
 * several values (AWS ORs values within a key and ANDs keys); blank values are dropped.
 */
export function toListSecretsRequest(
  c: ListControls,
  nextToken: string | null = null,
): ListSecretsRequest {
  const byKey = new Map<string, string[]>();
  for (const f of c.filters) {
    const v = f.value.trim();
    if (!v) continue;
    const values = byKey.get(f.key) ?? [];
    if (!values.includes(v)) values.push(v);
    byKey.set(f.key, values);
  }
  const filters: Filter[] = [...byKey].map(([key, values]) => ({ key, values }));
  const search = c.search.trim();
  return {
    search: search ? search : null,
    filters,
    includePlannedDeletion: c.includePlannedDeletion,
    sortBy: c.sortBy,
    sortOrder: c.sortBy ? c.sortOrder : null,
    maxResults: pageSize,
    nextToken,
  };
}

/** Clicking a sortable column: same column flips the order, another starts ascending. */
export function nextSort(
  c: ListControls,
  column: SortBy,
): Pick<ListControls, "sortBy" | "sortOrder"> {
  if (c.sortBy === column)
    return { sortBy: column, sortOrder: c.sortOrder === "asc" ? "desc" : "asc" };
  return { sortBy: column, sortOrder: "asc" };
}
