//! Clipboard auto-clear, free of any host API so it can be tested with fake timers. After a copy,
//! the clipboard is cleared once the timeout passes, but only if it still holds what Coffer put
//! there: something the user copied since then is theirs and is left alone.

/** What the guard needs from the host. */
export interface ClipboardPort {
  write(text: string): Promise<void>;
  read(): Promise<string | null>;
  clear(): Promise<void>;
}

export interface ClipboardGuard {
  /** Copies `text`; clears it after `clearAfterSeconds` (0 = never) if it is still there. */
  copy(text: string, clearAfterSeconds: number): Promise<void>;
  /** Clears now if the clipboard still holds Coffer's copy (used on lock). */
  clearNow(): Promise<void>;
  /** Forgets a pending clear without touching the clipboard (tests, teardown). */
  dispose(): void;
}

export function createClipboardGuard(port: ClipboardPort): ClipboardGuard {
  let pending: ReturnType<typeof setTimeout> | null = null;
  let copied: string | null = null;

  const cancel = () => {
    if (pending !== null) clearTimeout(pending);
    pending = null;
  };

  const clearIfOurs = async () => {
    const ours = copied;
    cancel();
    copied = null;
    if (ours === null) return;
    let current: string | null;
    try {
      current = await port.read();
    } catch {
      // Unreadable (empty, or an image): it is not our text, so leave it.
      return;
    }
    if (current !== ours) return;
    try {
      await port.clear();
    } catch {
      // Refused or failed: nothing more to do from a timer; the value stays until overwritten.
    }
  };

  return {
    async copy(text, clearAfterSeconds) {
      cancel();
      await port.write(text);
      copied = text;
      if (clearAfterSeconds > 0) {
        pending = setTimeout(() => void clearIfOurs(), clearAfterSeconds * 1000);
      }
    },
    clearNow: clearIfOurs,
    dispose() {
      cancel();
      copied = null;
    },
  };
}
