//! Version diff: keys and change kinds first, values only after Reveal.
import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { reqOf } from "@/ipc/mock";
import type { DiffVersionsRequest, VersionDiff } from "@/ipc";
import { arnOf, detail, secretPath, version, vid } from "@/test/fixtures";
import { callsTo, renderApp } from "@/test/render";

const name = "prod/db";
const versions = [version("cccccccc", "AWSCURRENT"), version("bbbbbbbb", "AWSPREVIOUS")];

function jsonDiff(reveal: boolean): VersionDiff {
  return {
    kind: "json",
    entries: [
      {
        key: "password",
        change: "changed",
        before: reveal ? "old-pw" : null,
        after: reveal ? "new-pw" : null,
      },
      { key: "port", change: "added", before: null, after: reveal ? "5432" : null },
      {
        key: "username",
        change: "unchanged",
        before: reveal ? "ada" : null,
        after: reveal ? "ada" : null,
      },
    ],
    beforeText: null,
    afterText: null,
  };
}

describe("version diff", () => {
  it("compares AWSPREVIOUS with AWSCURRENT by key, masked until Reveal", async () => {
    const { calls, user } = renderApp({
      path: secretPath(name, "diff"),
      ipc: {
        describe_secret: () => detail(name),
        list_versions: () => versions,
        diff_versions: (a) => jsonDiff((a.req as DiffVersionsRequest).reveal ?? false),
      },
    });
    const table = await screen.findByRole("table", {
      name: "Changes from bbbbbbbb to cccccccc",
    });
    expect(screen.getByText("1 added, 1 changed")).toBeVisible();
    const row = within(table).getByRole("row", { name: /password/ });
    expect(row).toHaveTextContent("changed");
    expect(within(table).queryByText("new-pw")).toBeNull();
    expect(reqOf(callsTo(calls, "diff_versions")[0])).toEqual({
      secretId: arnOf(name),
      fromVersionId: vid("bbbbbbbb"),
      toVersionId: vid("cccccccc"),
      reveal: false,
    });

    await user.click(screen.getByRole("button", { name: "Reveal values" }));
    expect(await screen.findByText("new-pw")).toBeVisible();
    expect(screen.getByText("old-pw")).toBeVisible();
    expect(reqOf<DiffVersionsRequest>(callsTo(calls, "diff_versions").at(-1)!).reveal).toBe(true);
  });

  it("shows a text diff in the merge view only after Reveal", async () => {
    const { user } = renderApp({
      path: secretPath(name, "diff"),
      ipc: {
        describe_secret: () => detail(name),
        list_versions: () => versions,
        diff_versions: (a) =>
          (a.req as DiffVersionsRequest).reveal
            ? {
                kind: "text",
                entries: [],
                beforeText: "line one\nold line",
                afterText: "line one\nnew line",
              }
            : {
                kind: "text",
                entries: [{ key: "(value)", change: "changed", before: null, after: null }],
                beforeText: null,
                afterText: null,
              },
      },
    });
    expect(await screen.findByText("The text changed.")).toBeVisible();
    expect(screen.getByText("Reveal the values to see the text diff.")).toBeVisible();
    expect(screen.queryByText("new line")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Reveal values" }));
    const merge = await screen.findByRole("group", { name: /Text diff/ });
    await waitFor(() => expect(merge).toHaveTextContent("new line"));
    expect(merge).toHaveTextContent("old line");
  });

  it("lets the user pick any two versions", async () => {
    const all = [...versions, version("aaaaaaaa")];
    const { calls, user } = renderApp({
      path: secretPath(name, "diff"),
      ipc: {
        describe_secret: () => detail(name),
        list_versions: () => all,
        diff_versions: () => jsonDiff(false),
      },
    });
    await screen.findByRole("table", { name: /Changes from/ });
    await user.click(screen.getByRole("combobox", { name: "From version" }));
    await user.click(await screen.findByRole("option", { name: "aaaaaaaa" }));
    await waitFor(() =>
      expect(
        reqOf<DiffVersionsRequest>(callsTo(calls, "diff_versions").at(-1)!).fromVersionId,
      ).toBe(vid("aaaaaaaa")),
    );
    expect(
      await screen.findByRole("table", { name: "Changes from aaaaaaaa to cccccccc" }),
    ).toBeVisible();
  });
});
