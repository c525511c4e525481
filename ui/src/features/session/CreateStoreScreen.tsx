//! First run: create the store with a master password typed twice, with a strength meter.
import * as React from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { describeError } from "@/lib/errors";
import { AuthCard } from "./AuthCard";
import { useCreateStore } from "./hooks";
import { StrengthMeter } from "./StrengthMeter";
import { assessPassword, createStoreProblem } from "./strength";

export function CreateStoreScreen({ path }: { path: string }) {
  const [password, setPassword] = React.useState("");
  const [confirm, setConfirm] = React.useState("");
  const [submitted, setSubmitted] = React.useState(false);
  const create = useCreateStore();
  const strength = React.useMemo(() => assessPassword(password, [path]), [password, path]);
  const problem = createStoreProblem(password, confirm);
  const mismatch = confirm.length > 0 && confirm !== password;

  const onSubmit = (e: React.FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (problem) return;
    create.mutate(password);
  };

  return (
    <AuthCard
      title="Create your Coffer store"
      subtitle="The master password encrypts every secret. It cannot be recovered if lost."
    >
      <form className="flex flex-col gap-4" onSubmit={onSubmit} noValidate>
        <p className="text-muted-foreground text-xs break-all">
          The store will be created at <span className="font-mono">{path}</span>
        </p>
        <div className="flex flex-col gap-2">
          <Label htmlFor="new-master">Master password</Label>
          <Input
            id="new-master"
            type="password"
            autoComplete="new-password"
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <StrengthMeter strength={strength} />
        </div>
        <div className="flex flex-col gap-2">
          <Label htmlFor="confirm-master">Confirm master password</Label>
          <Input
            id="confirm-master"
            type="password"
            autoComplete="new-password"
            value={confirm}
            aria-invalid={mismatch || undefined}
            aria-describedby={mismatch ? "confirm-error" : undefined}
            onChange={(e) => setConfirm(e.target.value)}
          />
          {mismatch && (
            <p id="confirm-error" className="text-destructive text-xs">
              The two passwords do not match.
            </p>
          )}
        </div>
        {submitted && problem && !mismatch && (
          <p role="alert" className="text-destructive text-sm">
            {problem}
          </p>
        )}
        {create.error && (
          <div role="alert" className="text-destructive text-sm">
            <p>{describeError(create.error).title}</p>
            <p className="text-muted-foreground">{describeError(create.error).action}</p>
          </div>
        )}
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Creating the store…" : "Create store"}
        </Button>
      </form>
    </AuthCard>
  );
}
