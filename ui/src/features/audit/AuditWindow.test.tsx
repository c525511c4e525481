// The audit log over a large store: only a window of pages stays in memory, rows keep their
// place in the whole log while pages come and go, and new filters start again from the top.
import * as React from "react";
import { beforeEach, describe, expect, it } from "vitest";
import { page as browser } from "vitest/browser";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { installIpcMock, reqOf, type IpcCall, type IpcHandler } from "@/ipc/mock";
import type { AuditEventView, AuditPageView, AuditQuery } from "@/ipc/audit";
import { auditEvent } from "@/test/fixtures";
import { AuditLog } from "./AuditLog";
import { auditKeys, maxAuditPages, PAGE_SIZE, type AuditData } from "./events";
import type { AuditFilters } from "./query";
import { renderWithQuery } from "./testing";

const total = 100_000;
const rowHeight = 36;
/** The log is newest first: row i of the whole log is event `total - i`. */
const seqAt = (i: number) => total - i;
// Like the engine's: "older than event N", handed back exactly as it was given.
const tokenAt = (row: number) => `seq:${seqAt(row - 1)}`;

function event(seq: number): AuditEventView {
  return auditEvent(seq, { time: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString() });
}

/** A log of `total` events served a page at a time, like ListAuditEvents. */
function listAuditEvents(args: Record<string, unknown>): AuditPageView {
  const q = args.req as AuditQuery;
  const before = q.nextToken ? Number(q.nextToken.slice("seq:".length)) : total + 1;
  const count = Math.min(q.limit ?? 100, before - 1);
  const events = Array.from({ length: count }, (_, i) => event(before - 1 - i));
  const last = before - count;
  return { events, nextToken: last > 1 ? `seq:${last}` : null };
}

const tokensAsked = (calls: IpcCall[]) =>
  calls.filter((c) => c.cmd === "list_audit_events").map((c) => reqOf<AuditQuery>(c).nextToken);

function scrollTo(scroller: HTMLElement, top: number) {
  fireEvent.scroll(scroller, { target: { scrollTop: top } });
}

/** The rendered row at a position of the whole log (0-based; row 1 is the header). */
function rowAt(table: HTMLElement, i: number): HTMLElement | undefined {
  return within(table)
    .queryAllByRole("row")
    .find((r) => r.getAttribute("aria-rowindex") === String(i + 2));
}

/** The first cell of a row is the event's sequence number. */
const seqOf = (row: HTMLElement | undefined) => row && within(row).getAllByRole("cell")[0];

function Harness() {
  const [filters, setFilters] = React.useState<AuditFilters>({});
  return <AuditLog filters={filters} onFiltersChange={setFilters} />;
}

/** Renders the log and scrolls to the end of what is loaded until `pages` pages were fetched. */
async function scrollDown(pages: number, handler: IpcHandler = listAuditEvents) {
  const calls = installIpcMock({
    list_audit_events: handler,
    verify_audit_chain: () => ({ ok: true, eventsChecked: total, firstBadSeq: null, message: "" }),
    list_principals: () => [],
  });
  const app = renderWithQuery(<Harness />);
  const table = await screen.findByRole("table", { name: "Audit events" });
  await waitFor(() => expect(seqOf(rowAt(table, 0))).toHaveTextContent(String(seqAt(0))));
  const scroller = screen.getByTestId("audit-scroll");
  for (let n = 1; n < pages; n++) {
    // The loader row below the last loaded one becomes the first row of the next page.
    scrollTo(scroller, scroller.scrollHeight);
    const first = n * PAGE_SIZE;
    await waitFor(() => expect(seqOf(rowAt(table, first))).toHaveTextContent(String(seqAt(first))));
  }
  const heldPages = (filters: AuditFilters = {}) =>
    app.client.getQueryData<AuditData>(auditKeys.events(filters))!.pages;
  return { ...app, calls, table, scroller, heldPages };
}

