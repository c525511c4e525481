//! Error messages keep the shell's wording and add what to do.
import { describe, expect, it } from "vitest";
import { describeError } from "./errors";

describe("describeError", () => {
  it("keeps AWS's message and adds the next step", () => {
    const d = describeError({
      code: "ResourceNotFoundException",
      message: "Secrets Manager can't find the specified secret.",
    });
    expect(d.title).toBe("Secrets Manager can't find the specified secret.");
    expect(d.action).toMatch(/refresh the list/);
  });

  it("explains Coffer's own codes", () => {
    expect(describeError({ code: "Locked", message: "locked" }).action).toMatch(/Unlock/);
    expect(describeError({ code: "WrongPassword", message: "x" }).action).toMatch(/Caps Lock/);
  });

  it("falls back for unknown codes, strings and junk", () => {
    expect(describeError({ code: "Whatever", message: "boom" })).toEqual({
      title: "boom",
      action: "Try again.",
    });
    expect(describeError("plain").title).toBe("plain");
    expect(describeError(42).title).toBe("Something went wrong.");
  });
});
