/**
 * The audit log's filters, kept in the URL so a link ("View events" from a secret, a
 * bookmark, the back button) restores exactly what the table shows.
 *
 * The URL holds RFC 3339 times and plain strings; an empty or unknown value is dropped
 * rather than sent, so the engine only ever sees filters a person actually set.
 */

/** What a person can filter the audit log by. Every field is optional. */
export interface AuditFilters {
  /** At or after (RFC 3339). */
  from?: string;
  /** Before (RFC 3339). */
  to?: string;
  /** Exact principal (`root`, `coffer` or an ARN). */
  principal?: string;
  /** Exact action name (`GetSecretValue`…). */
  action?: string;
  /** A secret's name, ARN or partial ARN. */
  secret?: string;
  /** `allowed` or `denied`. */
  decision?: Decision;
  /** `ok` or `error`. */
  outcome?: Outcome;
  /** Case-insensitive free text. */
  text?: string;
}

export type Decision = "allowed" | "denied";
export type Outcome = "ok" | "error";

/** The keys of {@link AuditFilters}, in the order the filter bar shows them. */
export const FILTER_KEYS = [
  "from",
  "to",
  "principal",
  "action",
  "secret",
  "decision",
  "outcome",
  "text",
] as const satisfies readonly (keyof AuditFilters)[];

const DECISIONS: readonly string[] = ["allowed", "denied"];
const OUTCOMES: readonly string[] = ["ok", "error"];

function text(v: unknown): string | undefined {
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t === "" ? undefined : t;
}

function time(v: unknown): string | undefined {
  const t = text(v);
  if (t === undefined) return undefined;
  return Number.isNaN(Date.parse(t)) ? undefined : t;
}

/**
 * Reads filters from URL search params (a `URLSearchParams` or the object a router hands
 * over). Unknown keys, blank values, unparsable times and unknown decisions are dropped.
 */
export function filtersFromSearch(search: URLSearchParams | Record<string, unknown>): AuditFilters {
  const get = (k: string): unknown =>
    search instanceof URLSearchParams ? (search.get(k) ?? undefined) : search[k];
  const out: AuditFilters = {};
  const from = time(get("from"));
  const to = time(get("to"));
  if (from) out.from = from;
  if (to) out.to = to;
  for (const k of ["principal", "action", "secret", "text"] as const) {
    const v = text(get(k));
    if (v) out[k] = v;
  }
  const d = text(get("decision"));
  if (d && DECISIONS.includes(d)) out.decision = d as Decision;
  const o = text(get("outcome"));
  if (o && OUTCOMES.includes(o)) out.outcome = o as Outcome;
  return out;
}

/** The search params for `filters` (only the set ones), in a stable order. */
export function searchFromFilters(filters: AuditFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = filters[k];
    if (v !== undefined && v.trim() !== "") out[k] = v.trim();
  }
  return out;
}

/** The same as a query string (`?secret=…&decision=denied`), for links. */
export function searchString(filters: AuditFilters): string {
  const p = new URLSearchParams(searchFromFilters(filters));
  const s = p.toString();
  return s === "" ? "" : `?${s}`;
}

/** The engine's AuditQuery for one page: every unset filter is `null`, as the wire wants. */
export interface AuditQueryWire {
  from: string | null;
  to: string | null;
  principal: string | null;
  action: string | null;
  secret: string | null;
  outcome: string | null;
  decision: string | null;
  text: string | null;
  limit: number | null;
  nextToken: string | null;
}

/** Builds the wire query for a page of `limit` events after `nextToken`. */
export function toAuditQuery(
  filters: AuditFilters,
  nextToken: string | null = null,
  limit: number | null = null,
): AuditQueryWire {
  const f = filtersFromSearch(searchFromFilters(filters));
  return {
    from: f.from ? new Date(f.from).toISOString() : null,
    to: f.to ? new Date(f.to).toISOString() : null,
    principal: f.principal ?? null,
    action: f.action ?? null,
    secret: f.secret ?? null,
    outcome: f.outcome ?? null,
    decision: f.decision ?? null,
    text: f.text ?? null,
    limit,
    nextToken,
  };
}

/** True when no filter is set. */
export function isEmpty(filters: AuditFilters): boolean {
  return Object.keys(searchFromFilters(filters)).length === 0;
}

/**
 * A `<input type="datetime-local">` value (local wall time, minutes) for an RFC 3339 time,
 * and back. The URL keeps UTC; the input shows the person's own clock.
 */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The inverse of {@link toLocalInput}: `undefined` for an empty or invalid input. */
export function fromLocalInput(local: string): string | undefined {
  if (local.trim() === "") return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
