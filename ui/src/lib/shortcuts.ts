//! Keyboard shortcut matching, DOM-free so it can be unit tested. "Mod" is Ctrl on Linux and
//! Windows and Cmd on macOS; both are accepted everywhere so muscle memory works.

export type ShortcutAction = "search" | "new-secret" | "lock" | "help";

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export const shortcutList: { keys: string; action: ShortcutAction; description: string }[] = [
  { keys: "Ctrl+K", action: "search", description: "Search secrets" },
  { keys: "Ctrl+N", action: "new-secret", description: "New secret" },
  { keys: "Ctrl+L", action: "lock", description: "Lock Coffer" },
  { keys: "Ctrl+/", action: "help", description: "Show keyboard shortcuts" },
];

export function matchShortcut(e: KeyLike): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  if (!mod || e.altKey) return null;
  switch (e.key.toLowerCase()) {
    case "k":
      return e.shiftKey ? null : "search";
    case "n":
      return e.shiftKey ? null : "new-secret";
    case "l":
      return e.shiftKey ? null : "lock";
    case "/":
      return "help";
    default:
      return null;
  }
}
