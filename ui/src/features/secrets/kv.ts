//! Secret values as key/value pairs. A value that is a flat JSON object (string, number or
//! boolean members) is edited as rows; anything else is plain text. Round-tripping keeps
//! strings as strings, so a value never changes type by being edited.

export interface KvRow {
  key: string;
  value: string;
}

/** Rows of a flat JSON object, or null when `text` is not one (then it is edited as text). */
export function parseKv(text: string): KvRow[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return null;
  const rows: KvRow[] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === "string") rows.push({ key, value });
    else if (typeof value === "number" || typeof value === "boolean")
      rows.push({ key, value: JSON.stringify(value) });
    else return null;
  }
  return rows;
}

/** Problems that block saving rows: empty or duplicate keys. */
export function kvProblems(rows: KvRow[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    if (!r.key.trim()) problems.push(`Row ${i + 1} has no key.`);
    else if (seen.has(r.key)) problems.push(`The key "${r.key}" appears twice.`);
    seen.add(r.key);
  });
  return problems;
}

/**
 * Serialises rows as a JSON object (compact, like the AWS console). `original` (the value being
 * edited) keeps numbers and booleans typed when their text did not change.
 */
export function serializeKv(rows: KvRow[], original?: string): string {
  let originalObj: Record<string, unknown> = {};
  if (original) {
    try {
      const o: unknown = JSON.parse(original);
      if (o && typeof o === "object" && !Array.isArray(o))
        originalObj = o as Record<string, unknown>;
    } catch {
      // Not JSON: nothing to keep.
    }
  }
  const out: Record<string, unknown> = {};
  for (const { key, value } of rows) {
    const prev = originalObj[key];
    out[key] =
      (typeof prev === "number" || typeof prev === "boolean") && JSON.stringify(prev) === value
        ? prev
        : value;
  }
  return JSON.stringify(out);
}
