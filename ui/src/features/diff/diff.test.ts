//! Local diff for the save preview.
import { describe, expect, it } from "vitest";
import { diffValues, isNoop, summarize } from "./diff";

describe("diffValues", () => {
  it("diffs JSON objects key by key, sorted", () => {
    const d = diffValues(
      '{"user":"ada","pass":"old","host":"db"}',
      '{"user":"ada","pass":"new","port":"5432"}',
    );
    expect(d.kind).toBe("json");
    expect(d.entries).toEqual([
      { key: "host", change: "removed", before: "db", after: null },
      { key: "pass", change: "changed", before: "old", after: "new" },
      { key: "port", change: "added", before: null, after: "5432" },
      { key: "user", change: "unchanged", before: "ada", after: "ada" },
    ]);
    expect(summarize(d.entries)).toBe("1 added, 1 removed, 1 changed");
    expect(isNoop(d)).toBe(false);
  });

  it("falls back to one text entry when either side is not a flat object", () => {
    expect(diffValues("abc", "abd")).toEqual({
      kind: "text",
      entries: [{ key: "(value)", change: "changed", before: "abc", after: "abd" }],
    });
    expect(diffValues('{"a":"1"}', "plain").kind).toBe("text");
  });

  it("reports no changes", () => {
    const d = diffValues('{"a":"1"}', '{"a":"1"}');
    expect(isNoop(d)).toBe(true);
    expect(summarize(d.entries)).toBe("No changes");
  });
});
