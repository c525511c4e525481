//! The audit log screen: filters (kept in the URL by the route), a virtualized table that
//! pages in older events as it scrolls, an event's details, the chain's verification status
//! and exports through the native save dialog. Only a window of pages is in memory
//! (`maxAuditPages`); rows keep their place in the whole log, so the rows above the window are
//! placeholders that fetch their page again when they come into view.
//!
//! A rotation's events explain themselves: the details name the step, the execution role the
//! step acted as (opened in Access) and the decision with its reason, and narrow the log to
//! what the role did on the secret (see `rotation.ts`).
//!
//! The component is controlled (`filters` in, `onFiltersChange` out) so it does not care
//! whether the filters live in the URL, and so tests can render it without a router.
import * as React from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useNavigate, useSearch } from "@tanstack/react-router";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { listPrincipals } from "@/ipc/access";
import { useFillWindow } from "@/lib/page-window";
import {
  chooseAuditExportPath,
  exportAudit,
  verifyAuditChain,
  type AuditEventView,
  type AuditExportFormat,
} from "@/ipc/audit";
import { SECRETS_MANAGER_ACTIONS } from "../access/Simulator";
import { useAuditPages, type AuditWindow } from "./events";
import { ROTATION_EVENTS } from "./rotation";
import { RotationExplanation } from "./RotationExplanation";
import { errorMessage, formatTime, prettyJson, selectClass } from "./format";
import {
  filtersFromSearch,
  fromLocalInput,
  isEmpty,
  searchFromFilters,
  toAuditQuery,
  toLocalInput,
  type AuditFilters,
  type Decision,
  type Outcome,
} from "./query";

const ROW_HEIGHT = 36;

const col = createColumnHelper<AuditEventView>();
const columns = [
  col.accessor("seq", { header: "Seq", size: 70 }),
  col.accessor("time", { header: "Time", size: 170, cell: (c) => formatTime(c.getValue()) }),
  col.accessor("source", { header: "Source", size: 80 }),
  col.accessor("principal", { header: "Principal", size: 200 }),
  col.accessor("action", { header: "Action", size: 170 }),
  col.accessor("resourceArn", { header: "Resource", size: 280, cell: (c) => c.getValue() ?? "—" }),
  col.accessor("versionId", {
    header: "Version",
    size: 110,
    cell: (c) => (c.getValue() ? c.getValue()!.slice(0, 8) : "—"),
  }),
  col.accessor("decision", {
    header: "Decision",
    size: 90,
    cell: (c) => (
      <Badge variant={c.getValue() === "denied" ? "destructive" : "secondary"}>
        {c.getValue()}
      </Badge>
    ),
  }),
  col.accessor("outcome", {
    header: "Outcome",
    size: 150,
    cell: (c) =>
      c.getValue() === "ok"
        ? "ok"
        : `${c.getValue()}${c.row.original.errorCode ? `: ${c.row.original.errorCode}` : ""}`,
  }),
];

export interface AuditLogProps {
  filters: AuditFilters;
  onFiltersChange: (filters: AuditFilters) => void;
  /** Opens a principal (a rotation's execution role) in the Access screen. */
  onOpenPrincipal?: (arn: string) => void;
}

export function AuditLog({ filters, onFiltersChange, onOpenPrincipal }: AuditLogProps) {
  const [selected, setSelected] = React.useState<AuditEventView | null>(null);

  const { query: events, seat, listWindow } = useAuditPages(filters);
  // A failed jump back to a dropped page shows like a failed load; Try again jumps again.
  const error = events.error ?? seat.error;

  return (
    <div className="flex h-full min-h-0 flex-col gap-4 p-4">
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">Audit log</h1>
        <ExportButtons filters={filters} />
      </header>
      <ChainBanner />
      <FilterBar filters={filters} onApply={onFiltersChange} />
      {error ? (
        <div role="alert" className="text-destructive flex items-center gap-3 text-sm">
          <p>
            Could not load events: {errorMessage(error)}. Check the filters (times must be valid)
            and try again.
          </p>
          <Button
            variant="outline"
            size="sm"
            onClick={() => (seat.isError ? seat.reset() : void events.refetch())}
          >
            Try again
          </Button>
        </div>
      ) : events.isPending ? (
        <p className="text-muted-foreground text-sm">Loading events…</p>
      ) : listWindow.firstRow === 0 && listWindow.rows.length === 0 ? (
        <p className="text-muted-foreground py-8 text-center text-sm">
          {isEmpty(filters)
            ? "No events yet. Every operation on a secret, key or principal is recorded here."
            : "No events match these filters. Widen the time range or clear a filter."}
        </p>
      ) : (
        <div className="flex min-h-0 flex-1 gap-4">
          <EventTable
            list={listWindow}
            filters={filters}
            selectedSeq={selected?.seq ?? null}
            onSelect={setSelected}
          />
          {selected && (
            <EventDetails
              event={selected}
              onClose={() => setSelected(null)}
              onOpenPrincipal={onOpenPrincipal}
              onShowRoleEvents={(f) => {
                setSelected(null);
                onFiltersChange(f);
              }}
            />
          )}
        </div>
      )}
    </div>
  );
}

