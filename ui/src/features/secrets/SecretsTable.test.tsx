//! The secrets table over a large store: only a window of pages stays in memory, rows keep their
//! place in the whole list while pages come and go, and the header fits the default window.
import { beforeEach, describe, expect, it } from "vitest";
import { page as browser } from "vitest/browser";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { reqOf, type IpcCall, type IpcHandler } from "@/ipc/mock";
import type { ListSecretsRequest, SecretPage } from "@/ipc";
import { summary } from "@/test/fixtures";
import { callsTo, renderApp } from "@/test/render";
import { initialControls, pageSize } from "./filters";
import { maxListPages, secretKeys, type ListData } from "./queries";

const total = 100_000;
const rowHeight = 44;
const nameAt = (i: number) => `app/secret-${String(i).padStart(6, "0")}`;
// Opaque to the UI, like the engine's: it must hand back exactly what it was given.
const tokenAt = (start: number) => `tok-${start}`;

/** A store of `total` secrets served a page at a time, like ListSecrets. */
function listSecrets(args: Record<string, unknown>): SecretPage {
  const token = (args.req as ListSecretsRequest).nextToken;
  const start = token ? Number(token.slice("tok-".length)) : 0;
  const secrets = Array.from({ length: Math.min(pageSize, total - start) }, (_, i) =>
    summary(nameAt(start + i)),
  );
  const next = start + pageSize;
  return { secrets, nextToken: next < total ? tokenAt(next) : null };
}

const tokensAsked = (calls: IpcCall[]) =>
  callsTo(calls, "list_secrets").map((c) => reqOf<ListSecretsRequest>(c).nextToken);

function scrollTo(scroller: HTMLElement, top: number) {
  fireEvent.scroll(scroller, { target: { scrollTop: top } });
}

/** The rendered row at a position of the whole list (0-based; row 1 is the header). */
function rowAt(table: HTMLElement, i: number): HTMLElement | undefined {
  return within(table)
    .queryAllByRole("row")
    .find((r) => r.getAttribute("aria-rowindex") === String(i + 2));
}

/** Renders the list and scrolls to the end of what is loaded until `pages` pages were fetched. */
async function scrollDown(pages: number, handler: IpcHandler = listSecrets) {
  const app = renderApp({ ipc: { list_secrets: handler } });
  const table = await screen.findByRole("table");
  await within(table).findByRole("link", { name: nameAt(0) });
  const scroller = screen.getByTestId("secrets-scroll");
  for (let n = 1; n < pages; n++) {
    // The loader row below the last loaded one becomes the first row of the next page.
    scrollTo(scroller, scroller.scrollHeight);
    const first = n * pageSize;
    await waitFor(() => expect(rowAt(table, first)).toHaveTextContent(nameAt(first)));
  }
  return { ...app, table, scroller };
}

const heldPages = (app: Awaited<ReturnType<typeof scrollDown>>) =>
  app.queryClient.getQueryData<ListData>(secretKeys.list(initialControls))!.pages;

