//! Version diffs computed in the UI, for the preview before saving a new version (the shell's
//! diff_versions compares stored versions; this compares the current value with the edit).
import type { DiffChange } from "@/ipc";
import { parseKv } from "@/features/secrets/kv";

export interface LocalDiffEntry {
  key: string;
  change: DiffChange;
  before: string | null;
  after: string | null;
}

export interface LocalDiff {
  kind: "json" | "text";
  entries: LocalDiffEntry[];
}

/** Key by key when both sides are flat JSON objects; otherwise one "(value)" entry. */
export function diffValues(before: string, after: string): LocalDiff {
  const a = parseKv(before);
  const b = parseKv(after);
  if (a && b) {
    const am = new Map(a.map((r) => [r.key, r.value]));
    const bm = new Map(b.map((r) => [r.key, r.value]));
    const keys = [...new Set([...am.keys(), ...bm.keys()])].sort((x, y) => x.localeCompare(y));
    return {
      kind: "json",
      entries: keys.map((key) => {
        const x = am.get(key);
        const y = bm.get(key);
        const change: DiffChange =
          x === undefined
            ? "added"
            : y === undefined
              ? "removed"
              : x === y
                ? "unchanged"
                : "changed";
        return { key, change, before: x ?? null, after: y ?? null };
      }),
    };
  }
  return {
    kind: "text",
    entries: [
      {
        key: "(value)",
        change: before === after ? "unchanged" : "changed",
        before,
        after,
      },
    ],
  };
}

/** Counts per change kind, for a one-line summary ("1 added, 2 changed"). */
export function summarize(entries: { change: DiffChange }[]): string {
  const n = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const e of entries) n[e.change] += 1;
  const parts = (["added", "removed", "changed"] as const)
    .filter((k) => n[k] > 0)
    .map((k) => `${n[k]} ${k}`);
  return parts.length ? parts.join(", ") : "No changes";
}

/** True when the edit changes nothing (saving would only create an identical version). */
export function isNoop(d: LocalDiff): boolean {
  return d.entries.every((e) => e.change === "unchanged");
}
