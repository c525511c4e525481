//! A secret's rotation: its state (idle, running, waiting while sealed, failed with the
//! error), the rotator (a Lambda ARN, built-in or a registered command), the schedule builder
//! (AutomaticallyAfterDays, `rate()` or AWS cron, and the window), the engine's next five run
//! times for what is being edited, Rotate now, and the history with its failures. It names
//! the execution role every step acts as, and opens the policy simulator on that role.
//!
//! The engine is the authority on schedules: the builder only assembles the expression and
//! shows what `next_rotation_times` answers, including AWS's message for an invalid one.
import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "@tanstack/react-router";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
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
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import {
  cancelRotateSecret,
  getRotation,
  listRotators,
  nextRotationTimes,
  rotateSecret,
  rotationHistory,
  type RotationRunView,
  type RotationState,
  type RotationView,
} from "@/ipc/rotation";
import { ErrorNote } from "../audit/ErrorNote";
import { errorMessage, formatTime, selectClass } from "../audit/format";
import {
  DEFAULT_CRON,
  cronExpression,
  describeSchedule,
  durationHours,
  durationValue,
  fromRules,
  toRules,
  type CronFields,
  type RateUnit,
  type ScheduleDraft,
} from "./schedule";

const STATE_TEXT: Record<RotationState, { label: string; help: string }> = {
  idle: { label: "Idle", help: "No rotation is in progress." },
  running: { label: "Running", help: "A rotation is in progress; this page refreshes itself." },
  waiting: {
    label: "Waiting",
    help: "A rotation is due and waiting: the scheduler starts it in its window, or, if the store is sealed, it runs as soon as the store is unsealed.",
  },
  failed: {
    label: "Failed",
    help: "The last rotation failed; AWSCURRENT still holds the previous, working value. Coffer retries with backoff; fix the cause below or rotate now.",
  },
};

const FAILURES = new Set(["RotationFailed", "TestRotationFailed", "RotationAbandoned"]);

const rotationKey = (secretId: string) => ["rotation", secretId] as const;

/** After a rotation change: this panel, and the secret's detail and versions (a rotation adds one). */
function invalidateAfterChange(qc: ReturnType<typeof useQueryClient>, secretId: string): void {
  void qc.invalidateQueries({ queryKey: rotationKey(secretId) });
  void qc.invalidateQueries({ queryKey: ["secrets"] });
}

/** What the simulator needs to explain a rotation step under its execution role. */
export interface ExplainRequest {
  roleArn: string;
  secretArn: string;
  rotatorArn: string | null;
}

/**
 * The rotation panel of a secret's detail page. `secretId` is the secret's ARN (the route's
 * id); `onExplain` opens the simulator on the execution role (the route navigates).
 */
export function RotationPanel({
  secretId,
  onExplain,
}: {
  secretId: string;
  onExplain?: (req: ExplainRequest) => void;
}) {
  const rotation = useQuery({
    queryKey: [...rotationKey(secretId), "config"],
    queryFn: () => getRotation(secretId),
    refetchInterval: (q) => (q.state.data?.state === "running" ? 2_000 : false),
  });
  return (
    <div className="flex flex-col gap-6">
      {rotation.isError ? (
        <ErrorNote error={rotation.error} context="Could not read the rotation settings" />
      ) : rotation.isPending ? (
        <p className="text-muted-foreground text-sm">Loading rotation…</p>
      ) : (
        <>
          <RotationStatus secretId={secretId} rotation={rotation.data} onExplain={onExplain} />
          <RotationConfig
            key={configKey(rotation.data)}
            secretId={secretId}
            rotation={rotation.data}
          />
        </>
      )}
      <RotationHistory secretId={secretId} />
    </div>
  );
}

/** Re-seeds the form when the stored configuration changes (after a save). */
function configKey(r: RotationView): string {
  return [r.enabled, r.lambdaArn, r.scheduleExpression, r.automaticallyAfterDays, r.duration].join(
    "|",
  );
}

