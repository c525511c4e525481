//! The shell: navigation, keyboard shortcuts and the theme.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { renderApp, testSettings } from "@/test/render";

const empty = { list_secrets: () => ({ secrets: [], nextToken: null }) };

describe("app shell", () => {
  it("navigates with the sidebar", async () => {
    const { user, router } = renderApp({ ipc: empty });
    const nav = await screen.findByRole("navigation", { name: "Main" });
    for (const name of ["Secrets", "Audit log", "Keys", "Access", "Settings"]) {
      expect(within(nav).getByRole("link", { name })).toBeVisible();
    }
    await user.click(within(nav).getByRole("link", { name: "Keys" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/keys"));
    expect(within(nav).getByRole("link", { name: "Keys" })).toHaveAttribute(
      "data-status",
      "active",
    );
  });

  it("Ctrl+K from another screen goes to Secrets and focuses the search", async () => {
    const { user, router } = renderApp({ path: "/keys", ipc: { ...empty, list_keys: () => [] } });
    await screen.findByRole("navigation", { name: "Main" });
    await user.keyboard("{Control>}k{/Control}");
    await waitFor(() => expect(router.state.location.pathname).toBe("/"));
    await waitFor(() =>
      expect(screen.getByRole("searchbox", { name: "Search secrets" })).toHaveFocus(),
    );
  });

  it("lists the shortcuts on Ctrl+/", async () => {
    const { user } = renderApp({ ipc: empty });
    await screen.findByRole("navigation", { name: "Main" });
    await user.keyboard("{Control>}/{/Control}");
    const dialog = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    expect(dialog).toHaveTextContent("Ctrl+K");
    expect(dialog).toHaveTextContent("Lock Coffer");
  });

  it("applies the theme chosen in settings as a class on <html>", async () => {
    renderApp({ ipc: { ...empty, get_settings: () => ({ ...testSettings, theme: "dark" }) } });
    await screen.findByRole("navigation", { name: "Main" });
    await waitFor(() => expect(document.documentElement).toHaveClass("dark"));
  });

  it("follows the OS when the theme is 'system'", async () => {
    renderApp({ ipc: empty });
    await screen.findByRole("navigation", { name: "Main" });
    const osDark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    expect(document.documentElement.classList.contains("dark")).toBe(osDark);
  });
});
