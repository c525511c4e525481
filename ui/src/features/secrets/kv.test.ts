//! Key/value parsing and serialisation of JSON secrets.
import { describe, expect, it } from "vitest";
import { kvProblems, parseKv, serializeKv } from "./kv";

describe("parseKv", () => {
  it("reads flat objects, numbers and booleans as text", () => {
    expect(parseKv('{"user":"ada","port":5432,"tls":true}')).toEqual([
      { key: "user", value: "ada" },
      { key: "port", value: "5432" },
      { key: "tls", value: "true" },
    ]);
  });
  it.each(["plain text", "[1,2]", '"str"', "null", '{"a":{"b":1}}', '{"a":null}'])(
    "returns null for %j",
    (t) => expect(parseKv(t)).toBeNull(),
  );
});

describe("serializeKv", () => {
  it("writes compact JSON and keeps unchanged numbers typed", () => {
    const original = '{"user":"ada","port":5432}';
    expect(
      serializeKv(
        [
          { key: "user", value: "bob" },
          { key: "port", value: "5432" },
          { key: "new", value: "5" },
        ],
        original,
      ),
    ).toBe('{"user":"bob","port":5432,"new":"5"}');
  });
  it("turns an edited number into a string", () => {
    expect(serializeKv([{ key: "port", value: "6543x" }], '{"port":5432}')).toBe(
      '{"port":"6543x"}',
    );
  });
});

describe("kvProblems", () => {
  it("finds empty and duplicate keys", () => {
    expect(
      kvProblems([
        { key: "a", value: "1" },
        { key: "", value: "2" },
        { key: "a", value: "3" },
      ]),
    ).toEqual(["Row 2 has no key.", 'The key "a" appears twice.']);
  });
});
