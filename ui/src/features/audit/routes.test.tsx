// H5's screens inside the whole app (providers, session gate, router): the audit filters come
// from the URL and go back into it, and each route renders its screen.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";

import { arnOf, auditEvent, detail, secretPath } from "@/test/fixtures";
import { callsTo, renderApp } from "@/test/render";
import { reqOf } from "@/ipc/mock";
import type { AuditQuery } from "@/ipc/audit";

const chain = { ok: true, eventsChecked: 0, firstBadSeq: null, message: "" };

describe("H5 routes", () => {
  it("reads the audit filters from the URL and writes applied ones back", async () => {
    const arn = arnOf("db/prod");
    const { calls, router, user } = renderApp({
      path: `/audit?secret=${encodeURIComponent(arn)}&decision=denied`,
      ipc: {
        list_audit_events: () => ({ events: [], nextToken: null }),
        verify_audit_chain: () => chain,
      },
    });
    expect(await screen.findByRole("heading", { name: "Audit log" })).toBeInTheDocument();
    await waitFor(() => expect(callsTo(calls, "list_audit_events")).toHaveLength(1));
    expect(reqOf<AuditQuery>(callsTo(calls, "list_audit_events")[0]!)).toMatchObject({
      secret: arn,
      decision: "denied",
      outcome: null,
    });
    expect(screen.getByLabelText("Secret")).toHaveValue(arn);

    await user.selectOptions(screen.getByLabelText("Outcome"), "error");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() =>
      expect(router.state.location.search).toEqual({
        secret: arn,
        decision: "denied",
        outcome: "error",
      }),
    );
    await waitFor(() => expect(callsTo(calls, "list_audit_events")).toHaveLength(2));
  });

  it("opens from a secret filtered by the secret only, the time range shown as unset", async () => {
    const arn = arnOf("db/prod");
    const { calls, router, user } = renderApp({
      path: secretPath("db/prod"),
      ipc: {
        describe_secret: () => detail("db/prod"),
        list_versions: () => [],
        list_audit_events: () => ({ events: [], nextToken: null }),
        verify_audit_chain: () => chain,
        list_principals: () => [],
      },
    });
    await user.click(await screen.findByRole("link", { name: "View events" }));
    expect(await screen.findByRole("heading", { name: "Audit log" })).toBeInTheDocument();
    expect(router.state.location.search).toEqual({ secret: arn });
    await waitFor(() => expect(callsTo(calls, "list_audit_events")).toHaveLength(1));
    expect(reqOf<AuditQuery>(callsTo(calls, "list_audit_events")[0]!)).toMatchObject({
      secret: arn,
      from: null,
      to: null,
    });
    // Unset ends say so: WebKit would otherwise draw them as the current minute.
    const form = screen.getByRole("form", { name: "Audit filters" });
    for (const label of ["From", "To"]) {
      const field = within(form).getByLabelText(label);
      expect(field).toHaveValue("");
      expect(field).toHaveAccessibleDescription("Any time");
    }
    expect(within(form).getAllByText("Any time")).toHaveLength(2);
    expect(within(form).getAllByText("Any time")[0]).toBeVisible();

    // A set end shows its time and no longer reads "Any time".
    await user.click(within(form).getByRole("button", { name: "Last 24 hours" }));
    await waitFor(() => expect(within(form).getAllByText("Any time")).toHaveLength(1));
    expect(within(form).getByLabelText("From")).not.toHaveValue("");
    expect(within(form).getByLabelText("From")).not.toHaveAccessibleDescription();
    expect(within(form).getByLabelText("To")).toHaveAccessibleDescription("Any time");
  });

  it("mounts the rotation panel on a secret's Rotation tab", async () => {
    renderApp({
      path: secretPath("db/prod", "rotation"),
      ipc: {
        describe_secret: () => detail("db/prod"),
        get_rotation: () => ({
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
        }),
        list_rotators: () => [],
        rotation_history: () => [],
        next_rotation_times: () => ["2026-12-01T00:00:00Z"],
      },
    });
    expect(await screen.findByRole("form", { name: "Rotation configuration" })).toBeInTheDocument();
    expect(screen.getByText(/has not been rotated yet/)).toBeInTheDocument();
  });

  it("opens Keys, Access and Settings from the sidebar", async () => {
    const { user } = renderApp({
      ipc: {
        list_secrets: () => ({ secrets: [], nextToken: null }),
        list_keys: () => [],
        list_principals: () => [],
        get_api_status: () => ({ running: false, endpoint: null, agentTokenFile: null }),
      },
    });
    const nav = await screen.findByRole("navigation", { name: "Main" });
    await user.click(within(nav).getByRole("link", { name: "Keys" }));
    expect(await screen.findByRole("heading", { name: "Keys" })).toBeInTheDocument();
    await user.click(within(nav).getByRole("link", { name: "Access" }));
    expect(await screen.findByRole("heading", { name: "Access" })).toBeInTheDocument();
    await user.click(within(nav).getByRole("link", { name: "Settings" }));
    expect(await screen.findByRole("heading", { name: "Settings" })).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: "Start API" })).toBeInTheDocument();
  });

  it("explains a rotation with its execution role in the simulator, from the Rotation tab", async () => {
    const arn = arnOf("db/prod");
    const role = "arn:aws:iam::111122223333:role/coffer-rotation/rotation-db-prod-0123456789ab";
    const gen = "arn:aws:lambda:us-east-1:111122223333:function:coffer-generated-value";
    const { calls, router, user } = renderApp({
      path: secretPath("db/prod", "rotation"),
      ipc: {
        describe_secret: () => detail("db/prod"),
        get_rotation: () => ({
          enabled: true,
          lambdaArn: gen,
          roleArn: role,
          scheduleExpression: "rate(10 days)",
          automaticallyAfterDays: null,
          duration: null,
          lastRotatedDate: null,
          nextRotationDate: "2026-12-01T00:00:00Z",
          state: "idle",
          lastError: null,
          nextRuns: [],
        }),
        list_rotators: () => [{ name: "coffer-generated-value", arn: gen, kind: "builtin" }],
        rotation_history: () => [],
        next_rotation_times: () => ["2026-12-01T00:00:00Z"],
        list_principals: () => [
          {
            kind: "role",
            name: "rotation-db-prod-0123456789ab",
            arn: role,
            createdDate: "2026-01-01T00:00:00Z",
          },
        ],
        list_secrets: () => ({ secrets: [], nextToken: null }),
        simulate_policy: () => ({
          decision: "allowed",
          explanation: "allowed by statement 'RotateThisSecret' of policy rotate-this-secret",
          matchedStatements: [
            { policy: "rotate-this-secret", sid: "RotateThisSecret", effect: "Allow" },
          ],
        }),
      },
    });
    expect(await screen.findByText(role)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Explain with the execution role" }));

    expect(await screen.findByRole("heading", { name: "Access" })).toBeInTheDocument();
    expect(router.state.location.search).toEqual({
      simulate: "rotation",
      principal: role,
      resource: arn,
      rotator: gen,
    });
    expect(screen.getByRole("tab", { name: "Policy simulator" })).toHaveAttribute(
      "aria-selected",
      "true",
    );
    const table = await screen.findByRole("table", { name: "Rotation step decisions" });
    await waitFor(() => expect(callsTo(calls, "simulate_policy")).toHaveLength(4));
    expect(
      callsTo(calls, "simulate_policy").every(
        (c) =>
          reqOf<{ principalArn: string; resourceArn: string }>(c).principalArn === role &&
          reqOf<{ resourceArn: string }>(c).resourceArn === arn,
      ),
    ).toBe(true);
    await waitFor(() => expect(within(table).getAllByText("Allowed")).toHaveLength(4));
  });

  it("opens the role a rotation step acted as from the audit log", async () => {
    const role = "arn:aws:iam::111122223333:role/coffer-rotation/rotation-db-prod-0123456789ab";
    const { router, user } = renderApp({
      path: "/audit",
      ipc: {
        list_audit_events: () => ({
          events: [
            auditEvent(9, {
              source: "scheduler",
              principal: "coffer",
              action: "RotationSucceeded",
              resourceArn: arnOf("db/prod"),
              reason: "rotation",
              details: JSON.stringify({ step: "finishSecret", executionRoleArn: role }),
            }),
          ],
          nextToken: null,
        }),
        verify_audit_chain: () => chain,
        list_principals: () => [
          {
            kind: "role",
            name: "rotation-db-prod-0123456789ab",
            arn: role,
            createdDate: "2026-01-01T00:00:00Z",
          },
        ],
        list_inline_policies: () => [],
      },
    });
    await user.click(await screen.findByRole("cell", { name: "RotationSucceeded" }));
    await user.click(
      screen.getByRole("button", { name: "Open role rotation-db-prod-0123456789ab in Access" }),
    );
    expect(
      await screen.findByRole("article", { name: "role rotation-db-prod-0123456789ab" }),
    ).toBeInTheDocument();
    expect(router.state.location.search).toEqual({ principal: role });
  });
});
