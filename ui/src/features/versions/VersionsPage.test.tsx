//! Moving staging labels: by menu and by drag and drop, each behind a confirmation that says
//! what will move where.
import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { reqOf } from "@/ipc/mock";
import { arnOf, detail, secretPath, version, vid } from "@/test/fixtures";
import { callsTo, renderApp } from "@/test/render";

const name = "prod/db";
const versions = [version("cccccccc", "AWSCURRENT"), version("bbbbbbbb", "AWSPREVIOUS")];
const deprecated = version("aaaaaaaa");

function ipc() {
  return {
    describe_secret: () => detail(name),
    list_versions: (a: Record<string, unknown>) =>
      (a.req as { includeDeprecated: boolean }).includeDeprecated
        ? [...versions, deprecated]
        : versions,
    move_staging_label: () => null,
  };
}

describe("versions", () => {
  it("rolls AWSCURRENT back through the menu after a confirmation that states the move", async () => {
    const { calls, user } = renderApp({ path: secretPath(name, "versions"), ipc: ipc() });
    const timeline = await screen.findByRole("list", { name: "Version timeline" });
    expect(within(timeline).getAllByRole("listitem", { name: /^Version / })).toHaveLength(2);

    await user.click(screen.getByRole("button", { name: "Label actions for bbbbbbbb" }));
    await user.click(await screen.findByRole("menuitem", { name: "Move AWSCURRENT here" }));
    const confirm = await screen.findByRole("alertdialog", {
      name: "Move AWSCURRENT from cccccccc to bbbbbbbb?",
    });
    expect(confirm).toHaveTextContent("AWSPREVIOUS will move from bbbbbbbb to cccccccc.");
    expect(callsTo(calls, "move_staging_label")).toHaveLength(0);
    await user.click(within(confirm).getByRole("button", { name: "Move AWSCURRENT" }));
    await waitFor(() => expect(callsTo(calls, "move_staging_label")).toHaveLength(1));
    expect(reqOf(callsTo(calls, "move_staging_label")[0])).toEqual({
      secretId: arnOf(name),
      label: "AWSCURRENT",
      moveToVersionId: vid("bbbbbbbb"),
      removeFromVersionId: vid("cccccccc"),
    });
  });

  it("moves a label by drag and drop, also behind the confirmation", async () => {
    const { calls, user } = renderApp({ path: secretPath(name, "versions"), ipc: ipc() });
    const timeline = await screen.findByRole("list", { name: "Version timeline" });
    const target = within(timeline).getByRole("listitem", { name: "Version bbbbbbbb" });
    const badge = within(timeline).getByText("AWSCURRENT");
    const dt = new DataTransfer();
    // Native DragEvents carrying one DataTransfer, as a real drag does (fireEvent would copy it).
    const drag = (el: Element, type: string) =>
      fireEvent(el, new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    drag(badge, "dragstart");
    expect(dt.types).toContain("application/x-coffer-label");
    drag(target, "dragenter");
    drag(target, "dragover");
    drag(target, "drop");
    const confirm = await screen.findByRole("alertdialog", {
      name: "Move AWSCURRENT from cccccccc to bbbbbbbb?",
    });
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    expect(callsTo(calls, "move_staging_label")).toHaveLength(0);
  });

  it("shows deprecated versions on demand and attaches a custom label", async () => {
    const { calls, user } = renderApp({ path: secretPath(name, "versions"), ipc: ipc() });
    const timeline = await screen.findByRole("list", { name: "Version timeline" });
    expect(within(timeline).queryByRole("listitem", { name: "Version aaaaaaaa" })).toBeNull();
    await user.click(screen.getByRole("switch", { name: "Show deprecated versions" }));
    const old = await within(timeline).findByRole("listitem", { name: "Version aaaaaaaa" });
    expect(within(old).getByText("deprecated")).toBeVisible();

    await user.click(within(old).getByRole("button", { name: "Label actions for aaaaaaaa" }));
    await user.click(await screen.findByRole("menuitem", { name: "Add a custom label…" }));
    const dialog = await screen.findByRole("dialog", { name: "Add a label to aaaaaaaa" });
    await user.type(within(dialog).getByLabelText("Label"), "blue");
    expect(within(dialog).getByRole("status")).toHaveTextContent("Attach blue to aaaaaaaa?");
    await user.click(within(dialog).getByRole("button", { name: "Attach blue" }));
    await waitFor(() => expect(callsTo(calls, "move_staging_label")).toHaveLength(1));
    expect(reqOf(callsTo(calls, "move_staging_label")[0])).toMatchObject({
      label: "blue",
      moveToVersionId: vid("aaaaaaaa"),
      removeFromVersionId: null,
    });
  });
});
