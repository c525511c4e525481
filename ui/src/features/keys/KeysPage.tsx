//! KMS-like keys: the managed `aws/secretsmanager` key and customer keys. Create one (alias,
//! description), rotate its material (old material stays to decrypt what it wrapped), and
//! enable or disable it after a confirmation that says what disabling breaks.
import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";

import { EmptyState } from "@/app/EmptyState";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
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
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { createKey, listKeys, rotateKey, setKeyEnabled, type KeyView } from "@/ipc/keys";
import { ErrorNote } from "../audit/ErrorNote";
import { formatTime } from "../audit/format";

const keysKey = ["keys"] as const;

/** What a confirmation is about to do. */
type Pending = { kind: "rotate" | "enable" | "disable"; key: KeyView } | null;

function keyName(k: KeyView): string {
  return k.alias ? `alias/${k.alias}` : k.keyId;
}

export function KeysPage() {
  const qc = useQueryClient();
  const keys = useQuery({ queryKey: keysKey, queryFn: listKeys });
  const [creating, setCreating] = React.useState(false);
  const [pending, setPending] = React.useState<Pending>(null);
  const [notice, setNotice] = React.useState<string | null>(null);

  const act = useMutation({
    mutationFn: async (p: NonNullable<Pending>) =>
      p.kind === "rotate"
        ? rotateKey(p.key.keyId)
        : setKeyEnabled(p.key.keyId, p.kind === "enable"),
    onSuccess: (k, p) => {
      setNotice(
        p.kind === "rotate"
          ? `${keyName(k)} now uses key material version ${k.materialVersion}.`
          : `${keyName(k)} is ${k.enabled ? "enabled" : "disabled"}.`,
      );
      void qc.invalidateQueries({ queryKey: keysKey });
    },
  });

  return (
    <div className="flex flex-col gap-4 p-4">
      <header className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Keys</h1>
        <Button onClick={() => setCreating(true)}>Create key</Button>
      </header>
      <p className="text-muted-foreground text-sm">
        Keys wrap the data keys of secret versions. Secrets use the managed key{" "}
        <code>aws/secretsmanager</code> unless you choose one of yours.
      </p>
      {notice && (
        <p role="status" className="text-sm">
          {notice}
        </p>
      )}
      {act.isError && <ErrorNote error={act.error} context="The key was not changed" />}
      {keys.isError ? (
        <ErrorNote error={keys.error} context="Could not list keys" />
      ) : keys.isPending ? (
        <p className="text-muted-foreground text-sm">Loading keys…</p>
      ) : keys.data.length === 0 ? (
        <EmptyState
          icon={<KeyRound />}
          title="No keys yet"
          action={<Button onClick={() => setCreating(true)}>Create key</Button>}
        >
          Create a key to encrypt chosen secrets under material you can rotate or disable.
        </EmptyState>
      ) : (
        <Table aria-label="Keys">
          <TableHeader>
            <TableRow>
              <TableHead>Alias</TableHead>
              <TableHead>Key id</TableHead>
              <TableHead>Description</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Material</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>Rotated</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {keys.data.map((k) => (
              <TableRow key={k.keyId}>
                <TableCell className="font-medium">
                  {k.alias ? `alias/${k.alias}` : "—"}
                  {k.managed && (
                    <Badge variant="outline" className="ml-2">
                      managed
                    </Badge>
                  )}
                </TableCell>
                <TableCell className="font-mono text-xs">{k.keyId}</TableCell>
                <TableCell>{k.description || "—"}</TableCell>
                <TableCell>
                  <Badge variant={k.enabled ? "success" : "destructive"}>
                    {k.enabled ? "Enabled" : "Disabled"}
                  </Badge>
                </TableCell>
                <TableCell>v{k.materialVersion}</TableCell>
                <TableCell>{formatTime(k.createdDate)}</TableCell>
                <TableCell>{formatTime(k.rotatedDate)}</TableCell>
                <TableCell className="flex justify-end gap-2">
                  <Button
                    variant="outline"
                    size="sm"
                    aria-label={`Rotate material of ${keyName(k)}`}
                    disabled={!k.enabled}
                    onClick={() => setPending({ kind: "rotate", key: k })}
                  >
                    Rotate
                  </Button>
                  {!k.managed && (
                    <Button
                      variant={k.enabled ? "outline" : "default"}
                      size="sm"
                      aria-label={`${k.enabled ? "Disable" : "Enable"} ${keyName(k)}`}
                      onClick={() => setPending({ kind: k.enabled ? "disable" : "enable", key: k })}
                    >
                      {k.enabled ? "Disable" : "Enable"}
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <CreateKeyDialog
        open={creating}
        onOpenChange={setCreating}
        onCreated={(k) => {
          setNotice(`Created ${keyName(k)}.`);
          void qc.invalidateQueries({ queryKey: keysKey });
        }}
      />
      <ConfirmKeyAction
        pending={pending}
        onCancel={() => setPending(null)}
        onConfirm={(p) => {
          setPending(null);
          setNotice(null);
          act.mutate(p);
        }}
      />
    </div>
  );
}

function ConfirmKeyAction({
  pending,
  onCancel,
  onConfirm,
}: {
  pending: Pending;
  onCancel: () => void;
  onConfirm: (p: NonNullable<Pending>) => void;
}) {
  const text = pending && confirmText(pending);
  return (
    <AlertDialog open={pending !== null} onOpenChange={(o) => !o && onCancel()}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{text?.title}</AlertDialogTitle>
          <AlertDialogDescription>{text?.body}</AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction
            variant={pending?.kind === "disable" ? "destructive" : "default"}
            onClick={() => pending && onConfirm(pending)}
          >
            {text?.action}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

function confirmText(p: NonNullable<Pending>): { title: string; body: string; action: string } {
  const name = keyName(p.key);
  switch (p.kind) {
    case "rotate":
      return {
        title: `Rotate the material of ${name}?`,
        body: `New secret versions will be encrypted under material version ${p.key.materialVersion + 1}. Existing versions stay readable with their older material.`,
        action: "Rotate material",
      };
    case "disable":
      return {
        title: `Disable ${name}?`,
        body: "Secrets encrypted under this key can no longer be read or updated (AWS answers DecryptionFailure) until you enable it again.",
        action: "Disable key",
      };
    case "enable":
      return {
        title: `Enable ${name}?`,
        body: "Secrets encrypted under this key become readable again.",
        action: "Enable key",
      };
  }
}

function CreateKeyDialog({
  open,
  onOpenChange,
  onCreated,
}: {
  open: boolean;
  onOpenChange: (o: boolean) => void;
  onCreated: (k: KeyView) => void;
}) {
  const [alias, setAlias] = React.useState("");
  const [description, setDescription] = React.useState("");
  const create = useMutation({
    mutationFn: () =>
      createKey(alias.trim().replace(/^alias\//, "") || null, description.trim() || null),
    onSuccess: (k) => {
      onCreated(k);
      onOpenChange(false);
      setAlias("");
      setDescription("");
    },
  });
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (!o) create.reset();
        onOpenChange(o);
      }}
    >
      <DialogContent>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <DialogHeader>
            <DialogTitle>Create key</DialogTitle>
            <DialogDescription>
              A symmetric key for encrypting secrets. Both fields are optional.
            </DialogDescription>
          </DialogHeader>
          <div className="flex flex-col gap-1">
            <Label htmlFor="key-alias">Alias</Label>
            <Input
              id="key-alias"
              value={alias}
              onChange={(e) => setAlias(e.target.value)}
              placeholder="billing"
              autoFocus
            />
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor="key-description">Description</Label>
            <Input
              id="key-description"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          </div>
          {create.isError && <ErrorNote error={create.error} />}
          <DialogFooter>
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? "Creating…" : "Create"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
