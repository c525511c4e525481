//! The audit log's events, newest first, as a window of pages (see `@/lib/page-window`): a log
//! of 100,000 events scrolls through without the webview keeping them all.
import { listAuditEvents, type AuditEventView, type AuditPageView } from "@/ipc/audit";
import { usePageWindow, type PageWindow, type WindowData } from "@/lib/page-window";
import { toAuditQuery, type AuditFilters } from "./query";

/** Events per page (the engine allows up to 10,000; 200 keeps the first paint quick). */
export const PAGE_SIZE = 200;

/**
 * How many pages stay in memory (5 × 200 = 1,000 events, as many rows as the secrets list
 * holds). The engine's tokens (`seq:N`, "older than event N") are stateless, so a dropped page
 * is fetched again by its token and holds the same events.
 */
export const maxAuditPages = 5;

export const auditKeys = {
  events: (filters: AuditFilters) => ["audit", "events", filters] as const,
};

export type AuditData = WindowData<AuditPageView>;
export type AuditWindow = PageWindow<AuditEventView>;

const eventsOf = (page: AuditPageView) => page.events;

/** The events `filters` select, fetched a page at a time as the table scrolls. */
export function useAuditPages(filters: AuditFilters) {
  return usePageWindow({
    queryKey: auditKeys.events(filters),
    fetchPage: (token) => listAuditEvents(toAuditQuery(filters, token, PAGE_SIZE)),
    nextTokenOf: (page) => page.nextToken,
    rowsOf: eventsOf,
    pageSize: PAGE_SIZE,
    maxPages: maxAuditPages,
  });
}
