//! Clipboard auto-clear: cleared after the timeout only if it still holds Coffer's copy.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createClipboardGuard, type ClipboardPort } from "./clipboard-guard";

/** A clipboard with the shell's side: it remembers its last copy and clears only that. */
function fakeClipboard() {
  let content: string | null = null;
  let ours: string | null = null;
  const port: ClipboardPort & {
    content: () => string | null;
    userCopies: (t: string) => void;
    clear: () => void;
  } = {
    write: vi.fn(async (t: string) => {
      content = t;
      ours = t;
    }),
    clearIfOurs: vi.fn(async () => {
      if (ours !== null && content === ours) port.clear();
      ours = null;
    }),
    clear: vi.fn((): void => {
      content = null;
    }),
    content: () => content,
    userCopies: (t) => {
      content = t;
    },
  };
  return port;
}

describe("clipboard guard", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("clears the copied secret after the timeout", async () => {
    const cb = fakeClipboard();
    const g = createClipboardGuard(cb);
    await g.copy("s3cr3t", 30);
    expect(cb.content()).toBe("s3cr3t");
    await vi.advanceTimersByTimeAsync(29_999);
    expect(cb.content()).toBe("s3cr3t");
    await vi.advanceTimersByTimeAsync(1);
    expect(cb.clear).toHaveBeenCalledTimes(1);
    expect(cb.content()).toBeNull();
  });

  it("leaves the clipboard alone when the user copied something else since", async () => {
    const cb = fakeClipboard();
    const g = createClipboardGuard(cb);
    await g.copy("s3cr3t", 10);
    cb.userCopies("my own note");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(cb.clear).not.toHaveBeenCalled();
    expect(cb.content()).toBe("my own note");
  });

  it("a second copy replaces the first timer", async () => {
    const cb = fakeClipboard();
    const g = createClipboardGuard(cb);
    await g.copy("first", 10);
    await vi.advanceTimersByTimeAsync(8_000);
    await g.copy("second", 10);
    await vi.advanceTimersByTimeAsync(8_000);
    expect(cb.clear).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(cb.clear).toHaveBeenCalledTimes(1);
    expect(cb.content()).toBeNull();
  });

  it("never clears when the timeout is 0, and clearNow clears only our copy", async () => {
    const cb = fakeClipboard();
    const g = createClipboardGuard(cb);
    await g.copy("keep", 0);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(cb.content()).toBe("keep");
    await g.clearNow();
    expect(cb.content()).toBeNull();
    cb.userCopies("theirs");
    await g.clearNow();
    expect(cb.content()).toBe("theirs");
  });

  it("swallows a clear the host refuses", async () => {
    const cb = fakeClipboard();
    cb.clearIfOurs = vi.fn(async () => {
      throw new Error("clipboard unavailable");
    });
    const g = createClipboardGuard(cb);
    await g.copy("s3cr3t", 1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(cb.clearIfOurs).toHaveBeenCalledTimes(1);
    await g.clearNow();
    expect(cb.clearIfOurs).toHaveBeenCalledTimes(1);
  });
});
