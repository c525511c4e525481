//! Unlock (UI lock) or unseal (keys dropped) with the master password.
import * as React from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { hasCode } from "@/ipc";
import { describeError } from "@/lib/errors";
import { AuthCard } from "./AuthCard";
import { useUnlock } from "./hooks";

export function UnlockScreen({ sealed, path }: { sealed: boolean; path: string }) {
  const [password, setPassword] = React.useState("");
  const unlock = useUnlock();
  const inputRef = React.useRef<HTMLInputElement>(null);

  const onSubmit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!password) return;
    unlock.mutate(password, {
      onError: () => {
        setPassword("");
        inputRef.current?.focus();
      },
    });
  };

  const err = unlock.error;
  return (
    <AuthCard
      title={sealed ? "Coffer is sealed" : "Coffer is locked"}
      subtitle={
        sealed
          ? "The store's keys are not in memory. Enter the master password to unseal it."
          : "Enter the master password to continue."
      }
    >
      <form className="flex flex-col gap-4" onSubmit={onSubmit}>
        <p className="text-muted-foreground text-xs break-all">
          Store: <span className="font-mono">{path}</span>
        </p>
        <div className="flex flex-col gap-2">
          <Label htmlFor="master">Master password</Label>
          <Input
            id="master"
            ref={inputRef}
            type="password"
            autoComplete="current-password"
            autoFocus
            value={password}
            aria-invalid={err ? true : undefined}
            aria-describedby={err ? "unlock-error" : undefined}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {err && (
          <div id="unlock-error" role="alert" className="text-destructive text-sm">
            <p>
              {hasCode(err, "WrongPassword") ? "Wrong master password." : describeError(err).title}
            </p>
            <p className="text-muted-foreground">{describeError(err).action}</p>
          </div>
        )}
        <Button type="submit" disabled={!password || unlock.isPending}>
          {unlock.isPending ? "Unlocking…" : sealed ? "Unseal" : "Unlock"}
        </Button>
      </form>
    </AuthCard>
  );
}
