// A secret's resource policy against a mocked shell: empty state, add with validation for
// this secret, save with BlockPublicPolicy, and delete after confirming.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { installIpcMock, reqOf } from "@/ipc/mock";
import { renderWithQuery } from "../audit/testing";
import { ResourcePolicyPanel } from "./ResourcePolicyPanel";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";

describe("ResourcePolicyPanel", () => {
  it("adds a policy validated for this secret and saves it with BlockPublicPolicy", async () => {
    let stored: string | null = null;
    const calls = installIpcMock({
      get_resource_policy: () => stored,
      validate_policy: () => ({
        passed: true,
        errors: [{ checkName: "BROAD_ACCESS_CHECKING", message: "Principal * is broad." }],
      }),
      put_resource_policy: (a) => {
        stored = (a.req as { policy: string }).policy;
        return null;
      },
    });
    renderWithQuery(<ResourcePolicyPanel secretId={ARN} />);
    expect(await screen.findByText(/No resource policy/)).toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Add resource policy" }));
    const form = screen.getByRole("form", { name: "Resource policy editor" });
    expect(await within(form).findByText("Valid, with warnings:")).toBeInTheDocument();
    expect(within(form).getByRole("list", { name: "Policy findings" })).toHaveTextContent(
      "BROAD_ACCESS_CHECKING: Principal * is broad.",
    );
    const v = reqOf<{ kind: string; secretId: string }>(
      calls.find((c) => c.cmd === "validate_policy")!,
    );
    expect(v).toMatchObject({ kind: "resource", secretId: ARN });

    await user.click(within(form).getByRole("button", { name: "Save resource policy" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Resource policy saved.");
    const put = reqOf<{ secretId: string; policy: string; blockPublicPolicy: boolean }>(
      calls.find((c) => c.cmd === "put_resource_policy")!,
    );
    expect(put.secretId).toBe(ARN);
    expect(put.blockPublicPolicy).toBe(true);
    expect(JSON.parse(put.policy).Statement[0].Sid).toBe("AllowAppRead");
    expect(await screen.findByLabelText("Resource policy document")).toHaveTextContent(
      "AllowAppRead",
    );
  });

  it("shows the engine's refusal in place and deletes only after confirming", async () => {
    const calls = installIpcMock({
      get_resource_policy: () => '{"Version":"2012-10-17","Statement":[]}',
      validate_policy: () => ({ passed: true, errors: [] }),
      put_resource_policy: () => {
        throw {
          code: "PublicPolicyException",
          message: "BlockPublicPolicy prevents this resource policy from being set.",
        };
      },
      delete_resource_policy: () => null,
    });
    renderWithQuery(<ResourcePolicyPanel secretId={ARN} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Edit resource policy" }));
    const form = screen.getByRole("form", { name: "Resource policy editor" });
    await user.click(within(form).getByRole("button", { name: "Save resource policy" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent(
      "BlockPublicPolicy prevents this resource policy from being set.",
    );
    await user.click(within(form).getByRole("button", { name: "Cancel" }));

    await user.click(screen.getByRole("button", { name: "Delete resource policy" }));
    const confirm = await screen.findByRole("alertdialog");
    expect(calls.some((c) => c.cmd === "delete_resource_policy")).toBe(false);
    await user.click(within(confirm).getByRole("button", { name: "Delete resource policy" }));
    await waitFor(() =>
      expect(reqOf(calls.find((c) => c.cmd === "delete_resource_policy")!)).toEqual({
        secretId: ARN,
      }),
    );
  });
});