describe("the secrets list holds a window of pages", () => {
  beforeEach(async () => {
    await browser.viewport(1280, 800);
  });

  it("keeps at most the cap of pages while scrolling far down, rows in their place", async () => {
    const pages = maxListPages + 8;
    const app = await scrollDown(pages);
    const { table, calls } = app;

    expect(tokensAsked(calls)).toEqual(
      Array.from({ length: pages }, (_, i) => (i ? tokenAt(i * pageSize) : null)),
    );
    const held = heldPages(app);
    expect(held).toHaveLength(maxListPages);
    // The window is the last pages fetched: the first ones were dropped.
    expect(held[0].secrets[0].name).toBe(nameAt((pages - maxListPages) * pageSize));
    expect(held.at(-1)!.secrets.at(-1)!.name).toBe(nameAt(pages * pageSize - 1));

    // Positions are in the whole list, not the window.
    const last = (pages - 1) * pageSize;
    const row = rowAt(table, last)!;
    expect(within(row).getByRole("link")).toHaveAccessibleName(nameAt(last));
    const previous = rowAt(table, last - 1)!;
    expect(row.getBoundingClientRect().top - previous.getBoundingClientRect().top).toBe(rowHeight);
    expect(table).toHaveAttribute("aria-rowcount", String(pages * pageSize + 1));
    // The list is as tall as every row up to the last loaded one (and the loader row).
    const body = table.querySelector("tbody")!;
    expect(body.getBoundingClientRect().height).toBeGreaterThanOrEqual((last + 1) * rowHeight);
  });

  it("fetches a dropped page again by its token when scrolling back to it", async () => {
    const pages = maxListPages + 4;
    const app = await scrollDown(pages);
    const { table, scroller, calls } = app;
    const firstHeld = (pages - maxListPages) * pageSize; // row 400
    const asked = callsTo(calls, "list_secrets").length;

    // A little above the window: the rows there are placeholders until their page is back.
    scrollTo(scroller, (firstHeld - 5) * rowHeight);
    const wanted = firstHeld - 3;
    await waitFor(() => expect(rowAt(table, wanted)).toHaveTextContent(nameAt(wanted)));
    expect(tokensAsked(calls).slice(asked)).toEqual([tokenAt(firstHeld - pageSize)]);
    const held = heldPages(app);
    expect(held).toHaveLength(maxListPages);
    expect(held[0].secrets[0].name).toBe(nameAt(firstHeld - pageSize));
    // The last page made room for it.
    expect(held.at(-1)!.secrets.at(-1)!.name).toBe(nameAt(pages * pageSize - pageSize - 1));
  });

  it("shows the first secrets again at the top, fetched with the first page's request", async () => {
    const app = await scrollDown(maxListPages + 5);
    const { table, scroller, calls } = app;
    const asked = callsTo(calls, "list_secrets").length;

    scrollTo(scroller, 0);
    const first = await within(table).findByRole("link", { name: nameAt(0) });
    expect(first.closest("tr")).toHaveAttribute("aria-rowindex", "2");
    // One page fetched (no walk back through the fourteen before it) with no token.
    expect(tokensAsked(calls).slice(asked)).toEqual([null]);
    expect(within(table).queryByText("Loading…")).toBeNull();
    expect(heldPages(app)).toHaveLength(1);
    expect(scroller.scrollTop).toBe(0);
  });

  it("starts from the top when the list is opened again with a window cached further down", async () => {
    const app = await scrollDown(maxListPages + 5);
    const { calls, router } = app;
    await router.navigate({ to: "/settings" });
    await screen.findByRole("heading", { name: "Settings" });
    const asked = callsTo(calls, "list_secrets").length;

    await router.navigate({ to: "/" });
    const table = await screen.findByRole("table");
    const first = await within(table).findByRole("link", { name: nameAt(0) });
    expect(first.closest("tr")).toHaveAttribute("aria-rowindex", "2");
    expect(tokensAsked(calls).slice(asked)).toContain(null);
    expect(within(table).queryByText("Loading…")).toBeNull();

    expect(heldPages(app)).toHaveLength(1);
  });

  it("shows a failed jump back as an error, and Try again loads the page", async () => {
    let failing = false;
    const app = await scrollDown(maxListPages + 5, (a) => {
      if (failing) throw { code: "Internal", message: "disk I/O error" };
      return listSecrets(a);
    });
    failing = true;
    scrollTo(app.scroller, 0);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Something went wrong");

    failing = false;
    await app.user.click(within(alert).getByRole("button", { name: "Try again" }));
    const table = await screen.findByRole("table");
    expect(await within(table).findByRole("link", { name: nameAt(0) })).toBeVisible();
  });

  it("marks rows whose page is not loaded as busy placeholders", async () => {
    let gate: Promise<void> | null = null;
    let release = () => {};
    const app = await scrollDown(maxListPages + 2, async (a) => {
      await gate;
      return listSecrets(a);
    });
    const { table, scroller } = app;
    // Hold back the next fetch so the placeholders can be seen.
    gate = new Promise<void>((resolve) => (release = resolve));

    scrollTo(scroller, 150 * rowHeight);
    await waitFor(() => expect(rowAt(table, 160)).toHaveAttribute("aria-busy", "true"));
    expect(rowAt(table, 160)).toHaveTextContent("Loading…");
    expect(within(table).queryByRole("link", { name: nameAt(160) })).toBeNull();
    release();
    await waitFor(() => expect(rowAt(table, 160)).toHaveTextContent(nameAt(160)));
    expect(rowAt(table, 160)).not.toHaveAttribute("aria-busy");
  });

  it("goes back to the top when the sort changes", async () => {
    const { table, scroller, calls, user } = await scrollDown(maxListPages + 3);
    expect(scroller.scrollTop).toBeGreaterThan(0);
    const asked = callsTo(calls, "list_secrets").length;

    await user.click(screen.getByRole("button", { name: /Created/ }));
    await waitFor(() => expect(scroller.scrollTop).toBe(0));
    await waitFor(() => expect(rowAt(table, 0)).toHaveTextContent(nameAt(0)));
    const sent = callsTo(calls, "list_secrets")
      .slice(asked)
      .map((c) => reqOf<ListSecretsRequest>(c));
    expect(sent[0]).toMatchObject({ sortBy: "created-date", nextToken: null });
    expect(table).toHaveAttribute("aria-rowcount", String(pageSize + 1));
  });
});

