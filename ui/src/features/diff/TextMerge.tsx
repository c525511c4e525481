//! Side-by-side text diff (CodeMirror 6 merge view), read-only. Mounted only after Reveal.
import * as React from "react";
import { MergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";

const readOnly = [
  EditorState.readOnly.of(true),
  EditorView.editable.of(false),
  EditorView.lineWrapping,
];

export function TextMerge({ before, after }: { before: string; after: string }) {
  const host = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    if (!host.current) return;
    const view = new MergeView({
      a: { doc: before, extensions: readOnly },
      b: { doc: after, extensions: readOnly },
      parent: host.current,
      gutter: true,
      highlightChanges: true,
    });
    return () => view.destroy();
  }, [before, after]);
  return (
    <div
      ref={host}
      aria-label="Text diff: before on the left, after on the right"
      role="group"
      className="overflow-hidden rounded-md border font-mono text-sm [&_.cm-editor]:bg-transparent"
    />
  );
}
