// Settings → Master password against a mocked shell: a weak new password is refused in
// place (nothing sent), a strong one is sent with the current one; a re-key asks once more
// before it runs, and says what it rewrote or why it did not.
import { describe, expect, it } from "vitest";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { installIpcMock, reqOf } from "@/ipc/mock";
import { renderWithQuery } from "../audit/testing";
import { MasterPasswordPanel } from "./MasterPasswordPanel";

const status = () => ({
  path: "/tmp/coffer.db",
  exists: true,
  sealed: false,
  locked: false,
  accountId: "123456789012",
  region: "us-east-1",
});

describe("MasterPasswordPanel", () => {
  it("refuses a weak new password in place and sends a strong one", async () => {
    const calls = installIpcMock({ store_status: status, change_master_password: () => null });
    renderWithQuery(<MasterPasswordPanel />);
    const form = await screen.findByRole("form", { name: "Change master password" });
    const user = userEvent.setup();
    await user.type(within(form).getByLabelText("Current master password"), "old horse battery");
    await user.type(within(form).getByLabelText("New master password"), "password1");
    await user.type(within(form).getByLabelText("Confirm new master password"), "password1");
    await user.click(within(form).getByRole("button", { name: "Change master password" }));
    expect(within(form).getByRole("alert")).toHaveTextContent("at least 12 characters");
    expect(calls.some((c) => c.cmd === "change_master_password")).toBe(false);

    const strong = "tarnished umbrella quietly orbits";
    for (const label of ["New master password", "Confirm new master password"]) {
      await user.clear(within(form).getByLabelText(label));
      await user.type(within(form).getByLabelText(label), strong);
    }
    await user.click(within(form).getByRole("button", { name: "Change master password" }));
    expect(await within(form).findByRole("status")).toHaveTextContent("Master password changed");
    expect(reqOf(calls.find((c) => c.cmd === "change_master_password")!)).toEqual({
      oldPassword: "old horse battery",
      newPassword: strong,
    });
  });

  it("re-keys only after a second confirmation, and reports what it rewrote", async () => {
    const calls = installIpcMock({
      store_status: status,
      rekey_store: () => ({
        kmsKeys: 2,
        secretVersions: 41,
        accessKeys: 3,
        functions: 1,
        auditEvents: 812,
      }),
    });
    renderWithQuery(<MasterPasswordPanel />);
    const form = await screen.findByRole("form", { name: "Re-key the store" });
    const user = userEvent.setup();
    await user.click(within(form).getByRole("button", { name: "Re-key the store" }));
    expect(within(form).getByRole("alert")).toHaveTextContent("Enter the current master password");
    await user.type(within(form).getByLabelText("Master password for the re-key"), "correct horse");
    await user.click(within(form).getByRole("button", { name: "Re-key the store" }));
    expect(within(form).getByRole("alert")).toHaveTextContent("Re-key now?");
    expect(calls.some((c) => c.cmd === "rekey_store")).toBe(false);
    await user.click(within(form).getByRole("button", { name: "Re-key now" }));
    expect(await within(form).findByRole("status")).toHaveTextContent(
      "41 secret versions re-encrypted under fresh material of 2 KMS keys",
    );
    expect(reqOf(calls.find((c) => c.cmd === "rekey_store")!)).toEqual({
      password: "correct horse",
    });
  });

  it("says why a re-key was refused", async () => {
    installIpcMock({
      store_status: status,
      rekey_store: () => {
        throw { code: "WrongPassword", message: "The master password is wrong." };
      },
    });
    renderWithQuery(<MasterPasswordPanel />);
    const form = await screen.findByRole("form", { name: "Re-key the store" });
    const user = userEvent.setup();
    await user.type(within(form).getByLabelText("Master password for the re-key"), "typo");
    await user.click(within(form).getByRole("button", { name: "Re-key the store" }));
    await user.click(within(form).getByRole("button", { name: "Re-key now" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent(
      "The store was not re-keyed: The master password is wrong.",
    );
  });
});
