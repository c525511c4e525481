// Filters ↔ URL search params ↔ the engine's AuditQuery.
import { describe, expect, it } from "vitest";

import {
  filtersFromSearch,
  fromLocalInput,
  isEmpty,
  searchFromFilters,
  searchString,
  toAuditQuery,
  toLocalInput,
} from "./query";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db/prod-AbCdEf";

describe("audit filters in the URL", () => {
  it("reads a secret link as sent by the secret screen", () => {
    const p = new URLSearchParams(`secret=${encodeURIComponent(ARN)}`);
    expect(filtersFromSearch(p)).toEqual({ secret: ARN });
  });

  it("round-trips every filter through a query string", () => {
    const f = {
      from: "2026-01-01T00:00:00.000Z",
      to: "2026-01-02T00:00:00.000Z",
      principal: "root",
      action: "GetSecretValue",
      secret: ARN,
      decision: "denied" as const,
      outcome: "error" as const,
      text: "a&b=c ü",
    };
    const s = searchString(f);
    expect(s.startsWith("?from=")).toBe(true);
    expect(filtersFromSearch(new URLSearchParams(s.slice(1)))).toEqual(f);
  });

  it("drops blanks, unknown keys, bad times and unknown decisions", () => {
    const f = filtersFromSearch({
      principal: "  ",
      from: "yesterday",
      decision: "maybe",
      outcome: "ok",
      other: "x",
      text: " needle ",
    });
    expect(f).toEqual({ outcome: "ok", text: "needle" });
    expect(searchFromFilters({ principal: "", action: " " })).toEqual({});
    expect(isEmpty({ principal: "" })).toBe(true);
    expect(searchString({})).toBe("");
  });

  it("accepts the objects a router hands over (numbers as text)", () => {
    expect(filtersFromSearch({ text: 42 })).toEqual({ text: "42" });
  });
});

describe("the wire query", () => {
  it("sends null for every unset filter and the page cursor", () => {
    expect(toAuditQuery({ secret: ARN, decision: "denied" }, "tok", 200)).toEqual({
      from: null,
      to: null,
      principal: null,
      action: null,
      secret: ARN,
      outcome: null,
      decision: "denied",
      text: null,
      limit: 200,
      nextToken: "tok",
    });
  });

  it("normalises times to UTC RFC 3339", () => {
    const q = toAuditQuery({ from: "2026-03-01T10:00:00+02:00" });
    expect(q.from).toBe("2026-03-01T08:00:00.000Z");
  });
});

describe("datetime-local inputs", () => {
  it("round-trip to the minute in local time", () => {
    const iso = fromLocalInput("2026-05-04T03:02");
    expect(iso).toBeDefined();
    expect(toLocalInput(iso)).toBe("2026-05-04T03:02");
    expect(fromLocalInput("")).toBeUndefined();
    expect(toLocalInput(undefined)).toBe("");
  });
});
