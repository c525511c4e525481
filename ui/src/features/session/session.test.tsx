//! First run and unlock, driven as a user would.
import { describe, expect, it } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import { reqOf } from "@/ipc/mock";
import { callsTo, renderApp, unlockedStatus } from "@/test/render";

const noStore = { ...unlockedStatus, exists: false, locked: true, sealed: true };
const locked = { ...unlockedStatus, locked: true };
const sealed = { ...unlockedStatus, sealed: true, locked: true };
const strong = "violet kettle harbour 93 ladders";

describe("first run", () => {
  it("creates the store once both entries match and the password is strong", async () => {
    let status = noStore;
    const { calls, user } = renderApp({
      ipc: {
        store_status: () => status,
        create_store: () => (status = unlockedStatus),
        list_secrets: () => ({ secrets: [], nextToken: null }),
      },
    });
    expect(await screen.findByRole("heading", { name: "Create your Coffer store" })).toBeVisible();

    await user.type(screen.getByLabelText("Master password"), "password1");
    expect(screen.getByRole("meter", { name: "Password strength" })).toHaveAttribute(
      "aria-valuetext",
      "Very weak",
    );
    await user.click(screen.getByRole("button", { name: "Create store" }));
    expect(screen.getByRole("alert")).toHaveTextContent("at least 12 characters");
    expect(callsTo(calls, "create_store")).toHaveLength(0);

    await user.clear(screen.getByLabelText("Master password"));
    await user.type(screen.getByLabelText("Master password"), strong);
    expect(screen.getByRole("meter", { name: "Password strength" })).toHaveAttribute(
      "aria-valuenow",
      "4",
    );
    await user.type(screen.getByLabelText("Confirm master password"), strong + "x");
    expect(screen.getByText("The two passwords do not match.")).toBeVisible();
    await user.click(screen.getByRole("button", { name: "Create store" }));
    expect(callsTo(calls, "create_store")).toHaveLength(0);

    await user.type(screen.getByLabelText("Confirm master password"), "{Backspace}");
    await user.click(screen.getByRole("button", { name: "Create store" }));
    await waitFor(() => expect(callsTo(calls, "create_store")).toHaveLength(1));
    expect(reqOf(callsTo(calls, "create_store")[0])).toEqual({ password: strong });
    expect(await screen.findByRole("navigation", { name: "Main" })).toBeVisible();
  });
});

describe("unlock", () => {
  it("shows the error for a wrong password and stays locked", async () => {
    const { calls, user } = renderApp({
      ipc: {
        store_status: () => locked,
        unlock: () => {
          throw { code: "WrongPassword", message: "The master password is wrong." };
        },
      },
    });
    expect(await screen.findByRole("heading", { name: "Coffer is locked" })).toBeVisible();
    await user.type(screen.getByLabelText("Master password"), "not it");
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Wrong master password.");
    expect(alert).toHaveTextContent("Caps Lock");
    expect(screen.getByLabelText("Master password")).toHaveValue("");
    expect(screen.getByLabelText("Master password")).toHaveFocus();
    expect(reqOf(callsTo(calls, "unlock")[0])).toEqual({ password: "not it" });
    expect(screen.queryByRole("navigation", { name: "Main" })).toBeNull();
  });

  it("says when the store is sealed and opens the app after unsealing", async () => {
    let status = sealed;
    const { user } = renderApp({
      ipc: {
        store_status: () => status,
        unlock: () => (status = unlockedStatus),
        list_secrets: () => ({ secrets: [], nextToken: null }),
      },
    });
    expect(await screen.findByRole("heading", { name: "Coffer is sealed" })).toBeVisible();
    expect(screen.getByText(/keys are not in memory/)).toBeVisible();
    await user.type(screen.getByLabelText("Master password"), strong);
    await user.click(screen.getByRole("button", { name: "Unseal" }));
    expect(await screen.findByRole("navigation", { name: "Main" })).toBeVisible();
  });

  it("locks on Ctrl+L and from the sidebar button", async () => {
    let status = unlockedStatus;
    const { calls, user } = renderApp({
      ipc: {
        store_status: () => status,
        lock: () => (status = locked),
        unlock: () => (status = unlockedStatus),
        list_secrets: () => ({ secrets: [], nextToken: null }),
        clear_copied_text: () => false,
      },
    });
    await screen.findByRole("navigation", { name: "Main" });
    await user.keyboard("{Control>}l{/Control}");
    expect(await screen.findByRole("heading", { name: "Coffer is locked" })).toBeVisible();
    await user.type(screen.getByLabelText("Master password"), strong);
    await user.keyboard("{Enter}");
    await screen.findByRole("navigation", { name: "Main" });
    await user.click(screen.getByRole("button", { name: /^Lock/ }));
    expect(await screen.findByRole("heading", { name: "Coffer is locked" })).toBeVisible();
    expect(callsTo(calls, "lock")).toHaveLength(2);
  });
});
