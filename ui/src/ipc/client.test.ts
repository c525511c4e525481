//! Result unwrapping: data passes through, errors become IpcError with the shell's code.
import { describe, expect, it } from "vitest";
import { IpcError, hasCode, toIpcError, unwrap } from "./client";

describe("unwrap", () => {
  it("returns data of ok results", async () => {
    await expect(unwrap(Promise.resolve({ status: "ok", data: 7 }))).resolves.toBe(7);
  });

  it("throws the error result as IpcError", async () => {
    const err = await unwrap(
      Promise.resolve({ status: "error", error: { code: "Locked", message: "Unlock first." } }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpcError);
    expect(err).toMatchObject({ code: "Locked", message: "Unlock first." });
    expect(hasCode(err, "Locked", "Sealed")).toBe(true);
    expect(hasCode(err, "Sealed")).toBe(false);
  });

  it("turns a rejected call (a refused permission arrives as a string) into Internal", async () => {
    const err = await unwrap(Promise.reject("command not allowed")).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "Internal", message: "command not allowed" });
  });
});

describe("toIpcError", () => {
  it("normalises odd shapes", () => {
    expect(toIpcError(new Error("x"))).toMatchObject({ code: "Internal", message: "x" });
    expect(toIpcError(undefined).code).toBe("Internal");
  });
});