/**
 * Where the visible contents of a cell are, overflow and clipping notwithstanding: its sort
 * button (whose screen-reader-only text takes no room) or else its text and elements.
 */
function contentRect(el: HTMLElement): DOMRect {
  const button = within(el).queryByRole("button");
  if (button) return button.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getBoundingClientRect();
}

describe("the secrets table's columns", () => {
  // 1280×800 is the usual desktop window; 1200×800 is the app's own default (tauri.conf.json).
  it.each([1280, 1200])("fit their headers and values side by side at %i×800", async (width) => {
    await browser.viewport(width, 800);
    const { user } = renderApp({
      ipc: {
        list_secrets: () => ({
          secrets: [
            summary("prod/payments/db-primary", {
              description: "Orders database",
              tags: [{ key: "team", value: "payments" }],
              createdDate: "2026-05-30T09:00:00Z",
              lastChangedDate: "2026-12-20T23:59:00Z",
              lastAccessedDate: "2026-05-30T09:00:00Z",
              rotationEnabled: true,
            }),
            summary("old/token", { deletedDate: "2026-11-25T00:00:00Z" }),
          ],
          nextToken: null,
        }),
      },
    });
    const table = await screen.findByRole("table");
    await user.click(screen.getByRole("switch", { name: "Show planned deletions" }));
    await within(table).findByRole("button", { name: "Restore old/token" });

    const headers = within(table).getAllByRole("columnheader");
    const names = [
      "Name",
      "Description",
      "Tags",
      "Created",
      "Last changed",
      "Last accessed",
      "Status",
    ];
    headers.forEach((h, i) => expect(h).toHaveAccessibleName(names[i]));
    for (const [i, th] of headers.entries()) {
      const cell = th.getBoundingClientRect();
      const content = contentRect(th);
      expect(content.left, `${th.textContent} starts in its cell`).toBeGreaterThanOrEqual(
        cell.left,
      );
      expect(content.right, `${th.textContent} ends in its cell`).toBeLessThanOrEqual(cell.right);
      if (i > 0) {
        expect(content.left, `${th.textContent} clear of the header before`).toBeGreaterThan(
          contentRect(headers[i - 1]).right,
        );
      }
    }
    // The values under them are whole too: dates, badges and the Restore button.
    for (const row of within(table).getAllByRole("row").slice(1)) {
      for (const td of within(row).getAllByRole("cell").slice(3)) {
        expect(contentRect(td).right, `"${td.textContent}" fits`).toBeLessThanOrEqual(
          td.getBoundingClientRect().right,
        );
      }
    }
  });
});
