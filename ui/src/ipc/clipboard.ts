//! The host clipboard behind the auto-clear guard (see `lib/clipboard-guard.ts`). Secrets are
//! copied by the shell, which remembers its copy and clears only that one: the webview may
//! write the clipboard but never read it.
import { writeText } from "@tauri-apps/plugin-clipboard-manager";
import { createClipboardGuard } from "@/lib/clipboard-guard";
import { commands } from "./bindings";
import { toIpcError, unwrap } from "./client";

const guard = createClipboardGuard({
  write: (text) => unwrap(commands.copySecretText({ text })).then(() => undefined),
  clearIfOurs: () => unwrap(commands.clearCopiedText()).then(() => undefined),
});

/** Copies `text` and clears it after `clearAfterSeconds` if the clipboard still holds it. */
export async function copySecretText(text: string, clearAfterSeconds: number): Promise<void> {
  try {
    await guard.copy(text, clearAfterSeconds);
  } catch (e) {
    throw toIpcError(e);
  }
}

/** Copies non-secret text (an ARN, a version id) with no auto-clear. */
export async function copyPlainText(text: string): Promise<void> {
  try {
    await writeText(text);
  } catch (e) {
    throw toIpcError(e);
  }
}

/** Clears Coffer's last copy now if it is still on the clipboard (called when locking). */
export const clearCopiedSecret = (): Promise<void> => guard.clearNow();
