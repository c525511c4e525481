//! Versions timeline with staging labels. A label moves by dragging its badge onto another
//! version or through the version's menu; either way a confirmation states what moves where.
import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { GitCompare, GripVertical, History, MoreHorizontal } from "lucide-react";
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
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { EmptyState } from "@/app/EmptyState";
import { ErrorPanel } from "@/app/ErrorBoundary";
import { toastError, toastSuccess } from "@/app/toast";
import { moveStagingLabel, type VersionSummary } from "@/ipc";
import { cn } from "@/lib/utils";
import { formatDateTime } from "@/features/secrets/format";
import { useInvalidateSecrets, useVersions } from "@/features/secrets/queries";
import {
  CURRENT,
  PENDING,
  PREVIOUS,
  labelProblem,
  planLabelMove,
  planLabelRemoval,
  shortId,
  type LabelPlan,
} from "./labels";

const dragType = "application/x-coffer-label";

export function VersionsPage() {
  const { secretId } = useParams({ from: "/secrets/$secretId" });
  const [showDeprecated, setShowDeprecated] = React.useState(false);
  const versions = useVersions(secretId, showDeprecated);
  const [plan, setPlan] = React.useState<LabelPlan | null>(null);
  const [customFor, setCustomFor] = React.useState<VersionSummary | null>(null);
  const [dropTarget, setDropTarget] = React.useState<string | null>(null);
  const invalidate = useInvalidateSecrets();

  const move = useMutation({
    mutationFn: (p: LabelPlan) => moveStagingLabel({ secretId, ...p.request }),
    onSuccess: (_, p) => {
      setPlan(null);
      void invalidate();
      toastSuccess(
        p.request.moveToVersionId
          ? `${p.request.label} is now on ${shortId(p.request.moveToVersionId)}`
          : `${p.request.label} removed`,
      );
    },
    onError: (err) => toastError(err, "Could not move the label"),
  });

  const list = versions.data ?? [];
  const propose = (label: string, toVersionId: string) => {
    const p = planLabelMove(list, label, toVersionId);
    if (p) setPlan(p);
  };
  const proposeRemoval = (label: string, fromVersionId: string) => {
    const p = planLabelRemoval(list, label, fromVersionId);
    if ("problem" in p) toastError({ code: "InvalidRequestException", message: p.problem });
    else setPlan(p);
  };

  const current = list.find((v) => v.stages.includes(CURRENT));

  return (
    <div className="flex max-w-4xl flex-col gap-4 p-6">
      <div className="flex items-center gap-3">
        <h2 className="mr-auto text-base font-semibold">Versions</h2>
        <Switch id="show-deprecated" checked={showDeprecated} onCheckedChange={setShowDeprecated} />
        <Label htmlFor="show-deprecated">Show deprecated versions</Label>
      </div>
      <p className="text-muted-foreground text-sm">
        Drag a label onto another version, or use a version's menu, to move it. Moving {CURRENT}{" "}
        back to an older version rolls the secret back.
      </p>
      {versions.isError ? (
        <ErrorPanel error={versions.error} onRetry={() => void versions.refetch()} />
      ) : versions.isPending ? (
        <p role="status" className="text-muted-foreground text-sm">
          Loading versions…
        </p>
      ) : list.length === 0 ? (
        <EmptyState icon={<History />} title="No versions">
          This secret has no stored value yet. Put a value from the Overview tab.
        </EmptyState>
      ) : (
        <ol aria-label="Version timeline" className="relative flex flex-col gap-3 border-l pl-6">
          {list.map((v) => {
            const labelsElsewhere = [CURRENT, PREVIOUS, PENDING].filter(
              (l) => !v.stages.includes(l),
            );
            const customElsewhere = [
              ...new Set(
                list
                  .flatMap((o) => o.stages)
                  .filter((l) => ![CURRENT, PREVIOUS, PENDING].includes(l)),
              ),
            ].filter((l) => !v.stages.includes(l));
            return (
              <li
                key={v.versionId}
                aria-label={`Version ${shortId(v.versionId)}`}
                onDragOver={(e) => {
                  if (e.dataTransfer.types.includes(dragType)) {
                    e.preventDefault();
                    e.dataTransfer.dropEffect = "move";
                    setDropTarget(v.versionId);
                  }
                }}
                onDragLeave={() => setDropTarget((t) => (t === v.versionId ? null : t))}
                onDrop={(e) => {
                  e.preventDefault();
                  setDropTarget(null);
                  const label = e.dataTransfer.getData(dragType);
                  if (label) propose(label, v.versionId);
                }}
                className={cn(
                  "bg-card relative rounded-lg border p-4 transition-colors",
                  dropTarget === v.versionId && "border-primary bg-accent",
                )}
              >
                <span
                  className={cn(
                    "absolute top-5 -left-[31px] size-3 rounded-full border-2",
                    v.stages.includes(CURRENT) ? "bg-primary border-primary" : "bg-background",
                  )}
                  aria-hidden
                />
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-mono text-sm font-medium" title={v.versionId}>
                    {shortId(v.versionId)}
                  </span>
                  <ul className="flex flex-wrap gap-1" aria-label="Staging labels">
                    {v.stages.map((label) => (
                      <li key={label}>
                        <Badge
                          draggable
                          variant={label === CURRENT ? "default" : "secondary"}
                          className="cursor-grab gap-0.5"
                          onDragStart={(e) => {
                            e.dataTransfer.setData(dragType, label);
                            e.dataTransfer.setData("text/plain", label);
                            e.dataTransfer.effectAllowed = "move";
                          }}
                        >
                          <GripVertical className="size-3" aria-hidden />
                          {label}
                        </Badge>
                      </li>
                    ))}
                    {v.stages.length === 0 && (
                      <li>
                        <Badge variant="outline" className="text-muted-foreground">
                          deprecated
                        </Badge>
                      </li>
                    )}
                  </ul>
                  <div className="ml-auto flex items-center gap-1">
                    {current && current.versionId !== v.versionId && (
                      <Button variant="ghost" size="sm" asChild>
                        <Link
                          to="/secrets/$secretId/diff"
                          params={{ secretId }}
                          search={{ from: v.versionId, to: current.versionId }}
                        >
                          <GitCompare />
                          Compare with current
                        </Link>
                      </Button>
                    )}
                    <DropdownMenu>
                      <DropdownMenuTrigger asChild>
                        <Button
                          variant="ghost"
                          size="icon"
                          aria-label={`Label actions for ${shortId(v.versionId)}`}
                        >
                          <MoreHorizontal />
                        </Button>
                      </DropdownMenuTrigger>
                      <DropdownMenuContent
                        align="end"
                        // Every item opens a dialog: focus belongs there, not back on the trigger.
                        onCloseAutoFocus={(e) => e.preventDefault()}
                      >
                        <DropdownMenuLabel>Move a label here</DropdownMenuLabel>
                        {[...labelsElsewhere, ...customElsewhere].map((l) => (
                          <DropdownMenuItem key={l} onSelect={() => propose(l, v.versionId)}>
                            Move {l} here
                          </DropdownMenuItem>
                        ))}
                        <DropdownMenuItem onSelect={() => setCustomFor(v)}>
                          Add a custom label…
                        </DropdownMenuItem>
                        {v.stages.some((l) => l !== CURRENT) && <DropdownMenuSeparator />}
                        {v.stages
                          .filter((l) => l !== CURRENT)
                          .map((l) => (
                            <DropdownMenuItem
                              key={l}
                              variant="destructive"
                              onSelect={() => proposeRemoval(l, v.versionId)}
                            >
                              Remove {l}
                            </DropdownMenuItem>
                          ))}
                      </DropdownMenuContent>
                    </DropdownMenu>
                  </div>
                </div>
                <dl className="text-muted-foreground mt-2 grid grid-cols-[auto_1fr] gap-x-3 text-xs">
                  <dt>Created</dt>
                  <dd>{formatDateTime(v.createdDate)}</dd>
                  <dt>Last accessed</dt>
                  <dd>{formatDateTime(v.lastAccessedDate)}</dd>
                  <dt>Version id</dt>
                  <dd className="font-mono break-all">{v.versionId}</dd>
                </dl>
              </li>
            );
          })}
        </ol>
      )}
      <AlertDialog open={plan !== null} onOpenChange={(o) => !o && setPlan(null)}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>{plan?.sentence}</AlertDialogTitle>
            <AlertDialogDescription asChild>
              <div className="flex flex-col gap-1">
                {plan?.effects.length ? (
                  plan.effects.map((e) => <p key={e}>{e}</p>)
                ) : (
                  <p>No other label changes.</p>
                )}
              </div>
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction
              disabled={move.isPending}
              onClick={(e) => {
                e.preventDefault();
                if (plan) move.mutate(plan);
              }}
            >
              {plan?.request.moveToVersionId ? `Move ${plan.request.label}` : "Remove label"}
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
      <CustomLabelDialog
        version={customFor}
        versions={list}
        pending={move.isPending}
        onClose={() => setCustomFor(null)}
        onConfirm={(p) => move.mutate(p, { onSuccess: () => setCustomFor(null) })}
      />
    </div>
  );
}

