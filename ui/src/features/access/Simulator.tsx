//! The policy simulator: would this principal be allowed this action on this resource (with
//! these condition keys)? The engine's evaluator answers with the decision, a sentence, and
//! the statements that matched — the same evaluation every real request goes through.
import * as React from "react";
import { useMutation } from "@tanstack/react-query";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
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
import {
  simulatePolicy,
  type PrincipalView,
  type SimulationDecision,
  type SimulationView,
} from "@/ipc/access";
import { ErrorNote } from "../audit/ErrorNote";
import { selectClass } from "../audit/format";

/** Secrets Manager actions, offered as suggestions (any action may be typed). */
export const SECRETS_MANAGER_ACTIONS = [
  "secretsmanager:GetSecretValue",
  "secretsmanager:DescribeSecret",
  "secretsmanager:PutSecretValue",
  "secretsmanager:UpdateSecret",
  "secretsmanager:CreateSecret",
  "secretsmanager:DeleteSecret",
  "secretsmanager:RestoreSecret",
  "secretsmanager:ListSecrets",
  "secretsmanager:ListSecretVersionIds",
  "secretsmanager:TagResource",
  "secretsmanager:UntagResource",
  "secretsmanager:UpdateSecretVersionStage",
  "secretsmanager:RotateSecret",
  "secretsmanager:CancelRotateSecret",
  "secretsmanager:GetResourcePolicy",
  "secretsmanager:PutResourcePolicy",
  "secretsmanager:DeleteResourcePolicy",
  "secretsmanager:ValidateResourcePolicy",
  "secretsmanager:GetRandomPassword",
  "secretsmanager:BatchGetSecretValue",
  "kms:Decrypt",
];

/** The simulator's decisions in words. */
export const DECISION_TEXT: Record<SimulationDecision, string> = {
  allowed: "Allowed",
  explicitDeny: "Denied by an explicit Deny",
  implicitDeny: "Denied: no statement allows it",
};

/** The statement that decided a simulation (`Sid` in policy), or null when none matched. */
export function decidingStatement(result: SimulationView): string | null {
  const s = result.matchedStatements[0];
  if (!s) return null;
  return `${s.sid ?? "(statement without Sid)"} in ${s.policy}`;
}

interface ContextRow {
  id: number;
  key: string;
  values: string;
}

/** What the form starts with (a link from another screen). */
export interface SimulatorPreset {
  principalArn?: string;
  resourceArn?: string;
}

