//! Shortcut matching: Ctrl or Cmd, no Alt, case-insensitive.
import { describe, expect, it } from "vitest";
import { matchShortcut, type KeyLike } from "./shortcuts";

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("matchShortcut", () => {
  it.each([
    [key("k", { ctrlKey: true }), "search"],
    [key("K", { metaKey: true }), "search"],
    [key("n", { ctrlKey: true }), "new-secret"],
    [key("l", { metaKey: true }), "lock"],
    [key("/", { ctrlKey: true }), "help"],
    [key("k"), null],
    [key("k", { ctrlKey: true, altKey: true }), null],
    [key("l", { ctrlKey: true, shiftKey: true }), null],
    [key("x", { ctrlKey: true }), null],
  ])("%o → %s", (e, expected) => {
    expect(matchShortcut(e)).toBe(expected);
  });
});
