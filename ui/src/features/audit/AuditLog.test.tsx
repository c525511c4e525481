// The audit screen against a mocked shell: filters → list_audit_events, the chain banner,
// event details as text, paging, and export through the save dialog.
import * as React from "react";
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { installIpcMock, reqOf, type IpcCall } from "@/ipc/mock";
import { auditEvent } from "@/test/fixtures";
import type { AuditEventView, AuditQuery } from "@/ipc/audit";
import { AuditLog } from "./AuditLog";
import type { AuditFilters } from "./query";
import { renderWithQuery } from "./testing";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/prod-AbCdEf";

function event(seq: number, over: Partial<AuditEventView> = {}): AuditEventView {
  return auditEvent(seq, {
    time: new Date(Date.UTC(2026, 0, 1, 12, 0, seq % 60)).toISOString(),
    resourceArn: ARN,
    versionId: "11111111-2222-3333-4444-555555555555",
    details: '{"valueHash":"abc"}',
    ...over,
  });
}

function Harness({
  initial = {},
  onOpenPrincipal,
}: {
  initial?: AuditFilters;
  onOpenPrincipal?: (arn: string) => void;
}) {
  const [filters, setFilters] = React.useState<AuditFilters>(initial);
  return (
    <>
      <output aria-label="url filters">{JSON.stringify(filters)}</output>
      <AuditLog filters={filters} onFiltersChange={setFilters} onOpenPrincipal={onOpenPrincipal} />
    </>
  );
}

const intact = { ok: true, eventsChecked: 3, firstBadSeq: null, message: "intact" };

function auditCalls(calls: IpcCall[]): AuditQuery[] {
  return calls.filter((c) => c.cmd === "list_audit_events").map((c) => reqOf<AuditQuery>(c));
}

