//! A secret's page: reveal, copy, edit with a diff preview before saving, delete with a recovery
//! window, and the link to its audit events.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { reqOf } from "@/ipc/mock";
import type { SecretValueView } from "@/ipc";
import { arnOf, detail, secretPath, vid } from "@/test/fixtures";
import { callsTo, renderApp } from "@/test/render";

const name = "prod/db";
const current: SecretValueView = {
  arn: arnOf(name),
  name,
  versionId: vid("cccccccc"),
  versionStages: ["AWSCURRENT"],
  createdDate: "2026-11-20T09:00:00Z",
  secretString: '{"username":"ada","password":"hunter2-old","port":5432}',
  secretBinaryBase64: null,
};

function ipc(extra: Record<string, (a: Record<string, unknown>) => unknown> = {}) {
  return {
    describe_secret: () => detail(name, { description: "Orders database" }),
    get_secret_value: () => current,
    copy_secret_text: () => null,
    ...extra,
  };
}

describe("secret detail", () => {
  it("keeps the value masked until Reveal, then shows it key by key", async () => {
    const { calls, user } = renderApp({ path: secretPath(name), ipc: ipc() });
    expect(await screen.findByRole("heading", { name, level: 1 })).toBeVisible();
    expect(screen.getByLabelText("Value hidden")).toBeVisible();
    expect(screen.queryByText("hunter2-old")).toBeNull();
    expect(callsTo(calls, "get_secret_value")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Reveal" }));
    const table = await screen.findByRole("table", { name: "Secret value by key" });
    expect(within(table).getByRole("rowheader", { name: "password" })).toBeVisible();
    expect(within(table).getByText("hunter2-old")).toBeVisible();
    expect(reqOf(callsTo(calls, "get_secret_value")[0])).toEqual({
      secretId: arnOf(name),
      versionId: null,
      versionStage: "AWSCURRENT",
    });
    await user.click(screen.getByRole("button", { name: "Hide" }));
    expect(screen.queryByText("hunter2-old")).toBeNull();
  });

  it("copies the value and says when the clipboard will be cleared", async () => {
    const { calls, user } = renderApp({ path: secretPath(name), ipc: ipc() });
    await screen.findByRole("heading", { name, level: 1 });
    await user.click(screen.getByRole("button", { name: "Copy" }));
    await waitFor(() => expect(callsTo(calls, "copy_secret_text")).toHaveLength(1));
    expect(reqOf(callsTo(calls, "copy_secret_text")[0])).toEqual({
      text: current.secretString,
    });
    expect(await screen.findByText("It will be cleared in 30 seconds.")).toBeInTheDocument();
    // The value was fetched for the copy, but never shown.
    expect(screen.queryByText("hunter2-old")).toBeNull();
  });

  it("previews the change key by key before saving a new version", async () => {
    const { calls, user } = renderApp({
      path: secretPath(name),
      ipc: ipc({
        put_secret_value: () => ({ arn: arnOf(name), name, versionId: vid("dddddddd") }),
      }),
    });
    await screen.findByRole("heading", { name, level: 1 });
    await user.click(screen.getByRole("button", { name: "Edit value" }));
    const pw = await screen.findByLabelText("Value 2");
    expect(pw).toHaveAttribute("type", "password");
    await user.clear(pw);
    await user.type(pw, "hunter2-new");
    await user.click(screen.getByRole("button", { name: "Add key/value" }));
    await user.type(screen.getByRole("textbox", { name: "Key 4" }), "host");
    await user.type(screen.getByLabelText("Value 4"), "db.internal");
    await user.click(screen.getByRole("button", { name: "Review changes" }));

    const dialog = await screen.findByRole("dialog", { name: "Review the new version" });
    expect(dialog).toHaveTextContent("1 added, 1 changed");
    const rows = within(dialog).getAllByRole("row");
    const byKey = (k: string) => rows.find((r) => within(r).queryByRole("rowheader", { name: k }))!;
    expect(byKey("host")).toHaveTextContent("added");
    expect(byKey("password")).toHaveTextContent("changed");
    expect(byKey("username")).toHaveTextContent("unchanged");
    // Masked until asked.
    expect(within(dialog).queryByText("hunter2-new")).toBeNull();
    await user.click(within(dialog).getByRole("switch", { name: "Show values" }));
    expect(within(byKey("password")).getByText("hunter2-old")).toBeVisible();
    expect(within(byKey("password")).getByText("hunter2-new")).toBeVisible();
    expect(callsTo(calls, "put_secret_value")).toHaveLength(0);

    await user.click(within(dialog).getByRole("button", { name: "Save new version" }));
    await waitFor(() => expect(callsTo(calls, "put_secret_value")).toHaveLength(1));
    expect(reqOf(callsTo(calls, "put_secret_value")[0])).toEqual({
      secretId: arnOf(name),
      secretString: '{"username":"ada","password":"hunter2-new","port":5432,"host":"db.internal"}',
      secretBinaryBase64: null,
      versionStages: null,
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.getByLabelText("Value hidden")).toBeVisible();
  });

  it("edits a plain-text value and refuses to save an unchanged one", async () => {
    const { calls, user } = renderApp({
      path: secretPath(name),
      ipc: ipc({ get_secret_value: () => ({ ...current, secretString: "just text" }) }),
    });
    await screen.findByRole("heading", { name, level: 1 });
    await user.click(screen.getByRole("button", { name: "Edit value" }));
    expect(await screen.findByLabelText("Value (text)")).toHaveValue("just text");
    await user.click(screen.getByRole("button", { name: "Review changes" }));
    const dialog = await screen.findByRole("dialog", { name: "Review the new version" });
    expect(dialog).toHaveTextContent("Nothing changed");
    expect(within(dialog).getByRole("button", { name: "Save new version" })).toBeDisabled();
    expect(callsTo(calls, "put_secret_value")).toHaveLength(0);
  });

  it("deletes with a recovery window from 7 to 30 days", async () => {
    const { calls, user } = renderApp({
      path: secretPath(name),
      ipc: ipc({
        delete_secret: () => ({ arn: arnOf(name), name, deletionDate: "2026-12-06T09:00:00Z" }),
      }),
    });
    await screen.findByRole("heading", { name, level: 1 });
    await user.click(screen.getByRole("button", { name: "Delete…" }));
    const dialog = await screen.findByRole("alertdialog", { name: `Delete ${name}?` });
    const days = within(dialog).getByLabelText("Recovery window (days)");
    await user.clear(days);
    await user.type(days, "5");
    expect(within(dialog).getByRole("alert")).toHaveTextContent("from 7 to 30");
    expect(within(dialog).getByRole("button", { name: "Schedule deletion" })).toBeDisabled();
    await user.clear(days);
    await user.type(days, "7");
    await user.click(within(dialog).getByRole("button", { name: "Schedule deletion" }));
    await waitFor(() => expect(callsTo(calls, "delete_secret")).toHaveLength(1));
    expect(reqOf(callsTo(calls, "delete_secret")[0])).toEqual({
      secretId: arnOf(name),
      recoveryWindowInDays: 7,
      forceDeleteWithoutRecovery: false,
    });
  });

  it("wraps a long tag instead of cutting it off", async () => {
    const value = "payments-platform-".repeat(14);
    renderApp({
      path: secretPath(name),
      ipc: ipc({ describe_secret: () => detail(name, { tags: [{ key: "owner", value }] }) }),
    });
    const tags = await screen.findByRole("list", { name: "Tags" });
    const badge = within(tags).getByText(`= ${value}`).parentElement!;
    const [list, box] = [tags.getBoundingClientRect(), badge.getBoundingClientRect()];
    expect(box.right).toBeLessThanOrEqual(list.right + 0.5);
    expect(badge.scrollWidth).toBeLessThanOrEqual(badge.clientWidth);
    expect(box.height).toBeGreaterThan(30);
  });

  it("links to the secret's audit events", async () => {
    renderApp({ path: secretPath(name), ipc: ipc() });
    const link = await screen.findByRole("link", { name: "View events" });
    expect(decodeURIComponent(link.getAttribute("href")!)).toContain(
      `/audit?secret=${arnOf(name)}`,
    );
  });

  it("says what to do when the secret is gone", async () => {
    renderApp({
      path: secretPath(name),
      ipc: {
        describe_secret: () => {
          throw {
            code: "ResourceNotFoundException",
            message: "Secrets Manager can't find the specified secret.",
          };
        },
      },
    });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Secrets Manager can't find the specified secret.");
    expect(alert).toHaveTextContent("refresh the list");
  });
});
