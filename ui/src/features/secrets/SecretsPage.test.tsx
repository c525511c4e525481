//! The secrets list as a user meets it: search, filters, planned deletions, restore, new secret,
//! a 100,000-row list that only renders what is visible, and XSS payloads rendered as text.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { reqOf } from "@/ipc/mock";
import type { ListSecretsRequest, SecretPage } from "@/ipc";
import { arnOf, summary } from "@/test/fixtures";
import { callsTo, renderApp } from "@/test/render";

const secrets = [
  summary("prod/db", {
    description: "Orders database",
    tags: [{ key: "team", value: "payments" }],
  }),
  summary("prod/api-key", { description: "Stripe", rotationEnabled: true }),
  summary("old/token", { deletedDate: "2026-11-25T00:00:00Z" }),
];

function listFrom(all: typeof secrets) {
  return (args: Record<string, unknown>): SecretPage => {
    const req = args.req as ListSecretsRequest;
    const shown = all.filter(
      (s) =>
        (req.includePlannedDeletion || !s.deletedDate) &&
        (!req.search || s.name.includes(req.search) || (s.description ?? "").includes(req.search)),
    );
    return { secrets: shown, nextToken: null };
  };
}

describe("secrets list", () => {
  it("lists secrets, searches (debounced), filters and shows planned deletions", async () => {
    const { calls, user } = renderApp({ ipc: { list_secrets: listFrom(secrets) } });
    const table = await screen.findByRole("table");
    expect(within(table).getByRole("link", { name: "prod/db" })).toBeVisible();
    expect(within(table).getByText("team=payments")).toBeVisible();
    expect(within(table).queryByText("old/token")).toBeNull();

    await user.type(screen.getByRole("searchbox", { name: "Search secrets" }), "Orders");
    await waitFor(() => expect(within(table).queryByText("prod/api-key")).toBeNull());
    const searches = callsTo(calls, "list_secrets").map((c) => reqOf<ListSecretsRequest>(c).search);
    // Debounced: no request per keystroke.
    expect(searches).not.toContain("O");
    expect(searches.at(-1)).toBe("Orders");
    await user.clear(screen.getByRole("searchbox", { name: "Search secrets" }));

    await user.click(screen.getByRole("combobox", { name: "Filter field" }));
    await user.click(await screen.findByRole("option", { name: "Tag value" }));
    await user.type(
      await screen.findByRole("textbox", { name: "Filter value" }),
      "payments{Enter}",
    );
    await waitFor(() =>
      expect(reqOf<ListSecretsRequest>(callsTo(calls, "list_secrets").at(-1)!).filters).toEqual([
        { key: "tag-value", values: ["payments"] },
      ]),
    );
    await user.click(screen.getByRole("button", { name: "Remove filter Tag value: payments" }));

    await user.click(screen.getByRole("switch", { name: "Show planned deletions" }));
    expect(await within(table).findByText("old/token")).toBeVisible();
    expect(reqOf<ListSecretsRequest>(callsTo(calls, "list_secrets").at(-1)!)).toMatchObject({
      includePlannedDeletion: true,
      filters: [],
    });
  });

  it("sorts through the engine when a column header is clicked", async () => {
    const { calls, user } = renderApp({ ipc: { list_secrets: listFrom(secrets) } });
    await screen.findByRole("table");
    const nameHeader = screen.getByRole("columnheader", { name: /Name/ });
    expect(nameHeader).toHaveAttribute("aria-sort", "ascending");
    await user.click(within(nameHeader).getByRole("button"));
    await waitFor(() => expect(nameHeader).toHaveAttribute("aria-sort", "descending"));
    await user.click(screen.getByRole("button", { name: /Last changed/ }));
    await waitFor(() =>
      expect(reqOf<ListSecretsRequest>(callsTo(calls, "list_secrets").at(-1)!)).toMatchObject({
        sortBy: "last-changed-date",
        sortOrder: "asc",
      }),
    );
  });

  it("restores a secret scheduled for deletion", async () => {
    const { calls, user } = renderApp({
      ipc: {
        list_secrets: listFrom(secrets),
        restore_secret: (a) => ({
          arn: (a.req as { secretId: string }).secretId,
          name: "old/token",
          versionId: null,
        }),
      },
    });
    await screen.findByRole("table");
    await user.click(screen.getByRole("switch", { name: "Show planned deletions" }));
    await user.click(await screen.findByRole("button", { name: "Restore old/token" }));
    await waitFor(() => expect(callsTo(calls, "restore_secret")).toHaveLength(1));
    expect(reqOf(callsTo(calls, "restore_secret")[0])).toEqual({ secretId: arnOf("old/token") });
    expect(await screen.findByText("Restored old/token")).toBeInTheDocument();
  });

  it("shows an empty state that offers the first secret", async () => {
    const { user } = renderApp({ ipc: { list_secrets: () => ({ secrets: [], nextToken: null }) } });
    expect(await screen.findByRole("heading", { name: "No secrets yet" })).toBeVisible();
    await user.click(screen.getAllByRole("button", { name: "New secret" })[1]);
    const dialog = await screen.findByRole("dialog", { name: "New secret" });
    // It fades in from opacity 0: visible once the animation has begun.
    await waitFor(() => expect(dialog).toBeVisible());
  });

  it("keeps the DOM small with 100,000 secrets and loads pages as it scrolls", async () => {
    const total = 100_000;
    const page = (token: string | null): SecretPage => {
      const start = token ? Number(token) : 0;
      const secrets = Array.from({ length: Math.min(100, total - start) }, (_, i) =>
        summary(`app/secret-${String(start + i).padStart(6, "0")}`),
      );
      const next = start + 100;
      return { secrets, nextToken: next < total ? String(next) : null };
    };
    const { calls } = renderApp({
      ipc: { list_secrets: (a) => page((a.req as ListSecretsRequest).nextToken ?? null) },
    });
    const table = await screen.findByRole("table");
    await within(table).findByText("app/secret-000000");
    const scroller = screen.getByTestId("secrets-scroll");
    // Scroll to the end of what is loaded, five times: each brings the next page.
    for (let i = 1; i <= 5; i++) {
      fireEvent.scroll(scroller, { target: { scrollTop: scroller.scrollHeight } });
      await waitFor(() => expect(callsTo(calls, "list_secrets").length).toBeGreaterThan(i));
    }
    expect((await within(table).findAllByText(/app\/secret-0004\d\d/)).length).toBeGreaterThan(0);
    const tokens = callsTo(calls, "list_secrets").map(
      (c) => reqOf<ListSecretsRequest>(c).nextToken,
    );
    expect(tokens.slice(0, 6)).toEqual([null, "100", "200", "300", "400", "500"]);
    // Hundreds loaded, a screenful rendered.
    expect(within(table).getAllByRole("row").length).toBeLessThan(80);
  });
});

