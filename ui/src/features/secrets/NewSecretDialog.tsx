//! "New secret": name, description, value (key/value rows or plain text), tags, KMS key, and a
//! generated password on request (GetRandomPassword in the engine, not Math.random).
import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { Dices } from "lucide-react";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { Textarea } from "@/components/ui/textarea";
import { createSecret, defaultPasswordRequest, getRandomPassword } from "@/ipc";
import { toastError, toastSuccess } from "@/app/toast";
import { describeError } from "@/lib/errors";
import { KeyValueEditor } from "./KeyValueEditor";
import { kvProblems, serializeKv, type KvRow } from "./kv";
import { useInvalidateSecrets } from "./queries";

type Mode = "kv" | "text";

export function NewSecretDialog({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="sm:max-w-2xl">
        {/* Remounted on each open, so a cancelled draft (and any value typed) is gone. */}
        {open && <NewSecretForm onDone={() => onOpenChange(false)} />}
      </DialogContent>
    </Dialog>
  );
}

const generate = () => getRandomPassword(defaultPasswordRequest);

function NewSecretForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = React.useState("");
  const [description, setDescription] = React.useState("");
  const [kmsKeyId, setKmsKeyId] = React.useState("");
  const [mode, setMode] = React.useState<Mode>("kv");
  const [rows, setRows] = React.useState<KvRow[]>([{ key: "", value: "" }]);
  const [text, setText] = React.useState("");
  const [showValues, setShowValues] = React.useState(false);
  const [tags, setTags] = React.useState<KvRow[]>([]);
  const [attempted, setAttempted] = React.useState(false);
  const navigate = useNavigate();
  const invalidate = useInvalidateSecrets();

  const create = useMutation({
    mutationFn: createSecret,
    onSuccess: (ref) => {
      void invalidate();
      toastSuccess(`Created ${ref.name}`);
      onDone();
      void navigate({ to: "/secrets/$secretId", params: { secretId: ref.arn } });
    },
  });

  const problems: string[] = [];
  if (!name.trim()) problems.push("Enter a name.");
  if (mode === "kv") problems.push(...kvProblems(rows));
  problems.push(...kvProblems(tags).map((p) => `Tags: ${p}`));

  const onSubmit = (e: React.FormEvent) => {
    e.preventDefault();
    setAttempted(true);
    if (problems.length) return;
    create.mutate({
      name: name.trim(),
      description: description.trim() || null,
      kmsKeyId: kmsKeyId.trim() || null,
      secretString: mode === "kv" ? serializeKv(rows) : text,
      secretBinaryBase64: null,
      tags: tags.map((t) => ({ key: t.key, value: t.value })),
    });
  };

  const generateText = () =>
    void generate()
      .then(setText)
      .catch((err: unknown) => toastError(err, "Could not generate a password"));

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-4" noValidate>
      <DialogHeader>
        <DialogTitle>New secret</DialogTitle>
        <DialogDescription>
          The value is encrypted with the KMS key and stored as the first version, labelled
          AWSCURRENT.
        </DialogDescription>
      </DialogHeader>
      <div className="flex flex-col gap-2">
        <Label htmlFor="new-name">Name</Label>
        <Input
          id="new-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="prod/app/database"
          autoFocus
          autoComplete="off"
          aria-invalid={attempted && !name.trim() ? true : undefined}
        />
      </div>
      <div className="flex flex-col gap-2">
        <Label htmlFor="new-description">Description</Label>
        <Input
          id="new-description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          autoComplete="off"
        />
      </div>
      <Tabs value={mode} onValueChange={(v) => setMode(v as Mode)}>
        <div className="flex items-center justify-between gap-2">
          <TabsList aria-label="Value format">
            <TabsTrigger value="kv">Key/value</TabsTrigger>
            <TabsTrigger value="text">Plain text</TabsTrigger>
          </TabsList>
          <div className="flex items-center gap-2">
            <Switch id="show-values" checked={showValues} onCheckedChange={setShowValues} />
            <Label htmlFor="show-values">Show values</Label>
          </div>
        </div>
        <TabsContent value="kv">
          <KeyValueEditor
            rows={rows}
            onChange={setRows}
            masked={!showValues}
            onGenerate={() =>
              generate().catch((err: unknown) => {
                toastError(err, "Could not generate a password");
                throw err;
              })
            }
          />
        </TabsContent>
        <TabsContent value="text" className="flex flex-col gap-2">
          <Label htmlFor="new-text" className="sr-only">
            Secret value
          </Label>
          {showValues ? (
            <Textarea
              id="new-text"
              value={text}
              onChange={(e) => setText(e.target.value)}
              className="font-mono"
              spellCheck={false}
            />
          ) : (
            <Input
              id="new-text"
              type="password"
              value={text}
              onChange={(e) => setText(e.target.value)}
              className="font-mono"
              autoComplete="off"
            />
          )}
          <div>
            <Button variant="outline" size="sm" onClick={generateText}>
              <Dices />
              Generate password
            </Button>
          </div>
        </TabsContent>
      </Tabs>
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-2 text-sm font-medium">Tags</legend>
        <KeyValueEditor
          rows={tags}
          onChange={setTags}
          keyLabel="Tag key"
          valueLabel="Tag value"
          addLabel="Add tag"
        />
      </fieldset>
      <div className="flex flex-col gap-2">
        <Label htmlFor="new-kms">KMS key</Label>
        <Input
          id="new-kms"
          value={kmsKeyId}
          onChange={(e) => setKmsKeyId(e.target.value)}
          placeholder="aws/secretsmanager (default)"
          autoComplete="off"
        />
      </div>
      {attempted && problems.length > 0 && (
        <ul role="alert" className="text-destructive list-disc pl-5 text-sm">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {create.error && (
        <div role="alert" className="text-destructive text-sm">
          <p>{describeError(create.error).title}</p>
          <p className="text-muted-foreground">{describeError(create.error).action}</p>
        </div>
      )}
      <DialogFooter>
        <Button variant="outline" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create secret"}
        </Button>
      </DialogFooter>
    </form>
  );
}
