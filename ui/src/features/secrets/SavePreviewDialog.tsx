//! The diff preview shown before a new version is saved: what changes, key by key, with values
//! masked unless the user asks to see them; saving needs an explicit confirmation.
import * as React from "react";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { DiffTable } from "@/features/diff/DiffTable";
import { isNoop, summarize, type LocalDiff } from "@/features/diff/diff";

export function SavePreviewDialog({
  open,
  onOpenChange,
  diff,
  saving,
  onConfirm,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  diff: LocalDiff;
  saving: boolean;
  onConfirm: () => void;
}) {
  const [revealed, setRevealed] = React.useState(false);
  const noop = isNoop(diff);
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (!o) setRevealed(false);
        onOpenChange(o);
      }}
    >
      <DialogContent className="sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>Review the new version</DialogTitle>
          <DialogDescription>
            {noop
              ? "Nothing changed: saving would create an identical version."
              : `${summarize(diff.entries)}. Saving creates a new version labelled AWSCURRENT; the current one becomes AWSPREVIOUS.`}
          </DialogDescription>
        </DialogHeader>
        <div className="flex items-center gap-2">
          <Switch id="preview-reveal" checked={revealed} onCheckedChange={setRevealed} />
          <Label htmlFor="preview-reveal">Show values</Label>
        </div>
        <div className="max-h-80 overflow-auto">
          <DiffTable
            entries={diff.entries}
            revealed={revealed}
            caption="Changes in the new version"
          />
        </div>
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)}>
            Keep editing
          </Button>
          <Button onClick={onConfirm} disabled={noop || saving}>
            {saving ? "Saving…" : "Save new version"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
