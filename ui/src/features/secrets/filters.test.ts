//! List controls → ListSecrets request.
import { describe, expect, it } from "vitest";
import { initialControls, nextSort, pageSize, toListSecretsRequest } from "./filters";

describe("toListSecretsRequest", () => {
  it("sends nulls for an untouched list, a page of 100, sorted by name", () => {
    expect(toListSecretsRequest(initialControls)).toEqual({
      search: null,
      filters: [],
      includePlannedDeletion: false,
      sortBy: "name",
      sortOrder: "asc",
      maxResults: pageSize,
      nextToken: null,
    });
  });

  it("trims search, merges values per key, drops blanks and duplicates", () => {
    const r = toListSecretsRequest(
      {
        ...initialControls,
        search: "  prod ",
        filters: [
          { key: "tag-key", value: "team" },
          { key: "name", value: "db/" },
          { key: "tag-key", value: " env " },
          { key: "tag-key", value: "team" },
          { key: "description", value: "   " },
        ],
        includePlannedDeletion: true,
      },
      "tok-2",
    );
    expect(r.search).toBe("prod");
    expect(r.filters).toEqual([
      { key: "tag-key", values: ["team", "env"] },
      { key: "name", values: ["db/"] },
    ]);
    expect(r.includePlannedDeletion).toBe(true);
    expect(r.nextToken).toBe("tok-2");
  });

  it("sends no order without a sort column", () => {
    const r = toListSecretsRequest({ ...initialControls, sortBy: null, sortOrder: "desc" });
    expect(r.sortBy).toBeNull();
    expect(r.sortOrder).toBeNull();
  });
});

describe("nextSort", () => {
  it("flips the order on the same column and resets on another", () => {
    expect(nextSort(initialControls, "name")).toEqual({ sortBy: "name", sortOrder: "desc" });
    expect(nextSort({ ...initialControls, sortOrder: "desc" }, "name").sortOrder).toBe("asc");
    expect(nextSort(initialControls, "last-changed-date")).toEqual({
      sortBy: "last-changed-date",
      sortOrder: "asc",
    });
  });
});
