//! Settings → Master password: change it (typed twice, with the strength meter, held to the
//! same floor as when the store was made), and re-key the store, which a password change
//! alone does not do: copies of the file taken before still open with the old password.
import * as React from "react";
import { useMutation, useQuery } from "@tanstack/react-query";

import { sessionQueryKey } from "@/app/query";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { changeMasterPassword, rekeyStore, storeStatus, type RekeyResult } from "@/ipc/session";
import { ErrorNote } from "../audit/ErrorNote";
import { StrengthMeter } from "../session/StrengthMeter";
import { assessPassword, createStoreProblem } from "../session/strength";

export function MasterPasswordPanel() {
  return (
    <section aria-labelledby="master-password-heading" className="flex flex-col gap-6">
      <h2 id="master-password-heading" className="text-lg font-semibold">
        Master password
      </h2>
      <ChangePasswordForm />
      <RekeyForm />
    </section>
  );
}

/** A labelled password input (`isNew`: the browser may offer to generate and save one). */
function PasswordField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  isNew?: boolean;
  children?: React.ReactNode;
}) {
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={props.id}>{props.label}</Label>
      <Input
        id={props.id}
        type="password"
        autoComplete={props.isNew ? "new-password" : "current-password"}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.children}
    </div>
  );
}

function ChangePasswordForm() {
  const status = useQuery({ queryKey: sessionQueryKey, queryFn: storeStatus });
  const [current, setCurrent] = React.useState("");
  const [next, setNext] = React.useState("");
  const [confirm, setConfirm] = React.useState("");
  const [problem, setProblem] = React.useState<string | null>(null);
  const path = status.data?.path ?? "";
  const strength = React.useMemo(() => assessPassword(next, path ? [path] : []), [next, path]);
  const change = useMutation({
    mutationFn: () => changeMasterPassword(current, next),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      setConfirm("");
    },
  });
  const onSubmit = (e: React.FormEvent) => {
    e.preventDefault();
    const p = current ? createStoreProblem(next, confirm) : "Enter the current master password.";
    setProblem(p);
    if (!p) change.mutate();
  };
  return (
    <form
      aria-label="Change master password"
      className="flex flex-col gap-3"
      onSubmit={onSubmit}
      noValidate
    >
      <h3 className="font-medium">Change the master password</h3>
      <PasswordField
        id="pw-current"
        label="Current master password"
        value={current}
        onChange={setCurrent}
      />
      <PasswordField id="pw-new" label="New master password" value={next} onChange={setNext} isNew>
        <StrengthMeter strength={strength} />
      </PasswordField>
      <PasswordField
        id="pw-confirm"
        label="Confirm new master password"
        value={confirm}
        onChange={setConfirm}
        isNew
      />
      {problem && (
        <p role="alert" className="text-destructive text-sm">
          {problem}
        </p>
      )}
      {change.isError && (
        <ErrorNote error={change.error} context="The master password was not changed" />
      )}
      {change.isSuccess && (
        <p role="status" className="text-sm">
          Master password changed. Use the new one from now on.
        </p>
      )}
      <div>
        <Button type="submit" disabled={change.isPending}>
          {change.isPending ? "Changing…" : "Change master password"}
        </Button>
      </div>
    </form>
  );
}

/** `n thing` or `n things`. */
function count(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? "" : "s"}`;
}

/** One line saying what a re-key rewrote. */
export function rekeySummary(r: RekeyResult): string {
  return (
    `Re-keyed: ${count(r.secretVersions, "secret version")} re-encrypted under fresh material ` +
    `of ${count(r.kmsKeys, "KMS key")}; ${count(r.accessKeys, "access key")} and ` +
    `${count(r.functions, "rotation function")} re-encrypted; ` +
    `${count(r.auditEvents, "audit event")} re-signed.`
  );
}

function RekeyForm() {
  const [password, setPassword] = React.useState("");
  const [confirming, setConfirming] = React.useState(false);
  const [problem, setProblem] = React.useState<string | null>(null);
  const rekey = useMutation({
    mutationFn: () => rekeyStore(password),
    onSettled: () => {
      setPassword("");
      setConfirming(false);
    },
  });
  const onSubmit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!password) {
      setProblem("Enter the current master password.");
      return;
    }
    setProblem(null);
    if (!confirming) {
      setConfirming(true);
      return;
    }
    rekey.mutate();
  };
  return (
    <form
      aria-label="Re-key the store"
      className="flex flex-col gap-3"
      onSubmit={onSubmit}
      noValidate
    >
      <h3 className="font-medium">Re-key the store</h3>
      <p className="text-muted-foreground text-sm">
        Changing the password does not protect copies of the store file made before (a backup, a
        sync folder, a lost laptop): they still open with the old password. Re-keying replaces the
        root key and re-encrypts every secret version, access key and function environment, so such
        a copy opens nothing in today&apos;s file. The master password stays the same.
      </p>
      <PasswordField
        id="rekey-password"
        label="Master password for the re-key"
        value={password}
        onChange={(v) => {
          setPassword(v);
          setConfirming(false);
        }}
      />
      {problem && (
        <p role="alert" className="text-destructive text-sm">
          {problem}
        </p>
      )}
      {confirming && (
        <p role="alert" className="text-sm">
          Every secret is re-encrypted in one step; other Coffer processes using this store file (
          <span className="font-mono">coffer serve</span>) must be unsealed again afterwards. Re-key
          now?
        </p>
      )}
      {rekey.isError && <ErrorNote error={rekey.error} context="The store was not re-keyed" />}
      {rekey.isSuccess && (
        <p role="status" className="text-sm">
          {rekeySummary(rekey.data)}
        </p>
      )}
      <div className="flex gap-2">
        <Button
          type="submit"
          variant={confirming ? "destructive" : "default"}
          disabled={rekey.isPending}
        >
          {rekey.isPending ? "Re-keying…" : confirming ? "Re-key now" : "Re-key the store"}
        </Button>
        {confirming && (
          <Button type="button" variant="outline" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