/** Adds a custom label; the plan (what moves where) is stated in the dialog before confirming. */
function CustomLabelDialog({
  version,
  versions,
  pending,
  onClose,
  onConfirm,
}: {
  version: VersionSummary | null;
  versions: VersionSummary[];
  pending: boolean;
  onClose: () => void;
  onConfirm: (plan: LabelPlan) => void;
}) {
  const [label, setLabel] = React.useState("");
  const problem = labelProblem(label);
  const plan = version && !problem ? planLabelMove(versions, label, version.versionId) : null;
  return (
    <Dialog
      open={version !== null}
      onOpenChange={(o) => {
        if (!o) {
          setLabel("");
          onClose();
        }
      }}
    >
      <DialogContent>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (plan) onConfirm(plan);
          }}
        >
          <DialogHeader>
            <DialogTitle>Add a label to {version ? shortId(version.versionId) : ""}</DialogTitle>
            <DialogDescription>
              A label names a version for clients (VersionStage). If another version holds it, it
              moves here.
            </DialogDescription>
          </DialogHeader>
          <div className="flex flex-col gap-2">
            <Label htmlFor="custom-label">Label</Label>
            <Input
              id="custom-label"
              value={label}
              autoFocus
              onChange={(e) => setLabel(e.target.value)}
            />
            {label && problem && <p className="text-destructive text-xs">{problem}</p>}
          </div>
          {plan ? (
            <div role="status" className="bg-muted/50 rounded-md border p-3 text-sm">
              <p className="font-medium">{plan.sentence}</p>
              {plan.effects.map((e) => (
                <p key={e} className="text-muted-foreground">
                  {e}
                </p>
              ))}
            </div>
          ) : (
            label &&
            !problem && (
              <p className="text-muted-foreground text-sm">This version already has {label}.</p>
            )
          )}
          <DialogFooter>
            <Button variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={!plan || pending}>
              {label ? `Attach ${label}` : "Attach label"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
