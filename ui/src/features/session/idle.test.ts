//! Auto-lock timing with fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createIdleTimer } from "./idle";

describe("createIdleTimer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fires once after the idle period", () => {
    const onIdle = vi.fn();
    createIdleTimer(60_000, onIdle);
    vi.advanceTimersByTime(59_999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(600_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("restarts the countdown on activity", () => {
    const onIdle = vi.fn();
    const t = createIdleTimer(60_000, onIdle);
    vi.advanceTimersByTime(50_000);
    t.poke();
    vi.advanceTimersByTime(50_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("never fires when disabled (0 minutes) or stopped", () => {
    const a = vi.fn();
    const b = vi.fn();
    createIdleTimer(0, a);
    const t = createIdleTimer(1000, b);
    t.stop();
    t.poke();
    vi.advanceTimersByTime(10_000);
    expect(a).not.toHaveBeenCalled();
    expect(b).not.toHaveBeenCalled();
  });
});