function RotationStatus({
  secretId,
  rotation,
  onExplain,
}: {
  secretId: string;
  rotation: RotationView;
  onExplain?: (req: ExplainRequest) => void;
}) {
  const qc = useQueryClient();
  const [confirmOff, setConfirmOff] = React.useState(false);
  const state = STATE_TEXT[rotation.state];
  const rotateNow = useMutation({
    mutationFn: () =>
      rotateSecret({
        secretId,
        lambdaArn: null,
        scheduleExpression: null,
        automaticallyAfterDays: null,
        duration: null,
        rotateImmediately: true,
      }),
    onSettled: () => invalidateAfterChange(qc, secretId),
  });
  const turnOff = useMutation({
    mutationFn: () => cancelRotateSecret(secretId),
    onSettled: () => invalidateAfterChange(qc, secretId),
  });
  return (
    <section aria-labelledby="rotation-status-heading" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="rotation-status-heading" className="flex items-center gap-2 text-lg font-semibold">
          Rotation
          <Badge variant={rotation.enabled ? "success" : "secondary"}>
            {rotation.enabled ? "Enabled" : "Disabled"}
          </Badge>
          <Badge
            variant={
              rotation.state === "failed"
                ? "destructive"
                : rotation.state === "waiting"
                  ? "outline"
                  : "secondary"
            }
            aria-label={`State: ${state.label}`}
          >
            {state.label}
          </Badge>
        </h2>
        <div className="flex gap-2">
          <Button
            onClick={() => rotateNow.mutate()}
            disabled={!rotation.lambdaArn || rotation.state === "running" || rotateNow.isPending}
          >
            Rotate now
          </Button>
          {rotation.enabled && (
            <Button variant="outline" onClick={() => setConfirmOff(true)}>
              Turn off rotation
            </Button>
          )}
        </div>
      </div>
      {(rotation.state === "failed" || rotation.state === "waiting") && (
        <div
          role="alert"
          className={`rounded-md border p-3 text-sm ${
            rotation.state === "failed" ? "border-destructive bg-destructive/10" : ""
          }`}
        >
          <p>{state.help}</p>
          {rotation.lastError && <p className="mt-1 font-mono text-xs">{rotation.lastError}</p>}
        </div>
      )}
      {rotation.state === "running" && (
        <p role="status" className="text-sm">
          {state.help}
        </p>
      )}
      {!rotation.lambdaArn && (
        <p className="text-muted-foreground text-sm">
          Choose a rotator and a schedule below, then save to turn rotation on.
        </p>
      )}
      {rotateNow.isError && <ErrorNote error={rotateNow.error} context="Rotation not started" />}
      {rotateNow.isSuccess && (
        <p role="status" className="text-sm">
          Rotation started
          {rotateNow.data.versionId ? ` (new version ${rotateNow.data.versionId})` : ""}.
        </p>
      )}
      {turnOff.isError && <ErrorNote error={turnOff.error} context="Rotation not turned off" />}
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted-foreground">Last rotated</dt>
        <dd>{rotation.lastRotatedDate ? formatTime(rotation.lastRotatedDate) : "Never"}</dd>
        <dt className="text-muted-foreground">Next rotation</dt>
        <dd>{rotation.enabled ? formatTime(rotation.nextRotationDate) : "Not scheduled"}</dd>
        {rotation.lambdaArn && (
          <>
            <dt className="text-muted-foreground">Execution role</dt>
            <dd className="flex flex-wrap items-center gap-2">
              {rotation.roleArn ? (
                <>
                  <span className="font-mono text-xs break-all">{rotation.roleArn}</span>
                  {onExplain && (
                    <Button
                      variant="outline"
                      size="sm"
                      onClick={() =>
                        onExplain({
                          roleArn: rotation.roleArn!,
                          secretArn: secretId,
                          rotatorArn: rotation.lambdaArn,
                        })
                      }
                    >
                      Explain with the execution role
                    </Button>
                  )}
                </>
              ) : (
                <span className="text-muted-foreground">
                  None yet: Coffer makes this secret&apos;s role when rotation is saved or runs
                  next.
                </span>
              )}
            </dd>
          </>
        )}
      </dl>
      {rotation.roleArn && (
        <p className="text-muted-foreground text-xs">
          Every step reads and writes as this role, never as Coffer: a step the role is not allowed
          fails with AccessDenied.
        </p>
      )}
      <AlertDialog open={confirmOff} onOpenChange={setConfirmOff}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Turn off rotation?</AlertDialogTitle>
            <AlertDialogDescription>
              No further rotations are scheduled (AWS CancelRotateSecret). The rotator and schedule
              are kept, so you can turn it on again. A rotation in progress is abandoned; AWSCURRENT
              stays on the working value.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Keep rotating</AlertDialogCancel>
            <AlertDialogAction variant="destructive" onClick={() => turnOff.mutate()}>
              Turn off rotation
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </section>
  );
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

const CRON_LABELS: [keyof CronFields, string, string][] = [
  ["minutes", "Minutes", "0"],
  ["hours", "Hours", "0-23, 4/12"],
  ["dayOfMonth", "Day of month", "1-31, L, 15W, ?"],
  ["month", "Month", "1-12, JAN-DEC"],
  ["dayOfWeek", "Day of week", "1-7, SUN-SAT, MON#1, 6L, ?"],
  ["year", "Year", "*"],
];

function RotationConfig({ secretId, rotation }: { secretId: string; rotation: RotationView }) {
  const qc = useQueryClient();
  const rotators = useQuery({ queryKey: ["rotation", "rotators"], queryFn: listRotators });
  const [lambdaArn, setLambdaArn] = React.useState(rotation.lambdaArn ?? "");
  const [stored] = React.useState(() =>
    fromRules(rotation.scheduleExpression, rotation.automaticallyAfterDays),
  );
  const [kind, setKind] = React.useState<ScheduleDraft["kind"]>(stored.kind);
  // Each kind keeps its own values, so switching back and forth loses nothing.
  const [days, setDays] = React.useState(stored.kind === "days" ? String(stored.days) : "30");
  const [rate, setRate] = React.useState<{ value: string; unit: RateUnit }>(
    stored.kind === "rate"
      ? { value: String(stored.value), unit: stored.unit }
      : { value: "12", unit: "hours" },
  );
  const [cron, setCron] = React.useState<CronFields>(
    stored.kind === "cron" ? stored.fields : DEFAULT_CRON,
  );
  const [windowHours, setWindowHours] = React.useState(durationHours(rotation.duration));
  const [rotateImmediately, setRotateImmediately] = React.useState(!rotation.enabled);
  const id = React.useId();

  const current: ScheduleDraft | null = React.useMemo(() => {
    switch (kind) {
      case "days": {
        const n = Number(days);
        return Number.isInteger(n) && days.trim() !== "" ? { kind: "days", days: n } : null;
      }
      case "rate": {
        const n = Number(rate.value);
        return Number.isInteger(n) && rate.value.trim() !== ""
          ? { kind: "rate", value: n, unit: rate.unit }
          : null;
      }
      case "cron":
        return { kind: "cron", fields: cron };
    }
  }, [kind, days, rate, cron]);
  const rules = current ? toRules(current) : null;
  const duration = durationValue(windowHours);
  const sentence = current ? describeSchedule(current) : null;

  const debounced = useDebounced(rules, 300);
  const nextRuns = useQuery({
    queryKey: [
      "rotation",
      "next",
      debounced?.scheduleExpression,
      debounced?.automaticallyAfterDays,
    ],
    queryFn: () =>
      nextRotationTimes(debounced!.scheduleExpression, debounced!.automaticallyAfterDays, 5),
    enabled: debounced !== null,
    staleTime: 60_000,
  });
  const settled =
    rules !== null &&
    debounced !== null &&
    rules.scheduleExpression === debounced.scheduleExpression &&
    rules.automaticallyAfterDays === debounced.automaticallyAfterDays;

  const save = useMutation({
    mutationFn: () =>
      rotateSecret({
        secretId,
        lambdaArn,
        scheduleExpression: rules!.scheduleExpression,
        automaticallyAfterDays: rules!.automaticallyAfterDays,
        duration: duration ?? null,
        rotateImmediately,
      }),
    onSuccess: () => invalidateAfterChange(qc, secretId),
  });

  const invalid = !lambdaArn
    ? "Choose a rotator."
    : rules === null
      ? "Enter a whole number."
      : duration === undefined
        ? "The window is a whole number of hours."
        : null;

  return (
    <form
      aria-label="Rotation configuration"
      className="flex flex-col gap-4 rounded-md border p-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (!invalid) save.mutate();
      }}
    >
      <div className="flex flex-col gap-1">
        <Label htmlFor={`${id}-rotator`}>Rotator</Label>
        <select
          id={`${id}-rotator`}
          className={selectClass}
          value={lambdaArn}
          onChange={(e) => setLambdaArn(e.target.value)}
        >
          <option value="">Choose a rotator…</option>
          {rotators.data?.map((r) => (
            <option key={r.arn} value={r.arn}>
              {r.name} ({r.kind === "builtin" ? "built-in" : "command"})
            </option>
          ))}
          {lambdaArn && !rotators.data?.some((r) => r.arn === lambdaArn) && (
            <option value={lambdaArn}>
              {lambdaArn}
              {rotators.data ? " (not registered)" : ""}
            </option>
          )}
        </select>
        {rotators.isError && (
          <ErrorNote error={rotators.error} context="Could not list the rotators" />
        )}
        {rotators.data?.length === 0 && (
          <p className="text-muted-foreground text-xs">
            No rotators are registered. Register a command with{" "}
            <code>coffer lambda create-function</code>.
          </p>
        )}
      </div>

      <fieldset className="flex flex-col gap-3">
        <legend className="mb-1 text-sm font-medium">Schedule</legend>
        <div className="flex flex-wrap gap-4 text-sm" role="radiogroup" aria-label="Schedule kind">
          {(
            [
              ["days", "Days after the last rotation"],
              ["rate", "Rate"],
              ["cron", "Cron expression"],
            ] as const
          ).map(([k, label]) => (
            <label key={k} className="flex items-center gap-2">
              <input
                type="radio"
                name={`${id}-kind`}
                value={k}
                checked={kind === k}
                onChange={() => setKind(k)}
              />
              {label}
            </label>
          ))}
        </div>

        {kind === "days" && (
          <div className="flex flex-col gap-1">
            <Label htmlFor={`${id}-days`}>Rotate every (days)</Label>
            <Input
              id={`${id}-days`}
              className="w-32"
              inputMode="numeric"
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
          </div>
        )}
        {kind === "rate" && (
          <div className="flex items-end gap-2">
            <div className="flex flex-col gap-1">
              <Label htmlFor={`${id}-rate`}>Every</Label>
              <Input
                id={`${id}-rate`}
                className="w-24"
                inputMode="numeric"
                value={rate.value}
                onChange={(e) => setRate((r) => ({ ...r, value: e.target.value }))}
              />
            </div>
            <div className="flex flex-col gap-1">
              <Label htmlFor={`${id}-unit`}>Unit</Label>
              <select
                id={`${id}-unit`}
                className={selectClass}
                value={rate.unit}
                onChange={(e) => setRate((r) => ({ ...r, unit: e.target.value as RateUnit }))}
              >
                <option value="hours">hours</option>
                <option value="days">days</option>
              </select>
            </div>
          </div>
        )}
        {kind === "cron" && (
          <div className="grid grid-cols-3 gap-2 md:grid-cols-6">
            {CRON_LABELS.map(([k, label, hint]) => (
              <div key={k} className="flex flex-col gap-1">
                <Label htmlFor={`${id}-cron-${k}`}>{label}</Label>
                <Input
                  id={`${id}-cron-${k}`}
                  value={cron[k]}
                  title={hint}
                  onChange={(e) => setCron((c) => ({ ...c, [k]: e.target.value }))}
                />
              </div>
            ))}
          </div>
        )}

        <div className="text-sm">
          {rules?.scheduleExpression && (
            <p>
              Expression: <code aria-label="Schedule expression">{rules.scheduleExpression}</code>
            </p>
          )}
          {sentence && <p className="text-muted-foreground">{sentence}</p>}
          {kind === "cron" && current && !sentence && (
            <p className="text-muted-foreground">
              {cronExpression(cron)} cannot be read as a schedule; see the engine&apos;s message.
            </p>
          )}
        </div>

        <div className="flex flex-col gap-1">
          <Label htmlFor={`${id}-window`}>Rotation window (hours)</Label>
          <Input
            id={`${id}-window`}
            className="w-32"
            inputMode="numeric"
            value={windowHours}
            placeholder="default"
            onChange={(e) => setWindowHours(e.target.value)}
          />
          <p className="text-muted-foreground text-xs">
            Empty: AWS&apos;s default (1 hour for hourly schedules, else the rest of the UTC day).
          </p>
        </div>
      </fieldset>

      <section aria-label="Next runs" className="text-sm">
        <h3 className="font-medium">Next five runs (from the engine)</h3>
        {rules === null ? (
          <p className="text-muted-foreground">Complete the schedule to see its next runs.</p>
        ) : !settled || nextRuns.isPending ? (
          <p className="text-muted-foreground">Asking the engine…</p>
        ) : nextRuns.isError ? (
          <p role="alert" className="text-destructive">
            {errorMessage(nextRuns.error)}
          </p>
        ) : (
          <ol className="list-decimal pl-5">
            {nextRuns.data.map((t) => (
              <li key={t}>
                <time dateTime={t}>{formatTime(t)}</time>
              </li>
            ))}
          </ol>
        )}
      </section>

      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          className="size-4"
          checked={rotateImmediately}
          onChange={(e) => setRotateImmediately(e.target.checked)}
        />
        Rotate immediately after saving
      </label>
      {save.isError && <ErrorNote error={save.error} context="Rotation settings not saved" />}
      {save.isSuccess && (
        <p role="status" className="text-sm">
          Rotation settings saved{rotateImmediately ? "; a rotation has started" : ""}.
        </p>
      )}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={invalid !== null || save.isPending}>
          {rotation.enabled ? "Save rotation settings" : "Save and enable rotation"}
        </Button>
        {invalid && <span className="text-muted-foreground text-sm">{invalid}</span>}
      </div>
    </form>
  );
}

