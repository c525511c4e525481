//! Clipboard auto-clear, free of any host API so it can be tested with fake timers. After a copy,
//! the clipboard is cleared once the timeout passes, but only if it still holds what Coffer put
//! there: something the user copied since then is theirs and is left alone. The host makes that
//! comparison (the shell remembers its copy), because the webview may not read the clipboard.

/** What the guard needs from the host. */
export interface ClipboardPort {
  /** Puts `text` on the clipboard, remembered as Coffer's copy. */
  write(text: string): Promise<void>;
  /** Clears the clipboard if it still holds Coffer's last copy. */
  clearIfOurs(): Promise<void>;
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
  let copied = false;

  const cancel = () => {
    if (pending !== null) clearTimeout(pending);
    pending = null;
  };

  const clearIfOurs = async () => {
    const ours = copied;
    cancel();
    copied = false;
    if (!ours) return;
    try {
      await port.clearIfOurs();
    } catch {
      // Refused or failed: nothing more to do from a timer; the value stays until overwritten.
    }
  };

  return {
    async copy(text, clearAfterSeconds) {
      cancel();
      await port.write(text);
      copied = true;
      if (clearAfterSeconds > 0) {
        pending = setTimeout(() => void clearIfOurs(), clearAfterSeconds * 1000);
      }
    },
    clearNow: clearIfOurs,
    dispose() {
      cancel();
      copied = false;
    },
  };
}
