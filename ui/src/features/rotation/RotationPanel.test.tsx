// The rotation panel against a mocked shell: the engine's next runs for the schedule being
// built, AWS's message for an invalid cron, saving, rotate now, and failures shown clearly.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { installIpcMock, reqOf, type IpcHandler } from "@/ipc/mock";
import type { RotationView } from "@/ipc/rotation";
import { renderWithQuery } from "../audit/testing";
import { RotationPanel } from "./RotationPanel";

const SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
const GEN = "arn:aws:lambda:us-east-1:123456789012:function:coffer-generated-value";
const PG = "arn:aws:lambda:us-east-1:123456789012:function:coffer-postgresql-single-user";

const off: RotationView = {
  enabled: false,
  lambdaArn: null,
  roleArn: null,
  scheduleExpression: null,
  automaticallyAfterDays: null,
  duration: null,
  lastRotatedDate: null,
  nextRotationDate: null,
  state: "idle",
  lastError: null,
  nextRuns: [],
};

const RUNS = [
  "2026-12-07T08:00:00Z",
  "2026-12-08T08:00:00Z",
  "2026-12-09T08:00:00Z",
  "2026-12-10T08:00:00Z",
  "2026-12-11T08:00:00Z",
];
const BAD_CRON =
  "Invalid cron expression: you can't specify both the day-of-month and day-of-week fields.";

function handlers(rotation: RotationView, extra: Record<string, IpcHandler> = {}) {
  return {
    get_rotation: () => rotation,
    list_rotators: () => [
      { name: "coffer-generated-value", arn: GEN, kind: "builtin" },
      { name: "coffer-postgresql-single-user", arn: PG, kind: "builtin" },
    ],
    rotation_history: () => [],
    next_rotation_times: (a: Record<string, unknown>) => {
      const r = a.req as { scheduleExpression: string | null; count: number };
      if (
        r.scheduleExpression &&
        /^cron\(\S+ \S+ [^?]\S* \S+ [^?]\S* \S+\)$/.test(r.scheduleExpression)
      )
        throw { code: "ValidationException", message: BAD_CRON };
      return RUNS.slice(0, r.count);
    },
    ...extra,
  };
}