export function Simulator({
  principals,
  preset = {},
}: {
  principals: PrincipalView[];
  preset?: SimulatorPreset;
}) {
  const callers = principals.filter((p) => p.kind !== "group");
  const [principalArn, setPrincipalArn] = React.useState(preset.principalArn ?? "");
  const [action, setAction] = React.useState("secretsmanager:GetSecretValue");
  const [resourceArn, setResourceArn] = React.useState(preset.resourceArn ?? "");
  const [context, setContext] = React.useState<ContextRow[]>([]);
  const nextId = React.useRef(1);
  const id = React.useId();

  // Until the person picks one, the first user or role is the principal.
  const chosen = callers.some((p) => p.arn === principalArn)
    ? principalArn
    : (callers[0]?.arn ?? "");
  const sim = useMutation({
    mutationFn: () =>
      simulatePolicy({
        principalArn: chosen,
        action: action.trim(),
        resourceArn: resourceArn.trim() || "*",
        context: context
          .filter((c) => c.key.trim() !== "")
          .map((c) => ({
            key: c.key.trim(),
            values: c.values
              .split(",")
              .map((v) => v.trim())
              .filter((v) => v !== ""),
          })),
      }),
  });

  return (
    <div className="flex flex-col gap-4">
      <form
        aria-label="Policy simulator"
        className="grid max-w-3xl gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          sim.mutate();
        }}
      >
        {callers.length === 0 ? (
          <p className="text-muted-foreground text-sm">
            Create a user or role first: the simulator evaluates a principal&apos;s policies.
          </p>
        ) : (
          <div className="flex flex-col gap-1">
            <Label htmlFor={`${id}-principal`}>Principal</Label>
            <select
              id={`${id}-principal`}
              className={selectClass}
              value={chosen}
              onChange={(e) => setPrincipalArn(e.target.value)}
            >
              {callers.map((p) => (
                <option key={p.arn} value={p.arn}>
                  {p.kind} {p.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="flex flex-col gap-1">
          <Label htmlFor={`${id}-action`}>Action</Label>
          <Input
            id={`${id}-action`}
            list={`${id}-actions`}
            value={action}
            onChange={(e) => setAction(e.target.value)}
            required
          />
          <datalist id={`${id}-actions`}>
            {SECRETS_MANAGER_ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor={`${id}-resource`}>Resource ARN</Label>
          <Input
            id={`${id}-resource`}
            value={resourceArn}
            onChange={(e) => setResourceArn(e.target.value)}
            placeholder="arn:aws:secretsmanager:…:secret:name-AbCdEf (empty = *)"
          />
        </div>
        <fieldset className="flex flex-col gap-2">
          <legend className="text-sm font-medium">Context keys</legend>
          {context.map((c, i) => (
            <div key={c.id} className="flex items-end gap-2">
              <div className="flex flex-1 flex-col gap-1">
                <Label htmlFor={`${id}-ck-${c.id}`}>Context key {i + 1}</Label>
                <Input
                  id={`${id}-ck-${c.id}`}
                  value={c.key}
                  placeholder="aws:SourceIp"
                  onChange={(e) =>
                    setContext((cs) =>
                      cs.map((x) => (x.id === c.id ? { ...x, key: e.target.value } : x)),
                    )
                  }
                />
              </div>
              <div className="flex flex-1 flex-col gap-1">
                <Label htmlFor={`${id}-cv-${c.id}`}>Values {i + 1} (comma-separated)</Label>
                <Input
                  id={`${id}-cv-${c.id}`}
                  value={c.values}
                  placeholder="10.0.0.1"
                  onChange={(e) =>
                    setContext((cs) =>
                      cs.map((x) => (x.id === c.id ? { ...x, values: e.target.value } : x)),
                    )
                  }
                />
              </div>
              <Button
                type="button"
                variant="ghost"
                aria-label={`Remove context key ${i + 1}`}
                onClick={() => setContext((cs) => cs.filter((x) => x.id !== c.id))}
              >
                Remove
              </Button>
            </div>
          ))}
          <div>
            <Button
              type="button"
              variant="outline"
              size="sm"
              onClick={() =>
                setContext((cs) => [...cs, { id: nextId.current++, key: "", values: "" }])
              }
            >
              Add context key
            </Button>
          </div>
        </fieldset>
        <div>
          <Button type="submit" disabled={!chosen || sim.isPending}>
            Simulate
          </Button>
        </div>
      </form>
      {sim.isError && <ErrorNote error={sim.error} context="Could not simulate" />}
      {sim.data && <SimulationResult result={sim.data} />}
    </div>
  );
}

function SimulationResult({ result }: { result: SimulationView }) {
  return (
    <section aria-label="Simulation result" className="flex flex-col gap-2 rounded-md border p-3">
      <p className="flex items-center gap-2">
        <span className="text-muted-foreground text-sm">Decision</span>
        <Badge variant={result.decision === "allowed" ? "success" : "destructive"}>
          {DECISION_TEXT[result.decision]}
        </Badge>
      </p>
      <p className="text-sm">{result.explanation}</p>
      {result.matchedStatements.length === 0 ? (
        <p className="text-muted-foreground text-sm">No statement matched this request.</p>
      ) : (
        <Table aria-label="Matched statements">
          <TableHeader>
            <TableRow>
              <TableHead>Policy</TableHead>
              <TableHead>Statement</TableHead>
              <TableHead>Effect</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {result.matchedStatements.map((s, i) => (
              <TableRow key={i}>
                <TableCell>{s.policy}</TableCell>
                <TableCell>{s.sid ?? `(statement without Sid)`}</TableCell>
                <TableCell>{s.effect}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
