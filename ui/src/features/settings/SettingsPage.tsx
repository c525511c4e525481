//! Settings: auto-lock, clipboard auto-clear and theme (stored by the shell), the master
//! password (change, re-key: `MasterPasswordPanel`), and the local
//! API listener (start, stop, its endpoint and a ready-to-paste AWS CLI command; optionally
//! the Secrets Manager Agent protocol, acting as the account root or a chosen user or role).
import * as React from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { sessionQueryKey } from "@/app/query";
import { settingsQueryKey } from "@/app/settings";
import { useTheme } from "@/app/theme";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { copyPlainText } from "@/ipc/clipboard";
import { getSettings, setSettings, storeStatus, type Settings, type Theme } from "@/ipc/session";
import { listPrincipals } from "@/ipc/access";
import { getApiStatus, startApi, stopApi, type ApiStatus } from "@/ipc/settings";
import { principalsKey } from "../access/AccessPage";
import { ErrorNote } from "../audit/ErrorNote";
import { errorMessage, selectClass } from "../audit/format";
import { MasterPasswordPanel } from "./MasterPasswordPanel";

/** Where the listener starts unless the person picks another address (`coffer serve`'s default). */
export const DEFAULT_LISTEN = "127.0.0.1:4599";

/** The AWS CLI command for reading a secret through this endpoint. */
export function awsCliExample(endpoint: string, region: string | null): string {
  return [
    "export AWS_ACCESS_KEY_ID=<access key id> AWS_SECRET_ACCESS_KEY=<secret access key>",
    `aws --endpoint-url ${endpoint} --region ${region ?? "us-east-1"} \\`,
    "  secretsmanager get-secret-value --secret-id <secret name>",
  ].join("\n");
}

/** The curl command an application written for the Secrets Manager Agent runs. */
export function agentExample(endpoint: string, tokenFile: string): string {
  return [
    `curl -H "X-Aws-Parameters-Secrets-Token: $(cat '${tokenFile}')" \\`,
    `  "${endpoint}/secretsmanager/get?secretId=<secret name>"`,
  ].join("\n");
}

/** The agent select's value for the account root. */
/** How the shell names the account root as the agent principal. It is never preselected:
 * agent requests carry no signature, so acting as root (every secret) is a choice. */
const ROOT = "root";

export function SettingsPage() {
  return (
    <div className="flex max-w-3xl flex-col gap-8 p-4">
      <h1 className="text-xl font-semibold">Settings</h1>
      <AppSettings />
      <MasterPasswordPanel />
      <ApiListener />
    </div>
  );
}

