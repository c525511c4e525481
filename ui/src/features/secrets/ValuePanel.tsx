//! The secret value: masked until Reveal; Copy (cleared from the clipboard after the configured
//! timeout, only if still there); Edit as key/value rows (JSON) or text, then a diff preview that
//! must be confirmed before a new version is saved.
import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { Copy, Eye, EyeOff, Pencil } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { Textarea } from "@/components/ui/textarea";
import { useSettings } from "@/app/settings";
import { toastError, toastSuccess } from "@/app/toast";
import {
  copySecretText,
  defaultPasswordRequest,
  getRandomPassword,
  getSecretValue,
  putSecretValue,
  type SecretDetail,
  type SecretValueView,
} from "@/ipc";
import { diffValues } from "@/features/diff/diff";
import { KeyValueEditor } from "./KeyValueEditor";
import { kvProblems, parseKv, serializeKv, type KvRow } from "./kv";
import { useInvalidateSecrets } from "./queries";
import { SavePreviewDialog } from "./SavePreviewDialog";

type Draft = { mode: "kv"; rows: KvRow[] } | { mode: "text"; text: string };

/** The value as text, whichever way it is stored. */
function valueText(v: SecretValueView): string {
  return v.secretString ?? v.secretBinaryBase64 ?? "";
}

export function ValuePanel({ secret }: { secret: SecretDetail }) {
  const settings = useSettings();
  const invalidate = useInvalidateSecrets();
  const [value, setValue] = React.useState<SecretValueView | null>(null);
  const [draft, setDraft] = React.useState<Draft | null>(null);
  const [showDraft, setShowDraft] = React.useState(false);
  const [previewOpen, setPreviewOpen] = React.useState(false);

  const fetchCurrent = () =>
    getSecretValue({ secretId: secret.arn, versionId: null, versionStage: "AWSCURRENT" });

  const reveal = useMutation({
    mutationFn: fetchCurrent,
    onSuccess: setValue,
    onError: (err) => toastError(err, "Could not read the value"),
  });

  const copy = useMutation({
    mutationFn: async (text?: string) => {
      const t = text ?? valueText(value ?? (await fetchCurrent()));
      await copySecretText(t, settings.clipboardClearSeconds);
    },
    onSuccess: () =>
      toastSuccess(
        "Copied to the clipboard",
        settings.clipboardClearSeconds > 0
          ? `It will be cleared in ${settings.clipboardClearSeconds} seconds.`
          : "Auto-clear is off in Settings.",
      ),
    onError: (err) => toastError(err, "Could not copy"),
  });

  const startEdit = useMutation({
    mutationFn: async () => value ?? (await fetchCurrent()),
    onSuccess: (v) => {
      setValue(v);
      const rows = v.secretString !== null ? parseKv(v.secretString) : null;
      setDraft(rows ? { mode: "kv", rows } : { mode: "text", text: valueText(v) });
    },
    onError: (err) => toastError(err, "Could not read the value to edit"),
  });

  const isBinary = value !== null && value.secretString === null;
  const original = value ? valueText(value) : "";
  const edited =
    draft === null ? "" : draft.mode === "kv" ? serializeKv(draft.rows, original) : draft.text;
  const problems = draft?.mode === "kv" ? kvProblems(draft.rows) : [];
  const preview = React.useMemo(
    () => (draft ? diffValues(original, edited) : null),
    [draft, original, edited],
  );

  const save = useMutation({
    mutationFn: () =>
      putSecretValue({
        secretId: secret.arn,
        secretString: isBinary ? null : edited,
        secretBinaryBase64: isBinary ? edited : null,
        versionStages: null,
      }),
    onSuccess: (ref) => {
      setPreviewOpen(false);
      setDraft(null);
      setValue(null);
      void invalidate();
      toastSuccess(
        "Saved a new version",
        `Version ${ref.versionId?.slice(0, 8) ?? ""} is now AWSCURRENT; the previous one is AWSPREVIOUS.`,
      );
    },
    onError: (err) => toastError(err, "Could not save the new version"),
  });

  const generate = () =>
    getRandomPassword(defaultPasswordRequest).catch((err: unknown) => {
      toastError(err, "Could not generate a password");
      throw err;
    });

  const deleted = !!secret.deletedDate;

  return (
    <section aria-labelledby="value-heading" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2">
        <h2 id="value-heading" className="mr-auto text-base font-semibold">
          Value
        </h2>
        {!draft && (
          <>
            {value ? (
              <Button variant="outline" size="sm" onClick={() => setValue(null)}>
                <EyeOff />
                Hide
              </Button>
            ) : (
              <Button
                variant="outline"
                size="sm"
                onClick={() => reveal.mutate()}
                disabled={reveal.isPending || deleted}
              >
                <Eye />
                Reveal
              </Button>
            )}
            <Button
              variant="outline"
              size="sm"
              onClick={() => copy.mutate(undefined)}
              disabled={copy.isPending || deleted}
            >
              <Copy />
              Copy
            </Button>
            <Button
              size="sm"
              onClick={() => startEdit.mutate()}
              disabled={startEdit.isPending || deleted}
            >
              <Pencil />
              Edit value
            </Button>
          </>
        )}
      </div>
      {deleted && (
        <p className="text-muted-foreground text-sm">
          This secret is scheduled for deletion: restore it to read or change its value.
        </p>
      )}
      {draft ? (
        <form
          className="flex flex-col gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (problems.length === 0) setPreviewOpen(true);
          }}
        >
          <div className="flex items-center gap-2">
            <Switch id="show-draft" checked={showDraft} onCheckedChange={setShowDraft} />
            <Label htmlFor="show-draft">Show values while editing</Label>
          </div>
          {draft.mode === "kv" ? (
            <KeyValueEditor
              rows={draft.rows}
              onChange={(rows) => setDraft({ mode: "kv", rows })}
              masked={!showDraft}
              onGenerate={generate}
            />
          ) : (
            <>
              <Label htmlFor="edit-text">{isBinary ? "Value (base64)" : "Value (text)"}</Label>
              <Textarea
                id="edit-text"
                value={draft.text}
                onChange={(e) => setDraft({ mode: "text", text: e.target.value })}
                className={showDraft ? "font-mono" : "font-mono [-webkit-text-security:disc]"}
                spellCheck={false}
              />
            </>
          )}
          {problems.length > 0 && (
            <ul role="alert" className="text-destructive list-disc pl-5 text-sm">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          <div className="flex gap-2">
            <Button type="submit" disabled={problems.length > 0}>
              Review changes
            </Button>
            <Button
              variant="outline"
              onClick={() => {
                setDraft(null);
                setShowDraft(false);
              }}
            >
              Cancel
            </Button>
          </div>
        </form>
      ) : value ? (
        <RevealedValue value={value} onCopy={(t) => copy.mutate(t)} />
      ) : (
        <p
          className="bg-muted/50 rounded-md border px-3 py-2 font-mono text-sm tracking-widest"
          aria-label="Value hidden"
        >
          ••••••••••••
        </p>
      )}
      {preview && (
        <SavePreviewDialog
          open={previewOpen}
          onOpenChange={setPreviewOpen}
          diff={preview}
          saving={save.isPending}
          onConfirm={() => save.mutate()}
        />
      )}
    </section>
  );
}

