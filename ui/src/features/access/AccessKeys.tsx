//! A user's access keys. A new key's secret is shown exactly once, in a dialog with copy
//! buttons and a warning; closing the dialog drops it from memory (it is never cached, never
//! listed again, and the engine keeps only what it needs to verify signatures).
import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { useSettings } from "@/app/settings";
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
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import {
  createAccessKey,
  deleteAccessKey,
  listAccessKeys,
  setAccessKeyStatus,
  type NewAccessKeyView,
} from "@/ipc/access";
import { copyPlainText, copySecretText } from "@/ipc/clipboard";
import { ErrorNote } from "../audit/ErrorNote";
import { errorMessage, formatTime } from "../audit/format";

export function AccessKeys({ userName }: { userName: string }) {
  const qc = useQueryClient();
  const queryKey = ["access", "keys", userName];
  const keys = useQuery({ queryKey, queryFn: () => listAccessKeys(userName) });
  const refresh = () => void qc.invalidateQueries({ queryKey });
  // The one place the new secret lives; set to null when the dialog closes.
  const [created, setCreated] = React.useState<NewAccessKeyView | null>(null);
  const [deleting, setDeleting] = React.useState<string | null>(null);

  const create = useMutation({
    mutationFn: () => createAccessKey(userName),
    // Keep the secret out of the mutation cache: it lives only in `created`.
    gcTime: 0,
    onSuccess: (k) => {
      setCreated(k);
      refresh();
    },
  });
  const status = useMutation({
    mutationFn: (v: { id: string; active: boolean }) =>
      setAccessKeyStatus(userName, v.id, v.active),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => deleteAccessKey(userName, id),
    onSuccess: refresh,
  });

  return (
    <section aria-labelledby="access-keys-heading" className="flex flex-col gap-2">
      <div className="flex items-center justify-between">
        <h3 id="access-keys-heading" className="font-semibold">
          Access keys
        </h3>
        <Button size="sm" onClick={() => create.mutate()} disabled={create.isPending}>
          Create access key
        </Button>
      </div>
      {create.isError && <ErrorNote error={create.error} context="No key was created" />}
      {status.isError && <ErrorNote error={status.error} context="The key was not changed" />}
      {remove.isError && <ErrorNote error={remove.error} context="The key was not deleted" />}
      {keys.isError ? (
        <ErrorNote error={keys.error} context="Could not list access keys" />
      ) : keys.isPending ? (
        <p className="text-muted-foreground text-sm">Loading…</p>
      ) : keys.data.length === 0 ? (
        <p className="text-muted-foreground text-sm">
          No access keys. Create one to let an application sign AWS API requests as {userName}.
        </p>
      ) : (
        <Table aria-label={`Access keys of ${userName}`}>
          <TableHeader>
            <TableRow>
              <TableHead>Access key id</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {keys.data.map((k) => {
              const active = k.status === "Active";
              return (
                <TableRow key={k.accessKeyId}>
                  <TableCell className="font-mono text-xs">{k.accessKeyId}</TableCell>
                  <TableCell>
                    <Badge variant={active ? "success" : "secondary"}>{k.status}</Badge>
                  </TableCell>
                  <TableCell>{formatTime(k.createdDate)}</TableCell>
                  <TableCell>{k.lastUsedDate ? formatTime(k.lastUsedDate) : "Never"}</TableCell>
                  <TableCell className="flex justify-end gap-2">
                    <Button
                      variant="outline"
                      size="sm"
                      aria-label={`${active ? "Deactivate" : "Activate"} ${k.accessKeyId}`}
                      onClick={() => status.mutate({ id: k.accessKeyId, active: !active })}
                    >
                      {active ? "Deactivate" : "Activate"}
                    </Button>
                    <Button
                      variant="outline"
                      size="sm"
                      aria-label={`Delete ${k.accessKeyId}`}
                      onClick={() => setDeleting(k.accessKeyId)}
                    >
                      Delete
                    </Button>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <NewKeyDialog
        created={created}
        onClose={() => {
          setCreated(null);
          create.reset();
        }}
      />
      <AlertDialog open={deleting !== null} onOpenChange={(o) => !o && setDeleting(null)}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Delete access key {deleting}?</AlertDialogTitle>
            <AlertDialogDescription>
              Applications signing with this key are refused from now on. This cannot be undone;
              deactivate it instead if you may need it again.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction
              variant="destructive"
              onClick={() => {
                if (deleting) remove.mutate(deleting);
                setDeleting(null);
              }}
            >
              Delete key
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </section>
  );
}

/** Shows the new key's secret once. */
function NewKeyDialog({
  created,
  onClose,
}: {
  created: NewAccessKeyView | null;
  onClose: () => void;
}) {
  const { clipboardClearSeconds } = useSettings();
  const [copied, setCopied] = React.useState<string | null>(null);
  React.useEffect(() => setCopied(null), [created]);
  const copy = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
      setCopied(what);
    } catch (e) {
      setCopied(`Copy failed: ${errorMessage(e)}. Select the text and copy it by hand.`);
    }
  };
  return (
    <Dialog open={created !== null} onOpenChange={(o) => !o && onClose()}>
      <DialogContent onInteractOutside={(e) => e.preventDefault()}>
        <DialogHeader>
          <DialogTitle>Access key created</DialogTitle>
          <DialogDescription>
            Copy the secret access key now. It is shown only this once: Coffer cannot show it again.
            If you lose it, create a new key and delete this one.
          </DialogDescription>
        </DialogHeader>
        {created && (
          <dl className="grid gap-3 text-sm">
            <div>
              <dt className="text-muted-foreground">Access key id</dt>
              <dd className="flex items-center gap-2">
                <code className="font-mono break-all">{created.accessKeyId}</code>
                <Button
                  size="sm"
                  variant="outline"
                  onClick={() =>
                    void copy("Access key id copied.", () => copyPlainText(created.accessKeyId))
                  }
                >
                  Copy id
                </Button>
              </dd>
            </div>
            <div>
              <dt className="text-muted-foreground">Secret access key</dt>
              <dd className="flex items-center gap-2">
                <code aria-label="Secret access key" className="font-mono break-all">
                  {created.secretAccessKey}
                </code>
                <Button
                  size="sm"
                  variant="outline"
                  onClick={() =>
                    void copy(
                      `Secret copied; the clipboard is cleared after ${clipboardClearSeconds} s.`,
                      () => copySecretText(created.secretAccessKey, clipboardClearSeconds),
                    )
                  }
                >
                  Copy secret
                </Button>
              </dd>
            </div>
          </dl>
        )}
        <p
          role="alert"
          className="rounded-md border border-amber-500/50 bg-amber-500/10 p-2 text-sm"
        >
          Warning: closing this dialog discards the secret access key for good.
        </p>
        {copied && (
          <p role="status" className="text-sm">
            {copied}
          </p>
        )}
        <DialogFooter>
          <Button onClick={onClose}>I have saved the secret</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