/** A whole number in [min, max], or null. */
function wholeNumber(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

function AppSettings() {
  const settings = useQuery({ queryKey: settingsQueryKey, queryFn: getSettings });
  if (settings.isError)
    return <ErrorNote error={settings.error} context="Could not read the settings" />;
  if (settings.isPending) return <p className="text-muted-foreground text-sm">Loading…</p>;
  return <SettingsForm initial={settings.data} />;
}

function useThemeSetter(): ((t: Theme) => void) | null {
  // The form works without the provider (tests); the app always has it.
  try {
    return useTheme().setPreference;
  } catch {
    return null;
  }
}

function SettingsForm({ initial }: { initial: Settings }) {
  const qc = useQueryClient();
  const setTheme = useThemeSetter();
  const [autoLock, setAutoLock] = React.useState(String(initial.autoLockMinutes));
  const [clipboard, setClipboard] = React.useState(String(initial.clipboardClearSeconds));
  const [theme, setThemeDraft] = React.useState<Theme>(initial.theme);
  const lockMinutes = wholeNumber(autoLock, 0, 1440);
  const clearSeconds = wholeNumber(clipboard, 1, 3600);

  const save = useMutation({
    mutationFn: () =>
      setSettings({
        autoLockMinutes: lockMinutes!,
        clipboardClearSeconds: clearSeconds!,
        theme,
      }),
    onSuccess: (s) => {
      qc.setQueryData(settingsQueryKey, s);
      setTheme?.(s.theme);
    },
  });

  return (
    <form
      aria-label="App settings"
      className="flex flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (lockMinutes !== null && clearSeconds !== null) save.mutate();
      }}
    >
      <h2 className="text-lg font-semibold">App</h2>
      <div className="flex flex-col gap-1">
        <Label htmlFor="auto-lock">Auto-lock after (minutes idle)</Label>
        <Input
          id="auto-lock"
          className="w-32"
          inputMode="numeric"
          value={autoLock}
          aria-invalid={lockMinutes === null}
          aria-describedby="auto-lock-help"
          onChange={(e) => setAutoLock(e.target.value)}
        />
        <p id="auto-lock-help" className="text-muted-foreground text-xs">
          {lockMinutes === null
            ? "Enter whole minutes from 0 to 1440."
            : "0 never locks on its own. Locking hides the UI; the API and rotations keep running."}
        </p>
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="clipboard-clear">Clear copied secrets after (seconds)</Label>
        <Input
          id="clipboard-clear"
          className="w-32"
          inputMode="numeric"
          value={clipboard}
          aria-invalid={clearSeconds === null}
          aria-describedby="clipboard-help"
          onChange={(e) => setClipboard(e.target.value)}
        />
        <p id="clipboard-help" className="text-muted-foreground text-xs">
          {clearSeconds === null
            ? "Enter whole seconds from 1 to 3600."
            : "Coffer clears the clipboard only if it still holds what Coffer put there."}
        </p>
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="theme">Theme</Label>
        <select
          id="theme"
          className={`${selectClass} w-48`}
          value={theme}
          onChange={(e) => setThemeDraft(e.target.value as Theme)}
        >
          <option value="system">Follow the system</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </div>
      {save.isError && <ErrorNote error={save.error} context="Settings not saved" />}
      {save.isSuccess && (
        <p role="status" className="text-sm">
          Settings saved.
        </p>
      )}
      <div>
        <Button
          type="submit"
          disabled={lockMinutes === null || clearSeconds === null || save.isPending}
        >
          Save settings
        </Button>
      </div>
    </form>
  );
}

const apiKey = ["settings", "api"] as const;