describe("RotationPanel", () => {
  it("builds a cron schedule, shows the engine's next runs, and saves it", async () => {
    const calls = installIpcMock(
      handlers(off, { rotate_secret: () => ({ arn: SECRET, name: "db", versionId: "v2" }) }),
    );
    renderWithQuery(<RotationPanel secretId={SECRET} />);
    const form = await screen.findByRole("form", { name: "Rotation configuration" });
    const user = userEvent.setup();

    await within(form).findByRole("option", { name: "coffer-postgresql-single-user (built-in)" });
    await user.selectOptions(within(form).getByLabelText("Rotator"), PG);
    await user.click(within(form).getByRole("radio", { name: "Cron expression" }));
    const hours = within(form).getByLabelText("Hours");
    await user.clear(hours);
    await user.type(hours, "8");
    await user.clear(within(form).getByLabelText("Day of week"));
    await user.type(within(form).getByLabelText("Day of week"), "MON-FRI");
    await user.clear(within(form).getByLabelText("Day of month"));
    await user.type(within(form).getByLabelText("Day of month"), "?");

    expect(within(form).getByLabelText("Schedule expression")).toHaveTextContent(
      "cron(0 8 ? * MON-FRI *)",
    );
    expect(within(form).getByText("At 08:00, Monday through Friday (UTC)")).toBeInTheDocument();
    const next = within(form).getByRole("region", { name: "Next runs" });
    await waitFor(() => expect(within(next).getAllByRole("listitem")).toHaveLength(5));
    const times = within(next)
      .getAllByRole("time")
      .map((t) => t.getAttribute("datetime"));
    expect(times).toEqual(RUNS);
    const asked = calls.filter((c) => c.cmd === "next_rotation_times").map((c) => reqOf(c));
    expect(asked.at(-1)).toEqual({
      scheduleExpression: "cron(0 8 ? * MON-FRI *)",
      automaticallyAfterDays: null,
      count: 5,
    });

    await user.type(within(form).getByLabelText("Rotation window (hours)"), "3");
    await user.click(within(form).getByRole("button", { name: "Save and enable rotation" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "rotate_secret")).toBe(true));
    expect(reqOf(calls.find((c) => c.cmd === "rotate_secret")!)).toEqual({
      secretId: SECRET,
      lambdaArn: PG,
      scheduleExpression: "cron(0 8 ? * MON-FRI *)",
      automaticallyAfterDays: null,
      duration: "3h",
      rotateImmediately: true,
    });
  });

  it("shows the engine's message for an invalid cron instead of run times", async () => {
    installIpcMock(handlers(off));
    renderWithQuery(<RotationPanel secretId={SECRET} />);
    const form = await screen.findByRole("form", { name: "Rotation configuration" });
    const user = userEvent.setup();
    await user.click(within(form).getByRole("radio", { name: "Cron expression" }));
    await user.clear(within(form).getByLabelText("Day of week"));
    await user.type(within(form).getByLabelText("Day of week"), "MON");
    // Day of month is still "*": both set, which AWS refuses.
    const next = within(form).getByRole("region", { name: "Next runs" });
    expect(await within(next).findByRole("alert")).toHaveTextContent(BAD_CRON);
    expect(within(next).queryAllByRole("listitem")).toHaveLength(0);
  });

  it("reads a stored rate schedule and asks the engine about it", async () => {
    const calls = installIpcMock(
      handlers({
        ...off,
        enabled: true,
        lambdaArn: GEN,
        scheduleExpression: "rate(10 days)",
        duration: "2h",
      }),
    );
    renderWithQuery(<RotationPanel secretId={SECRET} />);
    const form = await screen.findByRole("form", { name: "Rotation configuration" });
    expect(within(form).getByRole("radio", { name: "Rate" })).toBeChecked();
    expect(within(form).getByLabelText("Every")).toHaveValue("10");
    expect(within(form).getByLabelText("Unit")).toHaveValue("days");
    expect(within(form).getByLabelText("Rotation window (hours)")).toHaveValue("2");
    expect(within(form).getByLabelText("Rotator")).toHaveValue(GEN);
    expect(within(form).getByText("Every 10 days")).toBeInTheDocument();
    await waitFor(() =>
      expect(
        calls.some(
          (c) =>
            c.cmd === "next_rotation_times" &&
            reqOf<{ scheduleExpression: string }>(c).scheduleExpression === "rate(10 days)",
        ),
      ).toBe(true),
    );
    expect(screen.getByRole("button", { name: "Save rotation settings" })).toBeEnabled();
  });

  it("shows a failed rotation's error and its history, and rotates now", async () => {
    const calls = installIpcMock(
      handlers(
        {
          ...off,
          enabled: true,
          lambdaArn: PG,
          automaticallyAfterDays: 30,
          state: "failed",
          lastError: 'setSecret: password authentication failed for user "admin"',
        },
        {
          rotation_history: () => [
            {
              time: "2026-11-29T10:00:00Z",
              action: "RotationFailed",
              versionId: "v9",
              step: "setSecret",
              message: "password authentication failed",
            },
            {
              time: "2026-11-29T09:59:00Z",
              action: "RotationStarted",
              versionId: "v9",
              step: null,
              message: null,
            },
          ],
          rotate_secret: () => ({ arn: SECRET, name: "db", versionId: "v10" }),
        },
      ),
    );
    renderWithQuery(<RotationPanel secretId={SECRET} />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The last rotation failed");
    expect(alert).toHaveTextContent('password authentication failed for user "admin"');
    expect(screen.getByLabelText("State: Failed")).toBeInTheDocument();
    const history = await screen.findByRole("table", { name: "Rotation history" });
    expect(within(history).getByText("RotationFailed")).toBeInTheDocument();
    expect(within(history).getByRole("cell", { name: "setSecret" })).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Rotate now" }));
    expect(await screen.findByText("Rotation started (new version v10).")).toBeInTheDocument();
    expect(reqOf(calls.find((c) => c.cmd === "rotate_secret")!)).toMatchObject({
      secretId: SECRET,
      lambdaArn: null,
      rotateImmediately: true,
    });
  });

  it("says a due rotation waits while the store is sealed", async () => {
    installIpcMock(handlers({ ...off, enabled: true, lambdaArn: GEN, state: "waiting" }));
    renderWithQuery(<RotationPanel secretId={SECRET} />);
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "runs as soon as the store is unsealed",
    );
  });

  it("names the execution role and asks to explain a step with it", async () => {
    const role = "arn:aws:iam::123456789012:role/coffer-rotation/rotation-db-0123456789ab";
    installIpcMock(handlers({ ...off, enabled: true, lambdaArn: PG, roleArn: role }));
    const asked: unknown[] = [];
    renderWithQuery(<RotationPanel secretId={SECRET} onExplain={(r) => asked.push(r)} />);
    const status = await screen.findByRole("region", { name: /^Rotation/ });
    expect(within(status).getByText(role)).toBeInTheDocument();
    await userEvent.click(
      within(status).getByRole("button", { name: "Explain with the execution role" }),
    );
    expect(asked).toEqual([{ roleArn: role, secretArn: SECRET, rotatorArn: PG }]);
  });

  it("says when the execution role does not exist yet", async () => {
    installIpcMock(handlers({ ...off, enabled: true, lambdaArn: PG, roleArn: null }));
    renderWithQuery(<RotationPanel secretId={SECRET} onExplain={() => {}} />);
    expect(await screen.findByText(/None yet: Coffer makes this secret/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Explain with the execution role" })).toBeNull();
  });
});
