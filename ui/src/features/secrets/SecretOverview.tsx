//! A secret's overview: metadata, description, tags and the value panel.
import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { Copy, Pencil, Plus, X } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { toastError, toastSuccess } from "@/app/toast";
import {
  copyPlainText,
  tagSecret,
  untagSecret,
  updateSecret,
  type SecretDetail,
  type Tag,
} from "@/ipc";
import { formatDateTime } from "./format";
import { useInvalidateSecrets, useSecretDetail } from "./queries";
import { ValuePanel } from "./ValuePanel";

export function SecretOverview() {
  const { secretId } = useParams({ from: "/secrets/$secretId" });
  const detail = useSecretDetail(secretId);
  if (!detail.data) return null;
  const s = detail.data;
  return (
    <div className="grid max-w-5xl gap-8 p-6 lg:grid-cols-[1fr_1fr]">
      <div className="flex flex-col gap-8">
        <Metadata secret={s} />
        <TagsEditor secret={s} />
      </div>
      <ValuePanel secret={s} />
    </div>
  );
}

function Metadata({ secret: s }: { secret: SecretDetail }) {
  const current = s.versions.find((v) => v.stages.includes("AWSCURRENT"));
  const rows: [string, React.ReactNode][] = [
    [
      "ARN",
      <span className="flex items-center gap-1">
        <span className="font-mono text-xs break-all">{s.arn}</span>
        <Button
          variant="ghost"
          size="icon"
          className="size-7"
          aria-label="Copy ARN"
          onClick={() =>
            void copyPlainText(s.arn).then(
              () => toastSuccess("ARN copied"),
              (e: unknown) => toastError(e, "Could not copy"),
            )
          }
        >
          <Copy />
        </Button>
      </span>,
    ],
    ["KMS key", s.kmsKeyId ?? "aws/secretsmanager"],
    [
      "Current version",
      current ? <span className="font-mono text-xs">{current.versionId}</span> : "—",
    ],
    ["Created", formatDateTime(s.createdDate)],
    ["Last changed", formatDateTime(s.lastChangedDate)],
    ["Last accessed", formatDateTime(s.lastAccessedDate)],
    ["Last rotated", formatDateTime(s.lastRotatedDate)],
    ["Next rotation", formatDateTime(s.nextRotationDate)],
  ];
  return (
    <section aria-labelledby="meta-heading" className="flex flex-col gap-3">
      <h2 id="meta-heading" className="text-base font-semibold">
        Details
      </h2>
      <DescriptionEditor secret={s} />
      <dl className="grid grid-cols-[8rem_1fr] gap-x-4 gap-y-2 text-sm">
        {rows.map(([k, v]) => (
          <React.Fragment key={k}>
            <dt className="text-muted-foreground">{k}</dt>
            <dd className="min-w-0">{v}</dd>
          </React.Fragment>
        ))}
      </dl>
    </section>
  );
}

function DescriptionEditor({ secret: s }: { secret: SecretDetail }) {
  const [editing, setEditing] = React.useState(false);
  const [text, setText] = React.useState("");
  const invalidate = useInvalidateSecrets();
  const save = useMutation({
    mutationFn: () => updateSecret({ secretId: s.arn, description: text, kmsKeyId: null }),
    onSuccess: () => {
      setEditing(false);
      void invalidate();
      toastSuccess("Description saved");
    },
    onError: (err) => toastError(err, "Could not save the description"),
  });
  if (!editing) {
    return (
      <div className="flex items-start gap-2">
        <p className="min-w-0 flex-1 text-sm break-words">
          {s.description ? (
            s.description
          ) : (
            <span className="text-muted-foreground">No description</span>
          )}
        </p>
        <Button
          variant="ghost"
          size="sm"
          onClick={() => {
            setText(s.description ?? "");
            setEditing(true);
          }}
        >
          <Pencil />
          Edit description
        </Button>
      </div>
    );
  }
  return (
    <form
      className="flex items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <div className="flex flex-1 flex-col gap-2">
        <Label htmlFor="edit-description">Description</Label>
        <Input
          id="edit-description"
          value={text}
          autoFocus
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <Button type="submit" disabled={save.isPending}>
        Save
      </Button>
      <Button variant="outline" onClick={() => setEditing(false)}>
        Cancel
      </Button>
    </form>
  );
}

function TagsEditor({ secret: s }: { secret: SecretDetail }) {
  const [key, setKey] = React.useState("");
  const [value, setValue] = React.useState("");
  const invalidate = useInvalidateSecrets();
  const add = useMutation({
    mutationFn: (tag: Tag) => tagSecret(s.arn, [tag]),
    onSuccess: () => {
      setKey("");
      setValue("");
      void invalidate();
    },
    onError: (err) => toastError(err, "Could not add the tag"),
  });
  const remove = useMutation({
    mutationFn: (tagKey: string) => untagSecret(s.arn, [tagKey]),
    onSuccess: () => void invalidate(),
    onError: (err) => toastError(err, "Could not remove the tag"),
  });
  return (
    <section aria-labelledby="tags-heading" className="flex flex-col gap-3">
      <h2 id="tags-heading" className="text-base font-semibold">
        Tags
      </h2>
      {s.tags.length === 0 ? (
        <p className="text-muted-foreground text-sm">
          No tags. Tags help search and can be used in policy conditions.
        </p>
      ) : (
        <ul className="flex flex-wrap gap-2" aria-label="Tags">
          {s.tags.map((t) => (
            <li key={t.key} className="max-w-full">
              {/* Tag values run to 256 characters: the badge wraps instead of cutting. */}
              <Badge
                variant="outline"
                className="max-w-full gap-1 pr-0.5 font-normal break-all whitespace-normal"
              >
                <span className="font-medium">{t.key}</span>
                {t.value && <span>= {t.value}</span>}
                <button
                  type="button"
                  className="hover:bg-muted rounded p-0.5"
                  aria-label={`Remove tag ${t.key}`}
                  onClick={() => remove.mutate(t.key)}
                >
                  <X className="size-3" />
                </button>
              </Badge>
            </li>
          ))}
        </ul>
      )}
      <form
        className="flex items-center gap-2"
        aria-label="Add a tag"
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) add.mutate({ key: key.trim(), value });
        }}
      >
        <Input
          aria-label="New tag key"
          placeholder="Key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          className="w-36"
        />
        <Input
          aria-label="New tag value"
          placeholder="Value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          className="w-44"
        />
        <Button type="submit" variant="outline" size="sm" disabled={!key.trim() || add.isPending}>
          <Plus />
          Add tag
        </Button>
      </form>
    </section>
  );
}
