//! Rows of key/value inputs, used for JSON secret values and for tags. Values can be masked while
//! typing (secret values) and filled with a generated password.
import { Dices, Plus, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import type { KvRow } from "./kv";

export function KeyValueEditor({
  rows,
  onChange,
  masked = false,
  keyLabel = "Key",
  valueLabel = "Value",
  addLabel = "Add key/value",
  onGenerate,
}: {
  rows: KvRow[];
  onChange: (rows: KvRow[]) => void;
  masked?: boolean;
  keyLabel?: string;
  valueLabel?: string;
  addLabel?: string;
  /** When given, each row gets a "generate password" button that fills its value. */
  onGenerate?: () => Promise<string>;
}) {
  const set = (i: number, patch: Partial<KvRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="flex flex-col gap-2">
      {rows.map((row, i) => (
        <div key={i} className="flex items-center gap-2">
          <Input
            aria-label={`${keyLabel} ${i + 1}`}
            placeholder={keyLabel}
            value={row.key}
            onChange={(e) => set(i, { key: e.target.value })}
            className="w-2/5 font-mono"
            autoComplete="off"
            spellCheck={false}
          />
          <Input
            aria-label={`${valueLabel} ${i + 1}`}
            placeholder={valueLabel}
            type={masked ? "password" : "text"}
            value={row.value}
            onChange={(e) => set(i, { value: e.target.value })}
            className="flex-1 font-mono"
            autoComplete="off"
            spellCheck={false}
          />
          {onGenerate && (
            <Button
              variant="ghost"
              size="icon"
              aria-label={`Generate a password for row ${i + 1}`}
              title="Generate a password"
              onClick={() => void onGenerate().then((value) => set(i, { value }))}
            >
              <Dices />
            </Button>
          )}
          <Button
            variant="ghost"
            size="icon"
            aria-label={`Remove row ${i + 1}`}
            title="Remove"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            <Trash2 />
          </Button>
        </div>
      ))}
      <div>
        <Button
          variant="outline"
          size="sm"
          onClick={() => onChange([...rows, { key: "", value: "" }])}
        >
          <Plus />
          {addLabel}
        </Button>
      </div>
    </div>
  );
}
