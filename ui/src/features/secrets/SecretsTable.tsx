//! The secrets list: a TanStack Table rendered through TanStack Virtual, so only the visible rows
//! exist in the DOM and 100,000 secrets scroll as smoothly as 10. Only a window of pages is in
//! memory (`maxListPages`); rows keep their place in the whole list, so the rows above the window
//! are placeholders that fetch their page again when they come into view, and a loader row below
//! fetches the next one. Sorting is the engine's (ListSecrets); new controls scroll to the top.
import * as React from "react";
import { Link } from "@tanstack/react-router";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown, ArrowUp, ArrowUpDown, RotateCcw } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import type { SecretSummary, SortBy } from "@/ipc";
import { useFillWindow } from "@/lib/page-window";
import { cn } from "@/lib/utils";
import type { ListControls } from "./filters";
import { formatDate, formatDateTime } from "./format";
import type { ListWindow } from "./queries";

const rowHeight = 44;
/**
 * The date columns' width. Column widths fit the app's default window (1200 px wide, and the usual 1280) without one
 * column's header or values running under the next: the date and status columns get what their
 * contents need, description and tags a share, and the name the rest (text truncates, with the
 * whole text as a title). Narrower than `min-w-[58rem]`, the table scrolls sideways rather than
 * squeezing the names.
 */
const dateWidth = "7.75rem";
const col = createColumnHelper<SecretSummary>();

