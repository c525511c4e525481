//! A secret's resource policy: read, edit (with the engine's validation in place, including
//! AWS's lockout and broad-access checks for this secret), save with BlockPublicPolicy, delete.
//! Meant for the secret detail page: `<ResourcePolicyPanel secretId={arn} />`.
import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

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
import { Button } from "@/components/ui/button";
import { sessionQueryKey } from "@/app/query";
import { storeStatus } from "@/ipc/session";
import {
  deleteSecretResourcePolicy,
  getSecretResourcePolicy,
  putSecretResourcePolicy,
} from "@/ipc/access";
import { ErrorNote } from "../audit/ErrorNote";
import { prettyJson } from "../audit/format";
import { PolicyEditor } from "./PolicyEditor";

/** A resource policy names who (Principal) may do what to this one secret. */
export function resourcePolicyTemplate(accountId = "123456789012"): string {
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowAppRead",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${accountId}:user/app` },
          Action: "secretsmanager:GetSecretValue",
          Resource: "*",
        },
      ],
    },
    null,
    2,
  );
}

export function ResourcePolicyPanel({ secretId }: { secretId: string }) {
  const qc = useQueryClient();
  const queryKey = ["secrets", "resource-policy", secretId];
  const policy = useQuery({ queryKey, queryFn: () => getSecretResourcePolicy(secretId) });
  const session = useQuery({ queryKey: sessionQueryKey, queryFn: storeStatus });
  // null: viewing; a string: the text being edited.
  const [draft, setDraft] = React.useState<string | null>(null);
  const [block, setBlock] = React.useState(true);
  const [confirmDelete, setConfirmDelete] = React.useState(false);
  const [notice, setNotice] = React.useState<string | null>(null);

  const save = useMutation({
    mutationFn: (text: string) => putSecretResourcePolicy(secretId, text, block),
    onSuccess: () => {
      setDraft(null);
      setNotice("Resource policy saved.");
      void qc.invalidateQueries({ queryKey });
      void qc.invalidateQueries({ queryKey: ["secrets", "detail", secretId] });
    },
  });
  const remove = useMutation({
    mutationFn: () => deleteSecretResourcePolicy(secretId),
    onSuccess: () => {
      setDraft(null);
      setNotice("Resource policy deleted.");
      void qc.invalidateQueries({ queryKey });
      void qc.invalidateQueries({ queryKey: ["secrets", "detail", secretId] });
    },
  });
  const edit = (text: string) => {
    save.reset();
    setNotice(null);
    setDraft(text);
  };

  return (
    <section aria-labelledby="resource-policy-heading" className="flex flex-col gap-3">
      <div className="flex items-center justify-between">
        <h2 id="resource-policy-heading" className="text-lg font-semibold">
          Resource policy
        </h2>
        {policy.data !== undefined && draft === null && (
          <div className="flex gap-2">
            <Button
              size="sm"
              variant="outline"
              onClick={() =>
                edit(
                  policy.data === null
                    ? resourcePolicyTemplate(session.data?.accountId ?? undefined)
                    : prettyJson(policy.data),
                )
              }
            >
              {policy.data === null ? "Add resource policy" : "Edit resource policy"}
            </Button>
            {policy.data !== null && (
              <Button size="sm" variant="destructive" onClick={() => setConfirmDelete(true)}>
                Delete resource policy
              </Button>
            )}
          </div>
        )}
      </div>
      {notice && (
        <p role="status" className="text-sm">
          {notice}
        </p>
      )}
      {remove.isError && <ErrorNote error={remove.error} context="Not deleted" />}
      {policy.isError ? (
        <ErrorNote error={policy.error} context="Could not read the resource policy" />
      ) : policy.isPending ? (
        <p className="text-muted-foreground text-sm">Loading…</p>
      ) : draft !== null ? (
        <form
          aria-label="Resource policy editor"
          className="flex flex-col gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate(draft);
          }}
        >
          <PolicyEditor
            kind="resource"
            secretId={secretId}
            label="Resource policy document"
            value={draft}
            onChange={setDraft}
          />
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              className="size-4"
              checked={block}
              onChange={(e) => setBlock(e.target.checked)}
            />
            Block public policy (refuse a policy that grants broad access to this secret)
          </label>
          {save.isError && <ErrorNote error={save.error} context="Not saved" />}
          <div className="flex gap-2">
            <Button type="submit" disabled={save.isPending}>
              Save resource policy
            </Button>
            <Button type="button" variant="ghost" onClick={() => setDraft(null)}>
              Cancel
            </Button>
          </div>
        </form>
      ) : policy.data === null ? (
        <p className="text-muted-foreground text-sm">
          No resource policy: only the callers&apos; identity policies decide access. Add one to
          grant (or deny) specific principals access to this secret.
        </p>
      ) : (
        <pre
          aria-label="Resource policy document"
          className="bg-muted overflow-auto rounded p-2 font-mono text-xs"
        >
          {prettyJson(policy.data)}
        </pre>
      )}
      <AlertDialog open={confirmDelete} onOpenChange={setConfirmDelete}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Delete the resource policy?</AlertDialogTitle>
            <AlertDialogDescription>
              Principals it allowed lose that access (unless their identity policies allow it), and
              any Deny in it stops applying.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction variant="destructive" onClick={() => remove.mutate()}>
              Delete resource policy
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </section>
  );
}