/** The chain's status: verified on open, again on demand. */
function ChainBanner() {
  const chain = useQuery({
    queryKey: ["audit", "chain"],
    queryFn: verifyAuditChain,
    staleTime: 0,
  });
  let body: React.ReactNode;
  if (chain.isPending) body = <span>Verifying the audit chain…</span>;
  else if (chain.isError)
    body = (
      <span role="alert">
        Could not verify the audit chain: {errorMessage(chain.error)}. Unlock the store and try
        again.
      </span>
    );
  else if (chain.data.ok)
    body = <span role="status">Chain intact: {chain.data.eventsChecked} events verified.</span>;
  else
    body = (
      <span role="alert" className="text-destructive font-medium">
        The audit chain is broken at event #{chain.data.firstBadSeq ?? "?"}: {chain.data.message}.
        Events from there on may have been altered or removed; keep a copy of the store and
        investigate before trusting them.
      </span>
    );
  const broken = chain.data && !chain.data.ok;
  return (
    <div
      className={`flex flex-wrap items-center justify-between gap-2 rounded-md border px-3 py-2 text-sm ${
        broken ? "border-destructive bg-destructive/10" : ""
      }`}
    >
      {body}
      <Button
        variant="outline"
        size="sm"
        onClick={() => void chain.refetch()}
        disabled={chain.isFetching}
      >
        Verify chain
      </Button>
    </div>
  );
}

/** Action names as the log records them (AWS's, without the service prefix). */
const AUDIT_ACTIONS = [
  ...new Set([
    ...SECRETS_MANAGER_ACTIONS.map((a) => a.slice(a.indexOf(":") + 1)),
    ...ROTATION_EVENTS,
  ]),
  "AddUserToGroup",
  "ChangeMasterPassword",
  "CreateAccessKey",
  "CreateGroup",
  "CreateKey",
  "CreateRole",
  "CreateUser",
  "DeleteAccessKey",
  "DeletePrincipal",
  "DeletePrincipalPolicy",
  "DisableKey",
  "EnableKey",
  "PutPrincipalPolicy",
  "RekeyStore",
  "RemoveUserFromGroup",
  "RotateKeyOnDemand",
  "UpdateAccessKey",
].sort();

/** Quick time ranges: they set From (and clear To) and apply at once. */
const RANGES: [string, number][] = [
  ["Last hour", 3_600_000],
  ["Last 24 hours", 86_400_000],
  ["Last 7 days", 7 * 86_400_000],
];

