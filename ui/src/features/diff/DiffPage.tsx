//! Compare any two versions. JSON secrets diff key by key (added, removed, changed); others as
//! text. Only keys and change kinds are shown until Reveal, which asks the engine again with
//! reveal=true (audited as a read).
import * as React from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useNavigate, useParams, useSearch } from "@tanstack/react-router";
import { Eye, EyeOff } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from "@/components/ui/select";
import { ErrorPanel } from "@/app/ErrorBoundary";
import { diffVersions, type VersionSummary } from "@/ipc";
import { secretKeys, useVersions } from "@/features/secrets/queries";
import { CURRENT, PREVIOUS, shortId } from "@/features/versions/labels";
import { summarize } from "./diff";
import { DiffTable } from "./DiffTable";

// CodeMirror's merge view loads only when a text diff is revealed.
const TextMerge = React.lazy(() => import("./TextMerge").then((m) => ({ default: m.TextMerge })));

function optionLabel(v: VersionSummary): string {
  return v.stages.length
    ? `${shortId(v.versionId)} (${v.stages.join(", ")})`
    : shortId(v.versionId);
}

/** Default pair: AWSPREVIOUS → AWSCURRENT, else the two newest. */
function defaults(list: VersionSummary[]): { from?: string; to?: string } {
  const cur = list.find((v) => v.stages.includes(CURRENT)) ?? list[0];
  const prev =
    list.find((v) => v.stages.includes(PREVIOUS)) ??
    list.find((v) => v.versionId !== cur?.versionId);
  return { from: prev?.versionId, to: cur?.versionId };
}

export function DiffPage() {
  const { secretId } = useParams({ from: "/secrets/$secretId" });
  const search = useSearch({ from: "/secrets/$secretId/diff" });
  const navigate = useNavigate({ from: "/secrets/$secretId/diff" });
  const versions = useVersions(secretId, true);
  const list = React.useMemo(() => versions.data ?? [], [versions.data]);
  const d = defaults(list);
  const from = search.from ?? d.from;
  const to = search.to ?? d.to;
  const [revealed, setRevealed] = React.useState(false);

  const pick = (which: "from" | "to", id: string) => {
    setRevealed(false);
    void navigate({ search: { from, to, [which]: id } });
  };

  const ready = !!from && !!to && from !== to;
  const diff = useQuery({
    queryKey: secretKeys.diff(secretId, from ?? "", to ?? "", revealed),
    queryFn: () =>
      diffVersions({ secretId, fromVersionId: from!, toVersionId: to!, reveal: revealed }),
    enabled: ready,
    // Keep the masked table on screen while the revealed one loads.
    placeholderData: keepPreviousData,
    // Revealed values must not linger in the cache once the screen is left.
    gcTime: revealed ? 0 : undefined,
    staleTime: revealed ? 0 : undefined,
  });

  if (versions.isError)
    return <ErrorPanel error={versions.error} onRetry={() => void versions.refetch()} />;

  return (
    <div className="flex max-w-5xl flex-col gap-4 p-6">
      <div className="flex flex-wrap items-end gap-4">
        <VersionPicker
          id="diff-from"
          label="From version"
          value={from}
          list={list}
          onChange={(id) => pick("from", id)}
        />
        <VersionPicker
          id="diff-to"
          label="To version"
          value={to}
          list={list}
          onChange={(id) => pick("to", id)}
        />
        {ready && (
          <Button variant="outline" onClick={() => setRevealed((r) => !r)} className="ml-auto">
            {revealed ? <EyeOff /> : <Eye />}
            {revealed ? "Hide values" : "Reveal values"}
          </Button>
        )}
      </div>
      {list.length < 2 ? (
        <p className="text-muted-foreground text-sm">
          This secret has one version. Save a new value to have something to compare.
        </p>
      ) : !ready ? (
        <p className="text-muted-foreground text-sm">Pick two different versions to compare.</p>
      ) : diff.isError ? (
        <ErrorPanel error={diff.error} onRetry={() => void diff.refetch()} />
      ) : !diff.data ? (
        <p role="status" className="text-muted-foreground text-sm">
          Comparing…
        </p>
      ) : diff.data.kind === "json" ? (
        <section className="flex flex-col gap-2" aria-label="Differences">
          <p className="text-sm">{summarize(diff.data.entries)}</p>
          <DiffTable
            entries={diff.data.entries}
            revealed={revealed}
            caption={`Changes from ${shortId(from)} to ${shortId(to)}`}
          />
        </section>
      ) : (
        <section className="flex flex-col gap-2" aria-label="Differences">
          <p className="text-sm">
            {diff.data.entries.some((e) => e.change !== "unchanged")
              ? diff.data.kind === "binary"
                ? "The binary value changed."
                : "The text changed."
              : "The two versions hold the same value."}
          </p>
          {revealed &&
          diff.data.kind === "text" &&
          diff.data.beforeText !== null &&
          diff.data.afterText !== null ? (
            <React.Suspense
              fallback={
                <p role="status" className="text-muted-foreground text-sm">
                  Loading the text diff…
                </p>
              }
            >
              <TextMerge before={diff.data.beforeText} after={diff.data.afterText} />
            </React.Suspense>
          ) : (
            diff.data.kind === "text" && (
              <p className="text-muted-foreground text-sm">
                Reveal the values to see the text diff.
              </p>
            )
          )}
        </section>
      )}
    </div>
  );
}

function VersionPicker({
  id,
  label,
  value,
  list,
  onChange,
}: {
  id: string;
  label: string;
  value: string | undefined;
  list: VersionSummary[];
  onChange: (id: string) => void;
}) {
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={id}>{label}</Label>
      <Select value={value} onValueChange={onChange}>
        <SelectTrigger id={id} className="w-72">
          <SelectValue placeholder="Pick a version" />
        </SelectTrigger>
        <SelectContent>
          {list.map((v) => (
            <SelectItem key={v.versionId} value={v.versionId}>
              {optionLabel(v)}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </div>
  );
}
