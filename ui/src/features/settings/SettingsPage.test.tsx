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
    expect(reqOf(calls.find((c) => c.cmd === "start_api")!)).toEqual({
      listen: "127.0.0.1:4600",
      agent: false,
    });
    expect(screen.getByText("Running")).toBeInTheDocument();
    expect(screen.getByLabelText("AWS CLI example")).toHaveTextContent(
      "aws --endpoint-url http://127.0.0.1:4600 --region eu-west-1",
    );
    expect(screen.getByRole("button", { name: "Copy command" })).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Stop API" }));
    expect(await screen.findByText("Stopped")).toBeInTheDocument();
  });

  it("serves the agent protocol as a chosen user and shows how an application reads", async () => {
    const arn = "arn:aws:iam::123456789012:user/app-reader";
    const calls = installIpcMock(
      handlers({
        list_principals: () => [
          { kind: "user", name: "app-reader", arn, createdDate: "2026-11-30T00:00:00.000Z" },
          {
            kind: "group",
            name: "ops",
            arn: "arn:aws:iam::123456789012:group/ops",
            createdDate: "2026-11-30T00:00:00.000Z",
          },
        ],
        start_api: (a) => ({
          running: true,
          endpoint: `http://${(a.req as { listen: string }).listen}`,
          agentTokenFile: (a.req as { agent: boolean }).agent ? "/tmp/coffer.db.agent-token" : null,
        }),
      }),
    );
    renderWithQuery(<SettingsPage />);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByRole("button", { name: "Start API" })).toBeEnabled());
    expect(screen.queryByLabelText("Agent requests act as")).not.toBeInTheDocument();
    await user.click(screen.getByRole("checkbox", { name: /Secrets Manager Agent protocol/ }));
    const actAs = await screen.findByLabelText("Agent requests act as");
    await within(actAs).findByRole("option", { name: "User app-reader" });
    // Nothing is preselected: the account root is chosen like any other principal.
    expect(actAs).toHaveValue("");
    expect(within(actAs).getByRole("option", { name: /account root/ })).toHaveValue("root");
    expect(screen.getByRole("button", { name: "Start API" })).toBeDisabled();
    // Groups cannot sign in, so they are not offered.
    expect(within(actAs).queryByRole("option", { name: /ops/ })).not.toBeInTheDocument();
    await user.selectOptions(actAs, arn);
    await user.click(screen.getByRole("button", { name: "Start API" }));

    expect(await screen.findByLabelText("Agent protocol example")).toHaveTextContent(
      "X-Aws-Parameters-Secrets-Token: $(cat '/tmp/coffer.db.agent-token')",
    );
    expect(screen.getByLabelText("Agent protocol example")).toHaveTextContent(
      "http://127.0.0.1:4599/secretsmanager/get?secretId=",
    );
    expect(reqOf(calls.find((c) => c.cmd === "start_api")!)).toEqual({
      listen: "127.0.0.1:4599",
      agent: true,
      agentPrincipal: arn,
    });
  });

  it("writes the CLI example for the endpoint and region", () => {
    expect(awsCliExample("https://10.0.0.5:4599", null)).toContain(
      "aws --endpoint-url https://10.0.0.5:4599 --region us-east-1",
    );
  });
});
