//! Delete with a recovery window (7–30 days, AWS's bounds) or immediately; and restore.
import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { RotateCcw, Trash2 } from "lucide-react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { toastError, toastSuccess } from "@/app/toast";
import { deleteSecret, restoreSecret, type SecretSummary } from "@/ipc";
import { formatDate } from "./format";
import { useInvalidateSecrets } from "./queries";

export function recoveryWindowProblem(days: number): string | null {
  if (!Number.isInteger(days) || days < 7 || days > 30) {
    return "The recovery window is a whole number of days from 7 to 30.";
  }
  return null;
}

export function DeleteSecretDialog({ secret }: { secret: SecretSummary }) {
  const [open, setOpen] = React.useState(false);
  const [days, setDays] = React.useState("30");
  const [force, setForce] = React.useState(false);
  const invalidate = useInvalidateSecrets();
  const navigate = useNavigate();
  const n = Number(days);
  const problem = force ? null : recoveryWindowProblem(n);

  const del = useMutation({
    mutationFn: () =>
      deleteSecret({
        secretId: secret.arn,
        recoveryWindowInDays: force ? null : n,
        forceDeleteWithoutRecovery: force,
      }),
    onSuccess: (d) => {
      setOpen(false);
      void invalidate();
      if (force) {
        toastSuccess(`Deleted ${d.name}`, "It cannot be recovered.");
        void navigate({ to: "/" });
      } else {
        toastSuccess(
          `${d.name} will be deleted on ${formatDate(d.deletionDate)}`,
          "Until then you can restore it from its page or from the list (show planned deletions).",
        );
      }
    },
    onError: (err) => toastError(err, "Could not delete the secret"),
  });

  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        <Button variant="outline" size="sm">
          <Trash2 />
          Delete…
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Delete {secret.name}?</AlertDialogTitle>
          <AlertDialogDescription>
            Applications lose access at once. During the recovery window the secret can be restored;
            after it, every version is destroyed.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <div className="flex flex-col gap-3">
          <div className="flex flex-col gap-2">
            <Label htmlFor="recovery-days">Recovery window (days)</Label>
            <Input
              id="recovery-days"
              type="number"
              min={7}
              max={30}
              value={days}
              disabled={force}
              aria-invalid={problem ? true : undefined}
              onChange={(e) => setDays(e.target.value)}
              className="w-28"
            />
          </div>
          <div className="flex items-center gap-2">
            <Switch id="force-delete" checked={force} onCheckedChange={setForce} />
            <Label htmlFor="force-delete">Delete immediately, without recovery</Label>
          </div>
          {problem && (
            <p role="alert" className="text-destructive text-sm">
              {problem}
            </p>
          )}
        </div>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction
            variant="destructive"
            disabled={!!problem || del.isPending}
            onClick={(e) => {
              e.preventDefault();
              del.mutate();
            }}
          >
            {force ? "Delete permanently" : "Schedule deletion"}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

export function RestoreButton({ secret }: { secret: SecretSummary }) {
  const invalidate = useInvalidateSecrets();
  const restore = useMutation({
    mutationFn: () => restoreSecret(secret.arn),
    onSuccess: (r) => {
      void invalidate();
      toastSuccess(`Restored ${r.name}`, "Its deletion is cancelled.");
    },
    onError: (err) => toastError(err, "Could not restore the secret"),
  });
  return (
    <Button size="sm" onClick={() => restore.mutate()} disabled={restore.isPending}>
      <RotateCcw />
      Restore
    </Button>
  );
}
