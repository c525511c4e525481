// The keys screen against a mocked shell: list, create, and disable only after confirming.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { installIpcMock, reqOf } from "@/ipc/mock";
import type { KeyView } from "@/ipc/keys";
import { renderWithQuery } from "../audit/testing";
import { KeysPage } from "./KeysPage";

function key(over: Partial<KeyView>): KeyView {
  return {
    keyId: "k-1",
    arn: "arn:aws:kms:us-east-1:123456789012:key/k-1",
    alias: "billing",
    description: "billing secrets",
    enabled: true,
    managed: false,
    createdDate: "2026-01-01T00:00:00Z",
    rotatedDate: null,
    materialVersion: 1,
    ...over,
  };
}

describe("KeysPage", () => {
  it("creates a key with an alias and description", async () => {
    let keys: KeyView[] = [];
    const calls = installIpcMock({
      list_keys: () => keys,
      create_key: (a) => {
        const r = a.req as { alias: string; description: string };
        keys = [key({ alias: r.alias, description: r.description })];
        return keys[0];
      },
    });
    renderWithQuery(<KeysPage />);
    expect(await screen.findByText("No keys yet")).toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(screen.getAllByRole("button", { name: "Create key" })[0]!);
    const dialog = await screen.findByRole("dialog", { name: "Create key" });
    await user.type(within(dialog).getByLabelText("Alias"), "alias/billing");
    await user.type(within(dialog).getByLabelText("Description"), "billing secrets");
    await user.click(within(dialog).getByRole("button", { name: "Create" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Created alias/billing.");
    expect(reqOf(calls.find((c) => c.cmd === "create_key")!)).toEqual({
      alias: "billing",
      description: "billing secrets",
    });
    expect(await screen.findByRole("cell", { name: "billing secrets" })).toBeInTheDocument();
  });

  it("disables a key only after the confirmation", async () => {
    const calls = installIpcMock({
      list_keys: () => [key({}), key({ keyId: "m", alias: "aws/secretsmanager", managed: true })],
      set_key_enabled: () => key({ enabled: false }),
    });
    renderWithQuery(<KeysPage />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Disable alias/billing" }));
    expect(screen.queryByRole("button", { name: "Disable alias/aws/secretsmanager" })).toBeNull();
    const confirm = await screen.findByRole("alertdialog", { name: "Disable alias/billing?" });
    expect(calls.some((c) => c.cmd === "set_key_enabled")).toBe(false);
    await user.click(within(confirm).getByRole("button", { name: "Disable key" }));
    await waitFor(() =>
      expect(reqOf(calls.find((c) => c.cmd === "set_key_enabled")!)).toEqual({
        keyId: "k-1",
        enabled: false,
      }),
    );
    expect(await screen.findByRole("status")).toHaveTextContent("alias/billing is disabled.");
  });
});