export function SecretsTable({
  list,
  controls,
  onSort,
  onRestore,
}: {
  list: ListWindow;
  controls: ListControls;
  onSort: (column: SortBy) => void;
  onRestore: (s: SecretSummary) => void;
}) {
  const { rows, firstRow, hasNextPage } = list;
  const columns = React.useMemo(
    () => [
      col.accessor("name", {
        header: "Name",
        meta: { sort: "name" as SortBy },
        cell: (c) => (
          <Link
            to="/secrets/$secretId"
            params={{ secretId: c.row.original.arn }}
            title={c.getValue()}
            className="focus-visible:ring-ring/50 block truncate rounded font-medium underline-offset-4 outline-none hover:underline focus-visible:ring-[3px]"
          >
            {c.getValue()}
          </Link>
        ),
      }),
      col.accessor("description", {
        header: "Description",
        meta: { width: "14%" },
        cell: (c) => (
          <span className="text-muted-foreground block truncate" title={c.getValue() ?? undefined}>
            {c.getValue() ?? ""}
          </span>
        ),
      }),
      col.accessor("tags", {
        header: "Tags",
        meta: { width: "9.5%" },
        cell: (c) => <TagList tags={c.getValue()} />,
      }),
      col.accessor("createdDate", {
        header: "Created",
        meta: { sort: "created-date" as SortBy, width: dateWidth },
        cell: (c) => <DateCell iso={c.getValue()} />,
      }),
      col.accessor("lastChangedDate", {
        header: () => <ShortLabel full="Last changed">Changed</ShortLabel>,
        meta: { sort: "last-changed-date" as SortBy, width: dateWidth },
        cell: (c) => <DateCell iso={c.getValue()} />,
      }),
      col.accessor("lastAccessedDate", {
        header: () => <ShortLabel full="Last accessed">Accessed</ShortLabel>,
        meta: { sort: "last-accessed-date" as SortBy, width: dateWidth },
        cell: (c) => <DateCell iso={c.getValue()} />,
      }),
      col.display({
        id: "status",
        header: "Status",
        meta: { width: "11.75rem" },
        cell: (c) => {
          const s = c.row.original;
          if (s.deletedDate) {
            return (
              <div className="flex items-center gap-1">
                <Badge variant="destructive">Deletion planned</Badge>
                {/* Icon only, so the status column stays narrow; the name says what it does. */}
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Restore ${s.name}`}
                  title="Restore"
                  onClick={() => onRestore(s)}
                >
                  <RotateCcw />
                </Button>
              </div>
            );
          }
          return s.rotationEnabled ? <Badge variant="secondary">Rotating</Badge> : null;
        },
      }),
    ],
    [onRestore],
  );

  // TanStack Table's hook returns functions the React Compiler cannot memoise; that is fine here.
  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    getRowId: (r) => r.arn,
  });
  const tableRows = table.getRowModel().rows;

  // Positions are in the whole list: row i of the list is item i, whether loaded or not.
  const end = firstRow + tableRows.length;
  const scrollRef = React.useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: hasNextPage ? end + 1 : end,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const top = items.at(0)?.index;
  const bottom = items.at(-1)?.index;

  // New search, filters or sort: a new list, read from its start.
  React.useEffect(() => {
    virtualizer.scrollToOffset(0);
  }, [controls, virtualizer]);

  // Bring the rows in view into memory, one page at a time.
  useFillWindow(list, top, bottom);

  const padTop = items.length ? items[0].start : 0;
  const padBottom = items.length ? virtualizer.getTotalSize() - items[items.length - 1].end : 0;
  const colCount = columns.length;

  return (
    <div ref={scrollRef} className="min-h-0 flex-1 overflow-auto" data-testid="secrets-scroll">
      {/* The rows known so far (up to the last loaded one) and the header row. */}
      <table className="w-full min-w-[58rem] table-fixed text-sm" aria-rowcount={end + 1}>
        <colgroup>
          {table.getAllLeafColumns().map((c) => (
            <col
              key={c.id}
              style={{ width: (c.columnDef.meta as { width?: string } | undefined)?.width }}
            />
          ))}
        </colgroup>
        <thead className="bg-background sticky top-0 z-10 border-b">
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => {
                const sort = (h.column.columnDef.meta as { sort?: SortBy } | undefined)?.sort;
                const active = sort && controls.sortBy === sort;
                const label = flexRender(h.column.columnDef.header, h.getContext());
                return (
                  <th
                    key={h.id}
                    scope="col"
                    aria-sort={
                      active
                        ? controls.sortOrder === "asc"
                          ? "ascending"
                          : "descending"
                        : undefined
                    }
                    className="h-10 overflow-hidden px-3 text-left font-medium whitespace-nowrap"
                  >
                    {sort ? (
                      <button
                        type="button"
                        onClick={() => onSort(sort)}
                        className="hover:text-foreground focus-visible:ring-ring/50 -mx-1 inline-flex items-center gap-1 rounded px-1 outline-none focus-visible:ring-[3px]"
                      >
                        {label}
                        {active ? (
                          controls.sortOrder === "asc" ? (
                            <ArrowUp className="size-3.5" aria-hidden />
                          ) : (
                            <ArrowDown className="size-3.5" aria-hidden />
                          )
                        ) : (
                          <ArrowUpDown className="size-3.5 opacity-40" aria-hidden />
                        )}
                      </button>
                    ) : (
                      label
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {padTop > 0 && (
            <tr aria-hidden>
              <td colSpan={colCount} style={{ height: padTop, padding: 0 }} />
            </tr>
          )}
          {items.map((vi) => {
            if (vi.index < firstRow) {
              return (
                <tr
                  key={`before-${vi.index}`}
                  aria-rowindex={vi.index + 2}
                  aria-busy="true"
                  style={{ height: rowHeight }}
                  className="border-b"
                >
                  <td colSpan={colCount} className="text-muted-foreground px-3">
                    Loading…
                  </td>
                </tr>
              );
            }
            const row = tableRows[vi.index - firstRow];
            if (!row) {
              return (
                <tr key="loader" style={{ height: rowHeight }}>
                  <td colSpan={colCount} className="text-muted-foreground px-3" role="status">
                    Loading more secrets…
                  </td>
                </tr>
              );
            }
            return (
              <tr
                key={row.id}
                aria-rowindex={vi.index + 2}
                style={{ height: rowHeight }}
                className={cn(
                  "hover:bg-muted/50 border-b",
                  row.original.deletedDate && "text-muted-foreground",
                )}
              >
                {row.getVisibleCells().map((cell) => (
                  <td
                    key={cell.id}
                    className="overflow-hidden px-3 text-ellipsis whitespace-nowrap"
                  >
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            );
          })}
          {padBottom > 0 && (
            <tr aria-hidden>
              <td colSpan={colCount} style={{ height: padBottom, padding: 0 }} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function TagList({ tags }: { tags: { key: string; value: string }[] }) {
  const shown = tags.slice(0, 2);
  return (
    <div className="flex items-center gap-1 overflow-hidden">
      {shown.map((t) => (
        <Badge key={t.key} variant="outline" className="max-w-40 truncate font-normal">
          {t.value ? `${t.key}=${t.value}` : t.key}
        </Badge>
      ))}
      {tags.length > shown.length && (
        <span className="text-muted-foreground text-xs">+{tags.length - shown.length}</span>
      )}
    </div>
  );
}

/** A date as a date; the time is in its title (the list has no room for it). */
function DateCell({ iso }: { iso: string | null | undefined }) {
  if (!iso) return "—";
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatDate(iso)}
    </time>
  );
}

/** A header shown shorter than its name: screen readers and the title get the whole name. */
function ShortLabel({ full, children }: { full: string; children: string }) {
  return (
    <span title={full}>
      <span aria-hidden>{children}</span>
      <span className="sr-only">{full}</span>
    </span>
  );
}