describe("new secret", () => {
  it("opens with Ctrl+N and creates a key/value secret with a generated password and a tag", async () => {
    const created = summary("prod/new");
    const { calls, user } = renderApp({
      ipc: {
        list_secrets: () => ({ secrets: [], nextToken: null }),
        get_random_password: () => "Gen3rated!Pass",
        create_secret: () => ({ arn: created.arn, name: created.name, versionId: "v1" }),
        describe_secret: () => ({
          ...created,
          resourcePolicy: null,
          rotationLambdaArn: null,
          rotationRules: null,
          lastRotatedDate: null,
          versions: [],
        }),
      },
    });
    await screen.findByRole("heading", { name: "No secrets yet" });
    await user.keyboard("{Control>}n{/Control}");
    const dialog = await screen.findByRole("dialog", { name: "New secret" });
    await user.type(within(dialog).getByLabelText("Name"), "prod/new");
    await user.type(within(dialog).getByLabelText("Description"), "made in a test");
    await user.type(within(dialog).getByRole("textbox", { name: "Key 1" }), "password");
    await user.click(within(dialog).getByRole("button", { name: "Generate a password for row 1" }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText("Value 1")).toHaveValue("Gen3rated!Pass"),
    );
    expect(within(dialog).getByLabelText("Value 1")).toHaveAttribute("type", "password");
    await user.click(within(dialog).getByRole("button", { name: "Add tag" }));
    await user.type(within(dialog).getByRole("textbox", { name: "Tag key 1" }), "env");
    await user.type(within(dialog).getByRole("textbox", { name: "Tag value 1" }), "prod");
    await user.click(within(dialog).getByRole("button", { name: "Create secret" }));

    await waitFor(() => expect(callsTo(calls, "create_secret")).toHaveLength(1));
    expect(reqOf(callsTo(calls, "create_secret")[0])).toEqual({
      name: "prod/new",
      description: "made in a test",
      kmsKeyId: null,
      secretString: '{"password":"Gen3rated!Pass"}',
      secretBinaryBase64: null,
      tags: [{ key: "env", value: "prod" }],
    });
    expect(await screen.findByRole("heading", { name: "prod/new", level: 1 })).toBeVisible();
  });

  it("explains what is missing instead of sending an invalid request", async () => {
    const { calls, user } = renderApp({
      ipc: { list_secrets: () => ({ secrets: [], nextToken: null }) },
    });
    await screen.findByRole("heading", { name: "No secrets yet" });
    await user.click(screen.getAllByRole("button", { name: "New secret" })[0]);
    const dialog = await screen.findByRole("dialog", { name: "New secret" });
    await user.click(within(dialog).getByRole("button", { name: "Create secret" }));
    const alert = within(dialog).getByRole("alert");
    expect(alert).toHaveTextContent("Enter a name.");
    expect(alert).toHaveTextContent("Row 1 has no key.");
    expect(callsTo(calls, "create_secret")).toHaveLength(0);
  });
});
