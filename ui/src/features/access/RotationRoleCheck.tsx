//! "Explain with the execution role": what a rotation step of a secret may do, simulated as
//! the role the step acts under (the role Coffer made for the secret's built-in rotator, or a
//! registered function's own role). Each action a step calls is evaluated by the engine's
//! simulator, with the statement that decided it — the same evaluation the step's real reads
//! and writes go through.
import * as React from "react";
import { useQueries, useQuery } from "@tanstack/react-query";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { simulatePolicy, type PrincipalView } from "@/ipc/access";
import { listSecrets } from "@/ipc/secrets";
import { errorMessage, selectClass } from "../audit/format";
import { isMultiUserRotator, rotatorName } from "./search";
import { DECISION_TEXT, decidingStatement } from "./Simulator";

/**
 * What a rotation step calls on its own secret: the actions of AWS's rotation templates,
 * which the role Coffer makes for a built-in rotator is granted on that secret alone
 * (`coffer-engine/src/rotation/credentials.rs`).
 */
export const ROTATION_STEP_ACTIONS = [
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetSecretValue",
  "secretsmanager:PutSecretValue",
  "secretsmanager:UpdateSecretVersionStage",
] as const;

interface Check {
  action: string;
  resourceArn: string;
  /** How the resource is named in the table. */
  on: string;
}

export function RotationRoleCheck({
  roleArn,
  secretArn,
  rotatorArn,
  principals,
}: {
  roleArn: string;
  secretArn: string;
  rotatorArn?: string;
  /** The principals that exist (undefined while loading). */
  principals: PrincipalView[] | undefined;
}) {
  const [masterArn, setMasterArn] = React.useState("");
  const id = React.useId();
  const multiUser = isMultiUserRotator(rotatorArn);
  // The master secret is named inside the value (`masterarn`), which this screen does not
  // open: the person picks it.
  const secrets = useQuery({
    queryKey: ["secrets", "master-candidates"],
    queryFn: () => listSecrets({ maxResults: 100, sortBy: "name", sortOrder: "asc" }),
  });
  const checks: Check[] = [
    ...ROTATION_STEP_ACTIONS.map((action) => ({
      action,
      resourceArn: secretArn,
      on: "this secret",
    })),
    ...(masterArn
      ? [
          {
            action: "secretsmanager:GetSecretValue",
            resourceArn: masterArn,
            on: "the master secret",
          },
        ]
      : []),
  ];
  const results = useQueries({
    queries: checks.map((c) => ({
      queryKey: ["access", "simulate", roleArn, c.action, c.resourceArn],
      queryFn: () =>
        simulatePolicy({
          principalArn: roleArn,
          action: c.action,
          resourceArn: c.resourceArn,
          context: [],
        }),
    })),
  });
  const missing = principals !== undefined && !principals.some((p) => p.arn === roleArn);
  const denied = checks.filter((_, i) => {
    const d = results[i]?.data?.decision;
    return d !== undefined && d !== "allowed";
  });
  const settled = results.every((r) => r.isSuccess);

  return (
    <section
      aria-labelledby={`${id}-heading`}
      className="flex max-w-5xl flex-col gap-3 rounded-md border p-3"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`${id}-heading`} className="font-semibold">
          Rotation step under its execution role
        </h2>
        <Button
          variant="outline"
          size="sm"
          onClick={() => results.forEach((r) => void r.refetch())}
          disabled={results.some((r) => r.isFetching)}
        >
          Check again
        </Button>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        <dt className="text-muted-foreground">Execution role</dt>
        <dd className="font-mono text-xs break-all">{roleArn}</dd>
        <dt className="text-muted-foreground">Secret</dt>
        <dd className="font-mono text-xs break-all">{secretArn}</dd>
        {rotatorArn && (
          <>
            <dt className="text-muted-foreground">Rotator</dt>
            <dd>{rotatorName(rotatorArn)}</dd>
          </>
        )}
      </dl>
      {missing && (
        <p role="alert" className="text-sm">
          No role with this ARN exists now. For a built-in rotator Coffer makes the secret&apos;s
          role again at its next rotation; a registered function needs an existing role.
        </p>
      )}
      <div className="flex flex-col gap-1">
        <Label htmlFor={`${id}-master`}>Master secret (masterarn)</Label>
        <select
          id={`${id}-master`}
          className={`${selectClass} max-w-xl`}
          value={masterArn}
          onChange={(e) => setMasterArn(e.target.value)}
        >
          <option value="">None</option>
          {secrets.data?.secrets
            .filter((s) => s.arn !== secretArn)
            .map((s) => (
              <option key={s.arn} value={s.arn}>
                {s.name}
              </option>
            ))}
        </select>
        <p className="text-muted-foreground text-xs">
          {multiUser
            ? "This rotator alternates users: it reads the admin secret the value's masterarn names, as the role. Pick that secret to check the role may read it."
            : "Only multi-user rotators read a master secret (the value's masterarn); pick one to check it anyway."}
        </p>
        {secrets.isError && (
          <p role="alert" className="text-destructive text-xs">
            Could not list secrets: {errorMessage(secrets.error)}
          </p>
        )}
      </div>
      <Table aria-label="Rotation step decisions">
        <TableHeader>
          <TableRow>
            <TableHead>Action</TableHead>
            <TableHead>On</TableHead>
            <TableHead>Decision</TableHead>
            <TableHead>Deciding statement</TableHead>
            <TableHead>Why</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {checks.map((c, i) => {
            const r = results[i];
            return (
              <TableRow key={`${c.action}|${c.resourceArn}`}>
                <TableCell>{c.action}</TableCell>
                <TableCell title={c.resourceArn}>{c.on}</TableCell>
                <TableCell>
                  {r?.data ? (
                    <Badge variant={r.data.decision === "allowed" ? "success" : "destructive"}>
                      {DECISION_TEXT[r.data.decision]}
                    </Badge>
                  ) : r?.isError ? (
                    <Badge variant="destructive">Not simulated</Badge>
                  ) : (
                    "…"
                  )}
                </TableCell>
                <TableCell>{r?.data ? (decidingStatement(r.data) ?? "None") : "—"}</TableCell>
                <TableCell className="whitespace-normal">
                  {r?.data?.explanation ?? (r?.isError ? errorMessage(r.error) : "")}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {settled && (
        <p role="status" className="text-sm">
          {denied.length === 0
            ? "The role may do every action checked: a step is not refused for want of a grant."
            : `A step fails with AccessDenied: the role may not ${denied
                .map((c) => `${c.action.slice(c.action.indexOf(":") + 1)} on ${c.on}`)
                .join(
                  ", ",
                )}. Grant it in the role's inline policy (Principals) or the secret's resource policy.`}
        </p>
      )}
    </section>
  );
}
