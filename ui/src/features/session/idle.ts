//! Idle detection for auto-lock, separate from the DOM so fake timers can test it.

export interface IdleTimer {
  /** Activity: restart the countdown. */
  poke(): void;
  stop(): void;
}

/** Calls `onIdle` once after `ms` without a `poke()`. `ms <= 0` disables it (setting 0 = never). */
export function createIdleTimer(ms: number, onIdle: () => void): IdleTimer {
  if (ms <= 0) return { poke() {}, stop() {} };
  let handle: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const arm = () => {
    if (handle !== null) clearTimeout(handle);
    handle = setTimeout(() => {
      handle = null;
      if (!stopped) onIdle();
    }, ms);
  };
  arm();
  return {
    poke() {
      if (!stopped) arm();
    },
    stop() {
      stopped = true;
      if (handle !== null) clearTimeout(handle);
      handle = null;
    },
  };
}