describe("AuditLog", () => {
  it("sends the filters a person sets as the engine's query", async () => {
    const calls = installIpcMock({
      list_audit_events: () => ({ events: [event(3), event(2), event(1)], nextToken: null }),
      verify_audit_chain: () => intact,
    });
    renderWithQuery(<Harness initial={{ secret: ARN }} />);

    expect(await screen.findAllByRole("row")).toHaveLength(4); // header + 3
    expect(auditCalls(calls)[0]).toMatchObject({ secret: ARN, principal: null, nextToken: null });
    expect(screen.getByLabelText("Secret")).toHaveValue(ARN);

    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Principal"), "arn:aws:iam::123456789012:user/app");
    await user.type(screen.getByLabelText("Action"), "GetSecretValue");
    await user.selectOptions(screen.getByLabelText("Decision"), "denied");
    await user.selectOptions(screen.getByLabelText("Outcome"), "error");
    await user.type(screen.getByLabelText("Search"), "needle");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));

    await waitFor(() => expect(auditCalls(calls)).toHaveLength(2));
    expect(auditCalls(calls)[1]).toEqual({
      from: null,
      to: null,
      principal: "arn:aws:iam::123456789012:user/app",
      action: "GetSecretValue",
      secret: ARN,
      outcome: "error",
      decision: "denied",
      text: "needle",
      limit: 200,
      nextToken: null,
    });
    expect(screen.getByLabelText("url filters")).toHaveTextContent('"decision":"denied"');

    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(auditCalls(calls)).toHaveLength(3));
    expect(auditCalls(calls)[2]).toMatchObject({ secret: null, decision: null, text: null });
  });

  it("shows the first bad sequence number when the chain is broken", async () => {
    installIpcMock({
      list_audit_events: () => ({ events: [event(1)], nextToken: null }),
      verify_audit_chain: () => ({
        ok: false,
        eventsChecked: 41,
        firstBadSeq: 17,
        message: "the MAC does not match",
      }),
    });
    renderWithQuery(<AuditLog filters={{}} onFiltersChange={() => {}} />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("broken at event #17");
    expect(alert).toHaveTextContent("the MAC does not match");
  });

  it("says the chain is intact and how many events were checked", async () => {
    installIpcMock({
      list_audit_events: () => ({ events: [], nextToken: null }),
      verify_audit_chain: () => intact,
    });
    renderWithQuery(<AuditLog filters={{}} onFiltersChange={() => {}} />);
    expect(await screen.findByText("Chain intact: 3 events verified.")).toBeInTheDocument();
    expect(screen.getByText(/No events yet/)).toBeInTheDocument();
  });

  it("shows an event's details as text, HTML included", async () => {
    const xss = '<img src=x onerror="window.__pwned=1">';
    installIpcMock({
      list_audit_events: () => ({
        events: [event(5, { principal: xss, details: JSON.stringify({ name: xss, n: 1 }) })],
        nextToken: null,
      }),
      verify_audit_chain: () => intact,
    });
    renderWithQuery(<AuditLog filters={{}} onFiltersChange={() => {}} />);
    const rows = await screen.findAllByRole("row");
    rows[1]!.focus();
    await userEvent.keyboard("{Enter}");
    const panel = screen.getByRole("region", { name: "Event 5 details" });
    const pre = within(panel).getByLabelText("Event details JSON");
    expect(pre.textContent).toBe(JSON.stringify({ name: xss, n: 1 }, null, 2));
    expect(document.querySelector("img")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("moves between rows with the arrow keys and applies a quick time range", async () => {
    const calls = installIpcMock({
      list_audit_events: () => ({ events: [event(3), event(2), event(1)], nextToken: null }),
      verify_audit_chain: () => intact,
    });
    renderWithQuery(<Harness />);
    const rows = await screen.findAllByRole("row");
    rows[1]!.focus();
    await userEvent.keyboard("{ArrowDown}{ArrowDown}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getAllByRole("row")[3]));
    await userEvent.keyboard("{ArrowUp}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getAllByRole("row")[2]));
    await userEvent.keyboard("{Enter}");
    expect(screen.getByRole("region", { name: "Event 2 details" })).toBeInTheDocument();

    const before = Date.now();
    await userEvent.click(screen.getByRole("button", { name: "Last 24 hours" }));
    await waitFor(() => expect(auditCalls(calls)).toHaveLength(2));
    const from = Date.parse(auditCalls(calls)[1]!.from!);
    expect(Math.abs(before - 86_400_000 - from)).toBeLessThan(60_000);
    expect(auditCalls(calls)[1]!.to).toBeNull();
  });

  it("pages in older events with the next token", async () => {
    const calls = installIpcMock({
      list_audit_events: (args) => {
        const q = (args.req as AuditQuery).nextToken;
        return q === null
          ? { events: [event(3), event(2)], nextToken: "page2" }
          : { events: [event(1)], nextToken: null };
      },
      verify_audit_chain: () => intact,
    });
    renderWithQuery(<AuditLog filters={{}} onFiltersChange={() => {}} />);
    await waitFor(() => expect(screen.getAllByRole("row")).toHaveLength(4));
    expect(auditCalls(calls).map((q) => q.nextToken)).toEqual([null, "page2"]);
    expect(screen.getByText("3 events loaded")).toBeInTheDocument();
  });

  it("exports through the save dialog, then export_audit with that path", async () => {
    const calls = installIpcMock({
      list_audit_events: () => ({ events: [event(1)], nextToken: null }),
      verify_audit_chain: () => intact,
      choose_audit_export_path: () => "/home/me/audit.csv",
      export_audit: () => 42,
    });
    renderWithQuery(<AuditLog filters={{ decision: "denied" }} onFiltersChange={() => {}} />);
    await userEvent.click(await screen.findByRole("button", { name: "Export CSV" }));
    expect(await screen.findByText("42 events written to /home/me/audit.csv.")).toBeInTheDocument();
    const cmds = calls.map((c) => c.cmd);
    expect(cmds.indexOf("choose_audit_export_path")).toBeLessThan(cmds.indexOf("export_audit"));
    expect(reqOf(calls.find((c) => c.cmd === "choose_audit_export_path")!)).toEqual({
      format: "csv",
    });
    const req = reqOf<{ format: string; path: string; query: AuditQuery }>(
      calls.find((c) => c.cmd === "export_audit")!,
    );
    expect(req.format).toBe("csv");
    expect(req.path).toBe("/home/me/audit.csv");
    expect(req.query).toMatchObject({ decision: "denied", nextToken: null, limit: null });
  });

  it("does nothing when the save dialog is cancelled", async () => {
    const calls = installIpcMock({
      list_audit_events: () => ({ events: [event(1)], nextToken: null }),
      verify_audit_chain: () => intact,
      choose_audit_export_path: () => null,
    });
    renderWithQuery(<AuditLog filters={{}} onFiltersChange={() => {}} />);
    await userEvent.click(await screen.findByRole("button", { name: "Export JSON Lines" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "choose_audit_export_path")).toBe(true));
    expect(calls.some((c) => c.cmd === "export_audit")).toBe(false);
  });

  it("explains a rotation step: its step, the role it acted as, and the role's decisions", async () => {
    const role = "arn:aws:iam::123456789012:role/coffer-rotation/rotation-db-prod-0123456789ab";
    const step = event(7, {
      source: "scheduler",
      principal: "coffer",
      action: "RotationStepCompleted",
      reason: "rotation",
      details: JSON.stringify({ step: "setSecret", executionRoleArn: role }),
    });
    const read = event(6, {
      source: "scheduler",
      principal: role,
      action: "GetSecretValue",
      resourceArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/pg-admin-XyZ123",
      decision: "denied",
      reason: "no identity-based policy allows the secretsmanager:GetSecretValue action",
      outcome: "error",
      errorCode: "AccessDeniedException",
      details: "{}",
    });
    const calls = installIpcMock({
      list_audit_events: () => ({ events: [step, read, event(5)], nextToken: null }),
      verify_audit_chain: () => intact,
    });
    const opened: string[] = [];
    renderWithQuery(<Harness onOpenPrincipal={(arn) => opened.push(arn)} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("cell", { name: "RotationStepCompleted" }));

    const panel = screen.getByRole("region", { name: "Event 7 details" });
    const rotation = within(panel).getByRole("region", { name: "Rotation" });
    expect(rotation).toHaveTextContent("StepsetSecret");
    expect(rotation).toHaveTextContent(`Acted as${role}`);
    expect(rotation).toHaveTextContent("Decisionallowed rotation");
    await user.click(
      within(rotation).getByRole("button", {
        name: "Open role rotation-db-prod-0123456789ab in Access",
      }),
    );
    expect(opened).toEqual([role]);

    // The step's reads and writes are the role's events: one click narrows the log to them.
    await user.click(
      within(rotation).getByRole("button", { name: "Show the role's events on this secret" }),
    );
    await waitFor(() => expect(auditCalls(calls)).toHaveLength(2));
    expect(auditCalls(calls)[1]).toMatchObject({ secret: ARN, principal: role, action: null });

    // A read the rotator made as the role: denied, with the reason the evaluator gave.
    await user.click((await screen.findAllByRole("cell", { name: role }))[0]!);
    const denied = within(screen.getByRole("region", { name: "Event 6 details" })).getByRole(
      "region",
      { name: "Rotation" },
    );
    expect(denied).toHaveTextContent(`Acted as${role}`);
    expect(denied).toHaveTextContent(
      "Decisiondenied no identity-based policy allows the secretsmanager:GetSecretValue action",
    );
    expect(denied).toHaveTextContent(/made this request as its execution role/);
    expect(within(denied).queryByText("Step")).toBeNull();
  });

  it("shows no rotation part for other events", async () => {
    installIpcMock({
      list_audit_events: () => ({
        events: [event(2, { principal: "arn:aws:iam::123456789012:role/deployer", source: "api" })],
        nextToken: null,
      }),
      verify_audit_chain: () => intact,
    });
    renderWithQuery(<AuditLog filters={{}} onFiltersChange={() => {}} />);
    await userEvent.click(await screen.findByRole("cell", { name: "GetSecretValue" }));
    const panel = screen.getByRole("region", { name: "Event 2 details" });
    expect(within(panel).queryByRole("region", { name: "Rotation" })).toBeNull();
  });

  it("suggests the rotation event names as actions", async () => {
    installIpcMock({
      list_audit_events: () => ({ events: [], nextToken: null }),
      verify_audit_chain: () => intact,
      list_principals: () => [],
    });
    renderWithQuery(<AuditLog filters={{}} onFiltersChange={() => {}} />);
    const input = await screen.findByLabelText("Action");
    const list = document.getElementById(input.getAttribute("list")!)!;
    const names = [...list.querySelectorAll("option")].map((o) => o.value);
    for (const a of [
      "RotationStepCompleted",
      "RotationSucceeded",
      "RotationFailed",
      "RotateSecret",
    ])
      expect(names).toContain(a);
  });
});
