// The access screen against a mocked shell: principals, the access key secret shown once,
// policy validation in place, saving a policy, the simulator's decision, and a rotation step
// explained under its execution role.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { installIpcMock, reqOf, type IpcHandler } from "@/ipc/mock";
import type { AccessKeyView, PrincipalView } from "@/ipc/access";
import { renderWithQuery } from "../audit/testing";
import { AccessPage } from "./AccessPage";

const ACCOUNT = "123456789012";
const app: PrincipalView = {
  kind: "user",
  name: "app",
  arn: `arn:aws:iam::${ACCOUNT}:user/app`,
  createdDate: "2026-01-01T00:00:00Z",
};
const ops: PrincipalView = {
  kind: "group",
  name: "ops",
  arn: `arn:aws:iam::${ACCOUNT}:group/ops`,
  createdDate: "2026-01-01T00:00:00Z",
};
/** The execution role Coffer made for a secret's built-in rotator. */
const role: PrincipalView = {
  kind: "role",
  name: "rotation-db-0123456789ab",
  arn: `arn:aws:iam::${ACCOUNT}:role/coffer-rotation/rotation-db-0123456789ab`,
  createdDate: "2026-01-01T00:00:00Z",
};
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

function base(extra: Record<string, IpcHandler> = {}): Record<string, IpcHandler> {
  return {
    list_principals: () => [app, ops],
    list_access_keys: () => [],
    list_group_members: () => [],
    list_inline_policies: () => [],
    validate_policy: () => ({ passed: true, errors: [] }),
    get_settings: () => ({ autoLockMinutes: 10, clipboardClearSeconds: 30, theme: "system" }),
    ...extra,
  };
}

async function openUser() {
  const user = userEvent.setup();
  const users = await screen.findByRole("navigation", { name: "Users" });
  await user.click(within(users).getByRole("button", { name: "app" }));
  await screen.findByRole("article", { name: "user app" });
  return user;
}