function RotationHistory({ secretId }: { secretId: string }) {
  const history = useQuery({
    queryKey: [...rotationKey(secretId), "history"],
    queryFn: () => rotationHistory(secretId),
  });
  return (
    <section aria-labelledby="rotation-history-heading" className="flex flex-col gap-2">
      <h3 id="rotation-history-heading" className="font-semibold">
        History
      </h3>
      {history.isError ? (
        <ErrorNote error={history.error} context="Could not read the rotation history" />
      ) : history.isPending ? (
        <p className="text-muted-foreground text-sm">Loading…</p>
      ) : history.data.length === 0 ? (
        <p className="text-muted-foreground text-sm">
          This secret has not been rotated yet. Rotate now to try the rotator.
        </p>
      ) : (
        <Table aria-label="Rotation history">
          <TableHeader>
            <TableRow>
              <TableHead>Time</TableHead>
              <TableHead>Event</TableHead>
              <TableHead>Step</TableHead>
              <TableHead>Version</TableHead>
              <TableHead>Message</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {history.data.map((r: RotationRunView, i) => (
              <TableRow key={`${r.time}-${i}`}>
                <TableCell>{formatTime(r.time)}</TableCell>
                <TableCell>
                  <Badge
                    variant={
                      FAILURES.has(r.action)
                        ? "destructive"
                        : r.action === "RotationSucceeded"
                          ? "success"
                          : "secondary"
                    }
                  >
                    {r.action}
                  </Badge>
                </TableCell>
                <TableCell>{r.step ?? "—"}</TableCell>
                <TableCell className="font-mono text-xs">{r.versionId ?? "—"}</TableCell>
                <TableCell className="break-words">{r.message ?? ""}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}

/** The `/secrets/$secretId/rotation` route. */
export function RotationRoute() {
  const { secretId } = useParams({ strict: false });
  const navigate = useNavigate();
  if (!secretId) return null;
  return (
    <div className="p-4">
      <RotationPanel
        secretId={secretId}
        onExplain={(r) =>
          void navigate({
            to: "/access",
            search: {
              simulate: "rotation",
              principal: r.roleArn,
              resource: r.secretArn,
              rotator: r.rotatorArn ?? undefined,
            },
          })
        }
      />
    </div>
  );
}