function RevealedValue({
  value,
  onCopy,
}: {
  value: SecretValueView;
  onCopy: (text: string) => void;
}) {
  const rows = value.secretString !== null ? parseKv(value.secretString) : null;
  if (rows) {
    return (
      <table className="w-full text-sm">
        <caption className="sr-only">Secret value by key</caption>
        <thead>
          <tr className="border-b text-left">
            <th scope="col" className="px-2 py-2 font-medium">
              Key
            </th>
            <th scope="col" className="px-2 py-2 font-medium">
              Value
            </th>
            <th scope="col" className="w-10">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} className="border-b">
              <th scope="row" className="px-2 py-2 text-left font-mono font-normal break-all">
                {r.key}
              </th>
              <td className="px-2 py-2 font-mono break-all">{r.value}</td>
              <td>
                <Button
                  variant="ghost"
                  size="icon"
                  aria-label={`Copy ${r.key}`}
                  onClick={() => onCopy(r.value)}
                >
                  <Copy />
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (value.secretString !== null) {
    return (
      <pre className="bg-muted/50 max-h-80 overflow-auto rounded-md border p-3 font-mono text-sm break-all whitespace-pre-wrap">
        {value.secretString}
      </pre>
    );
  }
  const b64 = value.secretBinaryBase64 ?? "";
  return (
    <div className="flex flex-col gap-1">
      <p className="text-muted-foreground text-xs">
        Binary value, {Math.floor((b64.length * 3) / 4)} bytes, shown as base64:
      </p>
      <pre className="bg-muted/50 max-h-80 overflow-auto rounded-md border p-3 font-mono text-xs break-all whitespace-pre-wrap">
        {b64}
      </pre>
    </div>
  );
}