function ApiListener() {
  const qc = useQueryClient();
  const status = useQuery({ queryKey: apiKey, queryFn: getApiStatus });
  const session = useQuery({ queryKey: sessionQueryKey, queryFn: storeStatus });
  const [listen, setListen] = React.useState(DEFAULT_LISTEN);
  const [agent, setAgent] = React.useState(false);
  const [agentPrincipal, setAgentPrincipal] = React.useState("");
  const principals = useQuery({
    queryKey: principalsKey,
    queryFn: listPrincipals,
    enabled: agent,
  });
  const [copied, setCopied] = React.useState<string | null>(null);
  const onStatus = (s: ApiStatus) => qc.setQueryData(apiKey, s);
  const start = useMutation({
    mutationFn: () => startApi(listen.trim(), agent ? { principal: agentPrincipal } : null),
    onSuccess: onStatus,
  });
  const stop = useMutation({ mutationFn: stopApi, onSuccess: onStatus });
  const running = status.data?.running ?? false;
  const example = status.data?.endpoint
    ? awsCliExample(status.data.endpoint, session.data?.region ?? null)
    : null;
  const agentCommand =
    status.data?.endpoint && status.data.agentTokenFile
      ? agentExample(status.data.endpoint, status.data.agentTokenFile)
      : null;

  return (
    <section aria-labelledby="api-heading" className="flex flex-col gap-3">
      <h2 id="api-heading" className="flex items-center gap-2 text-lg font-semibold">
        API listener
        {status.data && (
          <Badge variant={running ? "success" : "secondary"}>
            {running ? "Running" : "Stopped"}
          </Badge>
        )}
      </h2>
      <p className="text-muted-foreground text-sm">
        Applications, the AWS CLI and AWS SDKs reach Coffer through this AWS-compatible endpoint,
        signing with an access key (create one on the Access screen).
      </p>
      {status.isError && <ErrorNote error={status.error} context="Could not read the API status" />}
      {start.isError && <ErrorNote error={start.error} context="The API did not start" />}
      {stop.isError && <ErrorNote error={stop.error} context="The API did not stop" />}
      {running && status.data ? (
        <>
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-muted-foreground">Endpoint</dt>
            <dd>
              <code aria-label="Endpoint">{status.data.endpoint}</code>
            </dd>
            {status.data.agentTokenFile && (
              <>
                <dt className="text-muted-foreground">Agent token file</dt>
                <dd className="break-all">
                  <code>{status.data.agentTokenFile}</code>
                </dd>
              </>
            )}
          </dl>
          {example && (
            <CommandExample id="aws-cli-example" label="AWS CLI example" command={example}>
              <div className="flex items-center gap-2">
                <Button
                  variant="outline"
                  size="sm"
                  onClick={() =>
                    copyPlainText(example).then(
                      () => setCopied("Command copied."),
                      (e) => setCopied(`Copy failed: ${errorMessage(e)}. Select the text instead.`),
                    )
                  }
                >
                  Copy command
                </Button>
                {copied && (
                  <span role="status" className="text-sm">
                    {copied}
                  </span>
                )}
              </div>
            </CommandExample>
          )}
          {agentCommand && (
            <CommandExample
              id="agent-example"
              label="Agent protocol example"
              command={agentCommand}
            />
          )}
          <div>
            <Button variant="outline" onClick={() => stop.mutate()} disabled={stop.isPending}>
              Stop API
            </Button>
          </div>
        </>
      ) : (
        <form
          className="flex flex-col gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (listen.trim() && !(agent && !agentPrincipal)) start.mutate();
          }}
        >
          <div className="flex items-end gap-2">
            <div className="flex flex-col gap-1">
              <Label htmlFor="api-listen">Listen address</Label>
              <Input
                id="api-listen"
                className="w-56"
                value={listen}
                onChange={(e) => setListen(e.target.value)}
              />
            </div>
            <Button
              type="submit"
              disabled={
                !listen.trim() || (agent && !agentPrincipal) || start.isPending || !status.data
              }
            >
              Start API
            </Button>
          </div>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              className="size-4"
              checked={agent}
              onChange={(e) => setAgent(e.target.checked)}
            />
            Also serve the Secrets Manager Agent protocol (a token file instead of signed requests)
          </label>
          {agent && (
            <div className="flex flex-col gap-1">
              <Label htmlFor="agent-principal">Agent requests act as</Label>
              <select
                id="agent-principal"
                className={`${selectClass} w-96`}
                value={agentPrincipal}
                aria-describedby="agent-principal-help"
                onChange={(e) => setAgentPrincipal(e.target.value)}
              >
                <option value="" disabled>
                  Choose a user or role…
                </option>
                <option value={ROOT}>The account root (may read every secret)</option>
                {(principals.data ?? [])
                  .filter((p) => p.kind !== "group")
                  .map((p) => (
                    <option key={p.arn} value={p.arn}>
                      {p.kind === "user" ? "User" : "Role"} {p.name}
                    </option>
                  ))}
              </select>
              <p id="agent-principal-help" className="text-muted-foreground text-xs">
                Anyone who can read the token file reads what this principal may read: pick a user
                or role with a read-only policy for the secrets your applications need.
              </p>
              {principals.isError && (
                <ErrorNote error={principals.error} context="Could not list users and roles" />
              )}
            </div>
          )}
        </form>
      )}
    </section>
  );
}

/** A labelled, selectable shell command (and what goes under it). */
function CommandExample({
  id,
  label,
  command,
  children,
}: {
  id: string;
  label: string;
  command: string;
  children?: React.ReactNode;
}) {
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={id}>{label}</Label>
      <pre
        id={id}
        aria-label={label}
        className="bg-muted overflow-auto rounded p-2 font-mono text-xs"
      >
        {command}
      </pre>
      {children}
    </div>
  );
}
