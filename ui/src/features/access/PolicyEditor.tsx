//! A JSON policy editor (CodeMirror 6) with the engine's validation shown in place, under the
//! text, as the person types. Used for identity (inline) policies here and for a secret's
//! resource policy on the secret screen.
//!
//! Validation is the engine's (`validate_policy`: syntax, broad access, lockout, unknown
//! actions), debounced so a keystroke does not cost a round trip.
import * as React from "react";
import { useQuery } from "@tanstack/react-query";
import CodeMirror, { EditorView } from "@uiw/react-codemirror";
import { json } from "@codemirror/lang-json";

import { useTheme } from "@/app/theme";
import { validatePolicy, type PolicyKind, type PolicyValidation } from "@/ipc/access";
import { errorMessage } from "../audit/format";

/** A starting point a person edits rather than a blank page. */
export const POLICY_TEMPLATE = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadOneSecret",
      "Effect": "Allow",
      "Action": "secretsmanager:GetSecretValue",
      "Resource": "*"
    }
  ]
}`;

export interface PolicyEditorProps {
  /** The document text. */
  value: string;
  onChange: (value: string) => void;
  /** Identity policies attach to principals; resource policies to one secret. */
  kind: PolicyKind;
  /** For resource policies: the secret, so lockout checks know whose policy it is. */
  secretId?: string | null;
  /** The editor's accessible name. */
  label?: string;
  /** Told of each validation result (e.g. to warn before saving). */
  onValidation?: (v: PolicyValidation | null) => void;
  readOnly?: boolean;
}

/** Waits `ms` after the last change before returning the value. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = React.useState(value);
  React.useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function useResolvedDark(): boolean {
  // The editor follows the app theme; outside the provider (tests), it stays light.
  try {
    return useTheme().resolved === "dark";
  } catch {
    return false;
  }
}

export function PolicyEditor({
  value,
  onChange,
  kind,
  secretId = null,
  label = "Policy document",
  onValidation,
  readOnly = false,
}: PolicyEditorProps) {
  const dark = useResolvedDark();
  const doc = useDebounced(value, 300);
  const validation = useQuery({
    queryKey: ["policy", "validate", kind, secretId, doc],
    queryFn: () => validatePolicy(doc, kind, secretId),
    enabled: doc.trim() !== "",
    staleTime: Infinity,
  });
  const result = validation.data ?? null;
  React.useEffect(() => onValidation?.(result), [result, onValidation]);

  const extensions = React.useMemo(
    () => [
      json(),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ "aria-label": label }),
    ],
    [label],
  );
  const findingsId = React.useId();

  return (
    <div className="flex flex-col gap-2">
      <div className="overflow-hidden rounded-md border" aria-describedby={findingsId}>
        <CodeMirror
          value={value}
          onChange={onChange}
          extensions={extensions}
          theme={dark ? "dark" : "light"}
          readOnly={readOnly}
          minHeight="12rem"
          maxHeight="28rem"
          basicSetup={{ foldGutter: false, highlightActiveLine: false }}
        />
      </div>
      <div id={findingsId} aria-live="polite" className="text-sm">
        {value.trim() === "" ? (
          <p className="text-muted-foreground">Write a policy document (JSON) to validate it.</p>
        ) : validation.isError ? (
          <p role="alert" className="text-destructive">
            Could not validate: {errorMessage(validation.error)}
          </p>
        ) : doc !== value || validation.isPending ? (
          <p className="text-muted-foreground">Checking…</p>
        ) : result && result.passed && result.errors.length === 0 ? (
          <p className="text-emerald-700 dark:text-emerald-400">Policy is valid.</p>
        ) : result ? (
          <>
            <p
              className={result.passed ? "text-amber-700 dark:text-amber-400" : "text-destructive"}
            >
              {result.passed
                ? "Valid, with warnings:"
                : "This policy cannot be saved as it is. Fix these:"}
            </p>
            <ul aria-label="Policy findings" className="list-disc pl-5">
              {result.errors.map((e, i) => (
                <li key={i}>
                  <span className="font-mono text-xs">{e.checkName}</span>: {e.message}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
    </div>
  );
}