describe("the audit log holds a window of pages", () => {
  beforeEach(async () => {
    await browser.viewport(1280, 800);
  });

  it("keeps at most the cap of pages while scrolling far down, rows in their place", async () => {
    const pages = maxAuditPages + 4;
    const { table, calls, heldPages } = await scrollDown(pages);

    expect(tokensAsked(calls)).toEqual(
      Array.from({ length: pages }, (_, i) => (i ? tokenAt(i * PAGE_SIZE) : null)),
    );
    const held = heldPages();
    expect(held).toHaveLength(maxAuditPages);
    // The window is the last pages fetched: the first ones were dropped.
    expect(held[0]!.events[0]!.seq).toBe(seqAt((pages - maxAuditPages) * PAGE_SIZE));
    expect(held.at(-1)!.events.at(-1)!.seq).toBe(seqAt(pages * PAGE_SIZE - 1));

    // Positions are in the whole log, not the window.
    const last = (pages - 1) * PAGE_SIZE;
    const row = rowAt(table, last)!;
    expect(seqOf(row)).toHaveTextContent(String(seqAt(last)));
    const previous = rowAt(table, last - 1)!;
    expect(row.getBoundingClientRect().top - previous.getBoundingClientRect().top).toBe(rowHeight);
    expect(table).toHaveAttribute("aria-rowcount", String(pages * PAGE_SIZE + 1));
    const body = table.querySelector("tbody")!;
    expect(body.getBoundingClientRect().height).toBeGreaterThanOrEqual((last + 1) * rowHeight);
    expect(screen.getByText(/^1800 events loaded/)).toBeInTheDocument();
  });

  it("fetches a dropped page again by its token when scrolling back to it", async () => {
    const pages = maxAuditPages + 2;
    const { table, scroller, calls, heldPages } = await scrollDown(pages);
    const firstHeld = (pages - maxAuditPages) * PAGE_SIZE; // row 400
    const asked = tokensAsked(calls).length;

    // A little above the window: the rows there are placeholders until their page is back.
    scrollTo(scroller, (firstHeld - 5) * rowHeight);
    const wanted = firstHeld - 3;
    await waitFor(() =>
      expect(seqOf(rowAt(table, wanted))).toHaveTextContent(String(seqAt(wanted))),
    );
    expect(tokensAsked(calls).slice(asked)).toEqual([tokenAt(firstHeld - PAGE_SIZE)]);
    const held = heldPages();
    expect(held).toHaveLength(maxAuditPages);
    expect(held[0]!.events[0]!.seq).toBe(seqAt(firstHeld - PAGE_SIZE));
    // The last page made room for it.
    expect(held.at(-1)!.events.at(-1)!.seq).toBe(seqAt((pages - 1) * PAGE_SIZE - 1));
  });

  it("shows rows whose page is not loaded as busy placeholders in their place", async () => {
    let gate: Promise<void> | null = null;
    let release = () => {};
    const { table, scroller } = await scrollDown(maxAuditPages + 2, async (a) => {
      await gate;
      return listAuditEvents(a);
    });
    // Hold back the next fetch so the placeholders can be seen.
    gate = new Promise<void>((resolve) => (release = resolve));

    // Rows 0–399 were dropped; scroll back into them.
    scrollTo(scroller, 300 * rowHeight);
    await waitFor(() => expect(rowAt(table, 305)).toHaveAttribute("aria-busy", "true"));
    expect(rowAt(table, 305)).toHaveTextContent("Loading…");
    expect(within(table).queryByRole("cell", { name: String(seqAt(305)) })).toBeNull();
    release();
    await waitFor(() => expect(seqOf(rowAt(table, 305))).toHaveTextContent(String(seqAt(305))));
    expect(rowAt(table, 305)).not.toHaveAttribute("aria-busy");
  });

  it("shows the newest events again at the top, fetched with the first page's request", async () => {
    const { table, scroller, calls, heldPages } = await scrollDown(maxAuditPages + 3);
    const asked = tokensAsked(calls).length;

    scrollTo(scroller, 0);
    await waitFor(() => expect(seqOf(rowAt(table, 0))).toHaveTextContent(String(seqAt(0))));
    // One page fetched (no walk back through the seven before it) with no token.
    expect(tokensAsked(calls).slice(asked)).toEqual([null]);
    expect(within(table).queryByText("Loading…")).toBeNull();
    expect(heldPages()).toHaveLength(1);
  });

  it("scrolls to the next page and loads it from the Load older events button", async () => {
    const { table, scroller, calls } = await scrollDown(1);
    await userEvent.click(screen.getByRole("button", { name: "Load older events" }));
    await waitFor(() =>
      expect(seqOf(rowAt(table, PAGE_SIZE))).toHaveTextContent(String(seqAt(PAGE_SIZE))),
    );
    expect(tokensAsked(calls)).toEqual([null, tokenAt(PAGE_SIZE)]);
    expect(scroller.scrollTop).toBeGreaterThan((PAGE_SIZE - 20) * rowHeight);
  });

  it("goes back to the top when a filter changes, and keeps the details open", async () => {
    const { table, scroller, calls, heldPages } = await scrollDown(maxAuditPages + 2);
    const user = userEvent.setup();
    const last = (maxAuditPages + 1) * PAGE_SIZE;
    await user.click(seqOf(rowAt(table, last))!);
    const details = screen.getByRole("region", { name: `Event ${seqAt(last)} details` });
    expect(scroller.scrollTop).toBeGreaterThan(0);
    const asked = calls.length;

    await user.selectOptions(screen.getByLabelText("Decision"), "denied");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(scroller.scrollTop).toBe(0));
    await waitFor(() => expect(table).toHaveAttribute("aria-rowcount", String(PAGE_SIZE + 1)));
    expect(seqOf(rowAt(table, 0))).toHaveTextContent(String(seqAt(0)));
    const sent = calls
      .slice(asked)
      .filter((c) => c.cmd === "list_audit_events")
      .map((c) => reqOf<AuditQuery>(c));
    expect(sent[0]).toMatchObject({ decision: "denied", nextToken: null, limit: PAGE_SIZE });
    expect(heldPages({ decision: "denied" })).toHaveLength(1);
    expect(details).toBeInTheDocument();
  });
});
