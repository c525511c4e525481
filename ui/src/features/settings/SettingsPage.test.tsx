// The settings screen against a mocked shell: saving app settings (and the theme applying),
// invalid numbers refused in place, and the API listener's start, endpoint and CLI example.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { ThemeProvider } from "@/app/theme";
import { installIpcMock, reqOf, type IpcHandler } from "@/ipc/mock";
import { renderWithQuery } from "../audit/testing";
import { SettingsPage, awsCliExample } from "./SettingsPage";

const stopped = { running: false, endpoint: null, agentTokenFile: null };

function handlers(extra: Record<string, IpcHandler> = {}): Record<string, IpcHandler> {
  return {
    get_settings: () => ({ autoLockMinutes: 10, clipboardClearSeconds: 30, theme: "system" }),
    set_settings: (a) => a.req,
    get_api_status: () => stopped,
    store_status: () => ({
      path: "/tmp/coffer.db",
      exists: true,
      sealed: false,
      locked: false,
      accountId: "123456789012",
      region: "eu-west-1",
    }),
    ...extra,
  };
}

describe("SettingsPage", () => {
  it("saves auto-lock, clipboard timeout and theme", async () => {
    const calls = installIpcMock(handlers());
    renderWithQuery(
      <ThemeProvider>
        <SettingsPage />
      </ThemeProvider>,
    );
    const form = await screen.findByRole("form", { name: "App settings" });
    const user = userEvent.setup();
    const lock = within(form).getByLabelText("Auto-lock after (minutes idle)");
    expect(lock).toHaveValue("10");
    await user.clear(lock);
    await user.type(lock, "0");
    const clip = within(form).getByLabelText("Clear copied secrets after (seconds)");
    await user.clear(clip);
    await user.type(clip, "45");
    await user.selectOptions(within(form).getByLabelText("Theme"), "dark");
    await user.click(within(form).getByRole("button", { name: "Save settings" }));

    expect(await within(form).findByRole("status")).toHaveTextContent("Settings saved.");
    expect(reqOf(calls.find((c) => c.cmd === "set_settings")!)).toEqual({
      autoLockMinutes: 0,
      clipboardClearSeconds: 45,
      theme: "dark",
    });
    expect(document.documentElement.classList.contains("dark")).toBe(true);
  });

  it("refuses a non-number in place and does not save", async () => {
    const calls = installIpcMock(handlers());
    renderWithQuery(<SettingsPage />);
    const form = await screen.findByRole("form", { name: "App settings" });
    const clip = within(form).getByLabelText("Clear copied secrets after (seconds)");
    await userEvent.clear(clip);
    await userEvent.type(clip, "soon");
    expect(clip).toHaveAttribute("aria-invalid", "true");
    expect(within(form).getByText("Enter whole seconds from 1 to 3600.")).toBeInTheDocument();
    expect(within(form).getByRole("button", { name: "Save settings" })).toBeDisabled();
    expect(calls.some((c) => c.cmd === "set_settings")).toBe(false);
  });

  it("starts the API and shows its endpoint and a copyable AWS CLI command", async () => {
    const calls = installIpcMock(
      handlers({
        start_api: (a) => ({
          running: true,
          endpoint: `http://${(a.req as { listen: string }).listen}`,
          agentTokenFile: "/tmp/coffer.db.agent-token",
        }),
        stop_api: () => stopped,
      }),
    );
    renderWithQuery(<SettingsPage />);
    const user = userEvent.setup();
    const listen = await screen.findByLabelText("Listen address");
    await waitFor(() => expect(screen.getByRole("button", { name: "Start API" })).toBeEnabled());
    await user.clear(listen);
    await user.type(listen, "127.0.0.1:4600");
    await user.click(screen.getByRole("button", { name: "Start API" }));

    expect(await screen.findByLabelText("Endpoint")).toHaveTextContent("http://127.0.0.1:4600");
    expect(reqOf(calls.find((c) => c.cmd === "start_api")!)).toEqual({ listen: "127.0.0.1:4600" });
    expect(screen.getByText("Running")).toBeInTheDocument();
    expect(screen.getByLabelText("AWS CLI example")).toHaveTextContent(
      "aws --endpoint-url http://127.0.0.1:4600 --region eu-west-1",
    );
    expect(screen.getByRole("button", { name: "Copy command" })).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Stop API" }));
    expect(await screen.findByText("Stopped")).toBeInTheDocument();
  });

  it("writes the CLI example for the endpoint and region", () => {
    expect(awsCliExample("https://10.0.0.5:4599", null)).toContain(
      "aws --endpoint-url https://10.0.0.5:4599 --region us-east-1",
    );
  });
});