describe("AccessPage", () => {
  it("shows a new access key's secret once, and never after the dialog closes", async () => {
    let keys: AccessKeyView[] = [];
    const calls = installIpcMock(
      base({
        list_access_keys: () => keys,
        create_access_key: () => {
          keys = [
            {
              accessKeyId: "AKIAEXAMPLE1",
              status: "Active",
              createdDate: "2026-01-02T00:00:00Z",
              lastUsedDate: null,
            },
          ];
          return {
            accessKeyId: "AKIAEXAMPLE1",
            secretAccessKey: SECRET,
            createdDate: "2026-01-02T00:00:00Z",
          };
        },
      }),
    );
    renderWithQuery(<AccessPage />);
    const user = await openUser();
    await user.click(screen.getByRole("button", { name: "Create access key" }));

    const dialog = await screen.findByRole("dialog", { name: "Access key created" });
    expect(within(dialog).getByLabelText("Secret access key")).toHaveTextContent(SECRET);
    expect(within(dialog).getByText(/shown only this once/)).toBeInTheDocument();
    expect(within(dialog).getByRole("button", { name: "Copy secret" })).toBeInTheDocument();
    expect(reqOf(calls.find((c) => c.cmd === "create_access_key")!)).toEqual({
      userName: "app",
    });

    await user.click(within(dialog).getByRole("button", { name: "I have saved the secret" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(await screen.findByRole("cell", { name: "AKIAEXAMPLE1" })).toBeInTheDocument();
    expect(document.body.textContent).not.toContain(SECRET);
    // Reopening the user does not bring it back either.
    await user.click(screen.getByRole("button", { name: "app" }));
    expect(document.body.textContent).not.toContain(SECRET);
  });

  it("deactivates an access key", async () => {
    const calls = installIpcMock(
      base({
        list_access_keys: () => [
          {
            accessKeyId: "AKIAEXAMPLE1",
            status: "Active",
            createdDate: "2026-01-02T00:00:00Z",
            lastUsedDate: null,
          },
        ],
        set_access_key_status: () => null,
      }),
    );
    renderWithQuery(<AccessPage />);
    const user = await openUser();
    await user.click(await screen.findByRole("button", { name: "Deactivate AKIAEXAMPLE1" }));
    await waitFor(() =>
      expect(reqOf(calls.find((c) => c.cmd === "set_access_key_status")!)).toEqual({
        userName: "app",
        accessKeyId: "AKIAEXAMPLE1",
        active: false,
      }),
    );
  });

  it("shows the engine's validation findings under the policy editor", async () => {
    const calls = installIpcMock(
      base({
        list_inline_policies: () => [{ name: "wide", document: '{"Version":"2012-10-17"}' }],
        validate_policy: () => ({
          passed: false,
          errors: [
            { checkName: "SYNTAX_CHECKING", message: "Statement is missing: add a Statement." },
          ],
        }),
      }),
    );
    renderWithQuery(<AccessPage />);
    const user = await openUser();
    await user.click(await screen.findByRole("button", { name: "Edit policy wide" }));
    const editor = screen.getByRole("form", { name: "Policy editor" });
    const findings = await within(editor).findByRole("list", { name: "Policy findings" });
    expect(findings).toHaveTextContent("SYNTAX_CHECKING: Statement is missing: add a Statement.");
    expect(within(editor).getByText(/cannot be saved as it is/)).toBeInTheDocument();
    expect(reqOf(calls.find((c) => c.cmd === "validate_policy")!)).toEqual({
      policy: '{"Version":"2012-10-17"}',
      kind: "identity",
      secretId: null,
    });
  });

  it("validates as the person types and saves a new policy", async () => {
    const calls = installIpcMock(
      base({
        validate_policy: (a) => {
          const doc = (a.req as { policy: string }).policy;
          try {
            JSON.parse(doc);
            return { passed: true, errors: [] };
          } catch {
            return {
              passed: false,
              errors: [{ checkName: "SYNTAX_CHECKING", message: "The policy is not valid JSON." }],
            };
          }
        },
        put_inline_policy: () => null,
      }),
    );
    renderWithQuery(<AccessPage />);
    const user = await openUser();
    await user.click(screen.getByRole("button", { name: "New policy" }));
    const editor = screen.getByRole("form", { name: "Policy editor" });
    expect(await within(editor).findByText("Policy is valid.")).toBeInTheDocument();

    await user.click(within(editor).getByRole("textbox", { name: "Policy document" }));
    await user.keyboard("{Control>}{End}{/Control}x");
    expect(await within(editor).findByRole("list", { name: "Policy findings" })).toHaveTextContent(
      "SYNTAX_CHECKING: The policy is not valid JSON.",
    );
    await user.keyboard("{Backspace}");
    expect(await within(editor).findByText("Policy is valid.")).toBeInTheDocument();

    await user.type(within(editor).getByLabelText("Policy name"), "read-billing");
    await user.click(within(editor).getByRole("button", { name: "Save policy" }));
    expect(await screen.findByText("Saved read-billing.")).toBeInTheDocument();
    const put = reqOf<{ policyName: string; document: string; kind: string; name: string }>(
      calls.find((c) => c.cmd === "put_inline_policy")!,
    );
    expect(put).toMatchObject({ kind: "user", name: "app", policyName: "read-billing" });
    expect(JSON.parse(put.document).Statement[0].Action).toBe("secretsmanager:GetSecretValue");
  });

  it("simulates a request and shows the decision with its statements", async () => {
    const calls = installIpcMock(
      base({
        simulate_policy: () => ({
          decision: "explicitDeny",
          explanation: "Denied by statement NoProd of policy app/guard.",
          matchedStatements: [{ policy: "app/guard", sid: "NoProd", effect: "Deny" }],
        }),
      }),
    );
    renderWithQuery(<AccessPage />);
    const user = userEvent.setup();
    await screen.findByRole("navigation", { name: "Users" });
    await user.click(screen.getByRole("tab", { name: "Policy simulator" }));
    const form = await screen.findByRole("form", { name: "Policy simulator" });
    expect(within(form).getByLabelText("Principal")).toHaveValue(app.arn);
    await user.type(within(form).getByLabelText("Resource ARN"), "arn:aws:secretsmanager:x");
    await user.click(within(form).getByRole("button", { name: "Add context key" }));
    await user.type(within(form).getByLabelText("Context key 1"), "aws:SourceIp");
    await user.type(within(form).getByLabelText(/Values 1/), "10.0.0.1, 10.0.0.2");
    await user.click(within(form).getByRole("button", { name: "Simulate" }));

    const result = await screen.findByRole("region", { name: "Simulation result" });
    expect(result).toHaveTextContent("Denied by an explicit Deny");
    expect(result).toHaveTextContent("Denied by statement NoProd of policy app/guard.");
    expect(within(result).getByRole("cell", { name: "NoProd" })).toBeInTheDocument();
    expect(reqOf(calls.find((c) => c.cmd === "simulate_policy")!)).toEqual({
      principalArn: app.arn,
      action: "secretsmanager:GetSecretValue",
      resourceArn: "arn:aws:secretsmanager:x",
      context: [{ key: "aws:SourceIp", values: ["10.0.0.1", "10.0.0.2"] }],
    });
  });

  it("creates a principal and adds a user to a group", async () => {
    let principals = [app, ops];
    let members: string[] = [];
    const calls = installIpcMock(
      base({
        list_principals: () => principals,
        create_principal: (a) => {
          const r = a.req as { kind: "role"; name: string };
          const p = { ...r, arn: `arn:aws:iam::${ACCOUNT}:role/${r.name}`, createdDate: "x" };
          principals = [...principals, p];
          return p;
        },
        list_group_members: () => members,
        set_group_membership: (a) => {
          members = (a.req as { member: boolean }).member ? ["app"] : [];
          return null;
        },
      }),
    );
    renderWithQuery(<AccessPage />);
    const user = await openUser();
    const box = await screen.findByRole("checkbox", { name: "Member of ops" });
    await waitFor(() => expect(box).toBeEnabled());
    await user.click(box);
    await waitFor(() =>
      expect(screen.getByRole("checkbox", { name: "Member of ops" })).toBeChecked(),
    );
    expect(reqOf(calls.find((c) => c.cmd === "set_group_membership")!)).toEqual({
      user: "app",
      group: "ops",
      member: true,
    });

    await user.selectOptions(screen.getByLabelText("Kind"), "role");
    await user.type(screen.getByLabelText("Name"), "deployer");
    await user.click(screen.getByRole("button", { name: "Create role" }));
    expect(await screen.findByRole("article", { name: "role deployer" })).toBeInTheDocument();
  });

  it("explains a rotation step under its execution role, action by action", async () => {
    const secretArn = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-AbCdEf`;
    const masterArn = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:pg-admin-XyZ123`;
    const rotator = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:coffer-postgresql-multi-user`;
    const summary = (name: string, arn: string) => ({
      arn,
      name,
      description: null,
      kmsKeyId: null,
      tags: [],
      createdDate: "2026-01-01T00:00:00Z",
      lastChangedDate: null,
      lastAccessedDate: null,
      deletedDate: null,
      rotationEnabled: false,
      nextRotationDate: null,
    });
    const allow = {
      decision: "allowed",
      explanation: "allowed by statement 'RotateThisSecret' of policy rotate-this-secret",
      matchedStatements: [
        { policy: "rotate-this-secret", sid: "RotateThisSecret", effect: "Allow" },
      ],
    };
    const calls = installIpcMock(
      base({
        list_principals: () => [app, role],
        list_secrets: () => ({
          secrets: [summary("db", secretArn), summary("pg-admin", masterArn)],
          nextToken: null,
        }),
        simulate_policy: (a) => {
          const r = a.req as { action: string; resourceArn: string };
          if (r.resourceArn === masterArn)
            return {
              decision: "implicitDeny",
              explanation:
                "no identity-based policy allows the secretsmanager:GetSecretValue action",
              matchedStatements: [],
            };
          if (r.action === "secretsmanager:UpdateSecretVersionStage")
            return {
              decision: "explicitDeny",
              explanation: "explicitly denied by statement 'NoStageMoves' of policy guard",
              matchedStatements: [{ policy: "guard", sid: "NoStageMoves", effect: "Deny" }],
            };
          return allow;
        },
      }),
    );
    renderWithQuery(
      <AccessPage
        search={{
          simulate: "rotation",
          principal: role.arn,
          resource: secretArn,
          rotator,
        }}
      />,
    );
    const check = await screen.findByRole("region", {
      name: "Rotation step under its execution role",
    });
    expect(check).toHaveTextContent(`Execution role${role.arn}`);
    expect(check).toHaveTextContent("Rotatorcoffer-postgresql-multi-user");
    const table = within(check).getByRole("table", { name: "Rotation step decisions" });
    const row = (name: RegExp) => within(table).getByRole("row", { name });
    await waitFor(() =>
      expect(row(/UpdateSecretVersionStage/)).toHaveTextContent("Denied by an explicit Deny"),
    );
    expect(row(/UpdateSecretVersionStage/)).toHaveTextContent("NoStageMoves in guard");
    for (const action of ["DescribeSecret", "GetSecretValue", "PutSecretValue"]) {
      expect(row(new RegExp(action))).toHaveTextContent("Allowed");
      expect(row(new RegExp(action))).toHaveTextContent("RotateThisSecret in rotate-this-secret");
    }
    expect(within(check).getByRole("status")).toHaveTextContent(
      "the role may not UpdateSecretVersionStage on this secret.",
    );
    const simulated = () =>
      calls
        .filter((c) => c.cmd === "simulate_policy")
        .map((c) => reqOf<{ principalArn: string; action: string; resourceArn: string }>(c));
    expect(simulated()).toEqual(
      [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
      ].map((action) => ({ principalArn: role.arn, action, resourceArn: secretArn, context: [] })),
    );

    // A multi-user rotator reads the admin secret too: the person names it (the value,
    // which holds masterarn, stays closed).
    expect(check).toHaveTextContent(/This rotator alternates users/);
    const user = userEvent.setup();
    const master = within(check).getByLabelText("Master secret (masterarn)");
    expect(within(master).queryByRole("option", { name: "db" })).toBeNull();
    await user.selectOptions(master, masterArn);
    await waitFor(() =>
      expect(row(/master secret/)).toHaveTextContent("Denied: no statement allows it"),
    );
    expect(row(/master secret/)).toHaveTextContent(
      "no identity-based policy allows the secretsmanager:GetSecretValue action",
    );
    expect(simulated().at(-1)).toEqual({
      principalArn: role.arn,
      action: "secretsmanager:GetSecretValue",
      resourceArn: masterArn,
      context: [],
    });
    expect(calls.some((c) => c.cmd === "get_secret_value")).toBe(false);

    // The general form below starts on the role and the secret.
    const form = screen.getByRole("form", { name: "Policy simulator" });
    expect(within(form).getByLabelText("Principal")).toHaveValue(role.arn);
    expect(within(form).getByLabelText("Resource ARN")).toHaveValue(secretArn);
  });

  it("opens on the principal a link names", async () => {
    installIpcMock(base({ list_principals: () => [app, role] }));
    renderWithQuery(<AccessPage search={{ principal: role.arn }} />);
    expect(
      await screen.findByRole("article", { name: "role rotation-db-0123456789ab" }),
    ).toBeInTheDocument();
  });
});