/** The filter form. Text fields apply on Enter or "Apply"; nothing is sent while typing. */
function FilterBar({
  filters,
  onApply,
}: {
  filters: AuditFilters;
  onApply: (f: AuditFilters) => void;
}) {
  const [draft, setDraft] = React.useState<AuditFilters>(filters);
  // A new URL (back button, a link from a secret) replaces what is being edited.
  React.useEffect(() => setDraft(filters), [filters]);
  const set = (k: keyof AuditFilters) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setDraft((d) => ({ ...d, [k]: e.target.value }));
  const id = React.useId();
  const field = (k: "principal" | "action" | "secret" | "text", label: string, ph: string) => (
    <div className="flex flex-col gap-1">
      <Label htmlFor={`${id}-${k}`}>{label}</Label>
      <Input
        id={`${id}-${k}`}
        value={draft[k] ?? ""}
        onChange={set(k)}
        placeholder={ph}
        type={k === "text" ? "search" : "text"}
        list={k === "principal" || k === "action" ? `${id}-${k}-options` : undefined}
      />
    </div>
  );
  // Suggestions only: the filter matches exactly, so offer the names the log uses.
  const principals = useQuery({
    queryKey: ["access", "principals"],
    queryFn: listPrincipals,
    staleTime: 60_000,
  });
  return (
    <form
      aria-label="Audit filters"
      className="grid grid-cols-2 items-end gap-3 md:grid-cols-4 xl:grid-cols-8"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <TimeField
        id={`${id}-from`}
        label="From"
        value={draft.from}
        onChange={(from) => setDraft((d) => ({ ...d, from }))}
      />
      <TimeField
        id={`${id}-to`}
        label="To"
        value={draft.to}
        onChange={(to) => setDraft((d) => ({ ...d, to }))}
      />
      {field("principal", "Principal", "root or an ARN")}
      {field("action", "Action", "GetSecretValue")}
      {field("secret", "Secret", "name or ARN")}
      <div className="flex flex-col gap-1">
        <Label htmlFor={`${id}-decision`}>Decision</Label>
        <select
          id={`${id}-decision`}
          className={selectClass}
          value={draft.decision ?? ""}
          onChange={(e) =>
            setDraft((d) => ({ ...d, decision: (e.target.value || undefined) as Decision }))
          }
        >
          <option value="">Any</option>
          <option value="allowed">Allowed</option>
          <option value="denied">Denied</option>
        </select>
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor={`${id}-outcome`}>Outcome</Label>
        <select
          id={`${id}-outcome`}
          className={selectClass}
          value={draft.outcome ?? ""}
          onChange={(e) =>
            setDraft((d) => ({ ...d, outcome: (e.target.value || undefined) as Outcome }))
          }
        >
          <option value="">Any</option>
          <option value="ok">OK</option>
          <option value="error">Error</option>
        </select>
      </div>
      {field("text", "Search", "any text")}
      <datalist id={`${id}-principal-options`}>
        <option value="root" />
        {principals.data?.map((p) => (
          <option key={p.arn} value={p.arn} />
        ))}
      </datalist>
      <datalist id={`${id}-action-options`}>
        {AUDIT_ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <div className="col-span-full flex flex-wrap gap-2">
        <Button type="submit">Apply filters</Button>
        {RANGES.map(([label, ms]) => (
          <Button
            key={label}
            type="button"
            variant="outline"
            onClick={() => {
              const next = {
                ...draft,
                from: new Date(Date.now() - ms).toISOString(),
                to: undefined,
              };
              setDraft(next);
              onApply(next);
            }}
          >
            {label}
          </Button>
        ))}
        <Button
          type="button"
          variant="outline"
          onClick={() => {
            setDraft({});
            onApply({});
          }}
        >
          Clear filters
        </Button>
      </div>
    </form>
  );
}

/**
 * One end of the time range. An unset end reads "Any time": WebKit (the desktop app's webview)
 * draws an empty datetime-local input with the current date and time in grey, so an unset From
 * and To looked like a range of one minute (opening the log from a secret, which sets neither,
 * seemed to filter out nearly everything). The date parts show while the field has focus.
 */
function TimeField({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: string;
  value: string | undefined;
  onChange: (iso: string | undefined) => void;
}) {
  const local = toLocalInput(value);
  const empty = local === "";
  return (
    <div className="flex flex-col gap-1">
      <Label htmlFor={id}>{label}</Label>
      <div className="relative">
        <Input
          id={id}
          type="datetime-local"
          value={local}
          onChange={(e) => onChange(fromLocalInput(e.target.value))}
          data-empty={empty || undefined}
          aria-describedby={empty ? `${id}-any` : undefined}
          className="peer data-[empty]:not-focus:[&::-webkit-datetime-edit]:opacity-0"
        />
        {empty && (
          <span
            id={`${id}-any`}
            className="text-muted-foreground pointer-events-none absolute inset-y-0 left-3 flex items-center text-sm peer-focus:hidden"
          >
            Any time
          </span>
        )}
      </div>
    </div>
  );
}

function EventTable({
  list,
  filters,
  selectedSeq,
  onSelect,
}: {
  list: AuditWindow;
  filters: AuditFilters;
  selectedSeq: number | null;
  onSelect: (e: AuditEventView) => void;
}) {
  const { rows, firstRow, hasNextPage, busy } = list;
  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (r) => String(r.seq),
  });
  const scrollRef = React.useRef<HTMLDivElement>(null);
  const modelRows = table.getRowModel().rows;
  // Positions are in the whole log: event i is item i, whether loaded or not; the item after
  // the last loaded event is the loader row.
  const end = firstRow + modelRows.length;
  const virtualizer = useVirtualizer({
    count: hasNextPage ? end + 1 : end,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  useFillWindow(list, items.at(0)?.index, items.at(-1)?.index);

  // New filters: a new log, read from its newest event.
  React.useEffect(() => {
    virtualizer.scrollToOffset(0);
  }, [filters, virtualizer]);

  // Arrow keys move between loaded rows; a row outside the rendered window is scrolled in first.
  const focusRow = (index: number) => {
    if (index < firstRow || index >= end) return;
    const find = () =>
      scrollRef.current?.querySelector<HTMLElement>(`tr[data-index="${index}"]`) ?? null;
    virtualizer.scrollToIndex(index, { align: "auto" });
    const now = find();
    if (now) now.focus({ preventScroll: true });
    else requestAnimationFrame(() => find()?.focus({ preventScroll: true }));
  };

  const paddingTop = items.length > 0 ? items[0]!.start : 0;
  const paddingBottom =
    items.length > 0 ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;

  return (
    <div className="flex min-w-0 flex-1 flex-col gap-2">
      <div
        ref={scrollRef}
        className="h-[60vh] min-h-64 overflow-auto rounded-md border"
        data-testid="audit-scroll"
      >
        {/* The events known so far (up to the last loaded one) and the header row. */}
        <table
          className="w-full table-fixed text-sm"
          aria-label="Audit events"
          aria-rowcount={end + 1}
        >
          <thead className="bg-background sticky top-0 z-10 shadow-[0_1px_0] shadow-border">
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => (
                  <th
                    key={h.id}
                    scope="col"
                    style={{ width: h.getSize() }}
                    className="text-muted-foreground h-9 px-2 text-left font-medium"
                  >
                    {flexRender(h.column.columnDef.header, h.getContext())}
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody>
            {paddingTop > 0 && (
              <tr aria-hidden="true">
                <td style={{ height: paddingTop }} colSpan={columns.length} />
              </tr>
            )}
            {items.map((vi) => {
              if (vi.index < firstRow) {
                return (
                  <tr
                    key={`before-${vi.index}`}
                    aria-rowindex={vi.index + 2}
                    aria-busy="true"
                    style={{ height: ROW_HEIGHT }}
                    className="border-b"
                  >
                    <td colSpan={columns.length} className="text-muted-foreground px-2">
                      Loading…
                    </td>
                  </tr>
                );
              }
              const row = modelRows[vi.index - firstRow];
              if (!row) {
                return (
                  <tr key="loader" style={{ height: ROW_HEIGHT }}>
                    <td
                      colSpan={columns.length}
                      className="text-muted-foreground px-2"
                      role="status"
                    >
                      Loading older events…
                    </td>
                  </tr>
                );
              }
              const ev = row.original;
              const isSel = ev.seq === selectedSeq;
              return (
                <tr
                  key={row.id}
                  aria-rowindex={vi.index + 2}
                  tabIndex={0}
                  aria-selected={isSel}
                  data-state={isSel ? "selected" : undefined}
                  style={{ height: ROW_HEIGHT }}
                  className="hover:bg-muted/50 data-[state=selected]:bg-muted focus-visible:ring-ring/50 cursor-pointer border-b outline-none focus-visible:ring-2"
                  onClick={() => onSelect(ev)}
                  data-index={vi.index}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" || e.key === " ") {
                      e.preventDefault();
                      onSelect(ev);
                    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                      e.preventDefault();
                      focusRow(vi.index + (e.key === "ArrowDown" ? 1 : -1));
                    }
                  }}
                >
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className="truncate px-2" title={cellTitle(cell.getValue())}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
              );
            })}
            {paddingBottom > 0 && (
              <tr aria-hidden="true">
                <td style={{ height: paddingBottom }} colSpan={columns.length} />
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="text-muted-foreground flex items-center gap-3 text-sm">
        <span>
          {end} event{end === 1 ? "" : "s"} loaded
          {hasNextPage ? "; older events load as you scroll" : ""}
        </span>
        {hasNextPage && (
          // Scrolls to the loader row, which loads the next page where it can be seen.
          <Button
            variant="outline"
            size="sm"
            onClick={() => virtualizer.scrollToIndex(end, { align: "end" })}
            disabled={busy}
          >
            {busy ? "Loading…" : "Load older events"}
          </Button>
        )}
      </div>
    </div>
  );
}

function cellTitle(v: unknown): string | undefined {
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
}

/** Everything about one event; details JSON is shown as text, pretty-printed. */
function EventDetails({
  event,
  onClose,
  onOpenPrincipal,
  onShowRoleEvents,
}: {
  event: AuditEventView;
  onClose: () => void;
  onOpenPrincipal?: (arn: string) => void;
  onShowRoleEvents: (filters: AuditFilters) => void;
}) {
  const fields: [string, string | number | null][] = [
    ["Sequence", event.seq],
    ["Time", event.time],
    ["Request id", event.requestId],
    ["Source", event.source],
    ["Principal", event.principal],
    ["Access key", event.accessKeyId],
    ["Action", event.action],
    ["Region", event.region],
    ["Resource", event.resourceArn],
    ["Version", event.versionId],
    ["Decision", event.decision],
    ["Reason", event.reason],
    ["Outcome", event.outcome],
    ["Error code", event.errorCode],
    ["Client address", event.clientAddr],
  ];
  return (
    <section
      aria-label={`Event ${event.seq} details`}
      className="flex w-96 shrink-0 flex-col gap-3 overflow-auto rounded-md border p-3 text-sm"
    >
      <div className="flex items-center justify-between">
        <h2 className="font-semibold">Event #{event.seq}</h2>
        <Button variant="ghost" size="sm" onClick={onClose}>
          Close details
        </Button>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
        {fields.map(([k, v]) => (
          <React.Fragment key={k}>
            <dt className="text-muted-foreground">{k}</dt>
            <dd className="break-all">{v ?? "—"}</dd>
          </React.Fragment>
        ))}
      </dl>
      <RotationExplanation
        event={event}
        onOpenPrincipal={onOpenPrincipal}
        onShowRoleEvents={onShowRoleEvents}
      />
      <div>
        <h3 className="text-muted-foreground mb-1">Details</h3>
        <pre
          aria-label="Event details JSON"
          className="bg-muted overflow-auto rounded p-2 font-mono text-xs whitespace-pre-wrap"
        >
          {prettyJson(event.details)}
        </pre>
      </div>
    </section>
  );
}

// The dialog's title and file filter come from the shell, which names them by format.
const FORMATS: Record<AuditExportFormat, { label: string }> = {
  csv: { label: "Export CSV" },
  jsonl: { label: "Export JSON Lines" },
};

/** Exports what the filters select (every page, oldest first) to a file the user picks. */
function ExportButtons({ filters }: { filters: AuditFilters }) {
  const [status, setStatus] = React.useState<string | null>(null);
  const exp = useMutation({
    mutationFn: async (format: AuditExportFormat) => {
      const path = await chooseAuditExportPath(format);
      if (path === null) return null;
      const count = await exportAudit(toAuditQuery(filters), format, path);
      return { count, path };
    },
    onMutate: () => setStatus(null),
    onSuccess: (r) =>
      setStatus(
        r === null ? null : `${r.count} event${r.count === 1 ? "" : "s"} written to ${r.path}.`,
      ),
    onError: (e) =>
      setStatus(`Export failed: ${errorMessage(e)}. Choose a folder you can write to and retry.`),
  });
  return (
    <div className="flex flex-wrap items-center gap-2">
      {(Object.keys(FORMATS) as AuditExportFormat[]).map((fmt) => (
        <Button
          key={fmt}
          variant="outline"
          size="sm"
          disabled={exp.isPending}
          onClick={() => exp.mutate(fmt)}
        >
          {FORMATS[fmt].label}
        </Button>
      ))}
      {status && (
        <span role="status" className="text-muted-foreground text-sm">
          {status}
        </span>
      )}
    </div>
  );
}

/** The `/audit` route: filters live in the URL search params (see `query.ts`). */
export function AuditRoute() {
  const search = useSearch({ strict: false });
  const navigate = useNavigate();
  const filters = React.useMemo(() => filtersFromSearch(search), [search]);
  return (
    <AuditLog
      filters={filters}
      onFiltersChange={(f) => void navigate({ to: "/audit", search: searchFromFilters(f) })}
      onOpenPrincipal={(arn) => void navigate({ to: "/access", search: { principal: arn } })}
    />
  );
}
