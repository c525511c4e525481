//! A key-by-key diff: what was added, removed or changed. Values stay masked unless `revealed`.
import { Badge } from "@/components/ui/badge";
import type { DiffChange } from "@/ipc";
import { cn } from "@/lib/utils";

export interface DiffRow {
  key: string;
  change: DiffChange;
  before: string | null;
  after: string | null;
}

const changeStyle: Record<DiffChange, string> = {
  added: "text-added border-added/40",
  removed: "text-removed border-removed/40",
  changed: "text-changed border-changed/40",
  unchanged: "text-muted-foreground",
};

const mask = "••••••••";

export function DiffTable({
  entries,
  revealed,
  caption,
}: {
  entries: DiffRow[];
  revealed: boolean;
  caption: string;
}) {
  const cell = (v: string | null, present: boolean) =>
    !present ? (
      <span className="text-muted-foreground">—</span>
    ) : revealed && v !== null ? (
      <span className="font-mono break-all whitespace-pre-wrap">{v}</span>
    ) : (
      <span className="text-muted-foreground font-mono" aria-label="hidden value">
        {mask}
      </span>
    );
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr className="border-b text-left">
          <th scope="col" className="px-2 py-2 font-medium">
            Key
          </th>
          <th scope="col" className="px-2 py-2 font-medium">
            Change
          </th>
          <th scope="col" className="px-2 py-2 font-medium">
            Before
          </th>
          <th scope="col" className="px-2 py-2 font-medium">
            After
          </th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.key} className={cn("border-b", e.change === "unchanged" && "opacity-70")}>
            <th scope="row" className="px-2 py-2 text-left font-mono font-normal break-all">
              {e.key}
            </th>
            <td className="px-2 py-2">
              <Badge variant="outline" className={changeStyle[e.change]}>
                {e.change}
              </Badge>
            </td>
            <td className="px-2 py-2">{cell(e.before, e.change !== "added")}</td>
            <td className="px-2 py-2">{cell(e.after, e.change !== "removed")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
