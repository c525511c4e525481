//! Identity and access: users, roles and groups; a user's access keys and groups; a group's
//! members; each principal's inline policies (edited as JSON with the engine's validation in
//! place); and the policy simulator, which can explain a rotation step under its execution
//! role. Other screens link in through the route's search params (`search.ts`).
import * as React from "react";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearch } from "@tanstack/react-router";
import { Users } from "lucide-react";

import { EmptyState } from "@/app/EmptyState";
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
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import {
  createPrincipal,
  deleteInlinePolicy,
  deletePrincipal,
  listGroupMembers,
  listInlinePolicies,
  listPrincipals,
  putInlinePolicy,
  setGroupMembership,
  type PrincipalKind,
  type PrincipalView,
} from "@/ipc/access";
import { ErrorNote } from "../audit/ErrorNote";
import { formatTime, selectClass } from "../audit/format";
import { AccessKeys } from "./AccessKeys";
import { POLICY_TEMPLATE, PolicyEditor } from "./PolicyEditor";
import { RotationRoleCheck } from "./RotationRoleCheck";
import { accessSearchFrom, type AccessSearch } from "./search";
import { Simulator } from "./Simulator";

/** The users, roles and groups list's query key (Settings lists them too). */
export const principalsKey = ["access", "principals"] as const;

const KIND_TITLE: Record<PrincipalKind, string> = {
  user: "Users",
  role: "Roles",
  group: "Groups",
};

/** The Access screen; `search` says what to open on (a principal, or the rotation check). */
export function AccessPage({ search = {} }: { search?: AccessSearch }) {
  const principals = useQuery({ queryKey: principalsKey, queryFn: listPrincipals });
  const [selectedArn, setSelectedArn] = React.useState<string | null>(search.principal ?? null);
  const all = principals.data ?? [];
  const current = selectedArn ? all.find((p) => p.arn === selectedArn) : undefined;
  const rotation =
    search.simulate === "rotation" && search.principal && search.resource
      ? { roleArn: search.principal, secretArn: search.resource }
      : null;

  return (
    <div className="flex flex-col gap-4 p-4">
      <h1 className="text-xl font-semibold">Access</h1>
      <Tabs defaultValue={rotation ? "simulator" : "principals"}>
        <TabsList>
          <TabsTrigger value="principals">Principals</TabsTrigger>
          <TabsTrigger value="simulator">Policy simulator</TabsTrigger>
        </TabsList>
        <TabsContent value="principals" className="flex flex-col gap-4 pt-2 md:flex-row">
          <aside className="flex w-full shrink-0 flex-col gap-4 md:w-72">
            <CreatePrincipalForm onCreated={(p) => setSelectedArn(p.arn)} />
            {principals.isError ? (
              <ErrorNote error={principals.error} context="Could not list principals" />
            ) : principals.isPending ? (
              <p className="text-muted-foreground text-sm">Loading…</p>
            ) : all.length === 0 ? (
              <EmptyState icon={<Users />} title="No principals yet">
                Create a user for each application that calls the API, give it an access key and an
                inline policy naming the secrets it may read.
              </EmptyState>
            ) : (
              (["user", "role", "group"] as const).map((kind) => {
                const list = all.filter((p) => p.kind === kind);
                return (
                  <nav key={kind} aria-label={KIND_TITLE[kind]}>
                    <h2 className="text-muted-foreground mb-1 text-xs font-semibold uppercase">
                      {KIND_TITLE[kind]}
                    </h2>
                    {list.length === 0 ? (
                      <p className="text-muted-foreground text-sm">None.</p>
                    ) : (
                      <ul className="flex flex-col">
                        {list.map((p) => {
                          const isSel = current?.arn === p.arn;
                          return (
                            <li key={p.arn}>
                              <Button
                                variant={isSel ? "secondary" : "ghost"}
                                className="w-full justify-start"
                                aria-current={isSel ? "true" : undefined}
                                onClick={() => setSelectedArn(p.arn)}
                              >
                                {p.name}
                              </Button>
                            </li>
                          );
                        })}
                      </ul>
                    )}
                  </nav>
                );
              })
            )}
          </aside>
          <div className="min-w-0 flex-1">
            {current ? (
              <PrincipalDetail
                key={current.arn}
                principal={current}
                all={all}
                onDeleted={() => setSelectedArn(null)}
              />
            ) : (
              all.length > 0 && (
                <p className="text-muted-foreground p-4 text-sm">
                  Pick a user, role or group on the left to see its keys, groups and policies.
                </p>
              )
            )}
          </div>
        </TabsContent>
        <TabsContent value="simulator" className="flex flex-col gap-6 pt-2">
          {rotation && (
            <RotationRoleCheck
              roleArn={rotation.roleArn}
              secretArn={rotation.secretArn}
              rotatorArn={search.rotator}
              principals={principals.data}
            />
          )}
          <Simulator
            principals={all}
            preset={{ principalArn: search.principal, resourceArn: rotation?.secretArn }}
          />
        </TabsContent>
      </Tabs>
    </div>
  );
}

/** The `/access` route: what to open on comes from the URL (see `search.ts`). */
export function AccessRoute() {
  const raw = useSearch({ strict: false });
  const search = accessSearchFrom(raw);
  // A new link into the screen starts it afresh (selection, tab, simulator form).
  return <AccessPage key={JSON.stringify(search)} search={search} />;
}

function CreatePrincipalForm({ onCreated }: { onCreated: (p: PrincipalView) => void }) {
  const qc = useQueryClient();
  const [kind, setKind] = React.useState<PrincipalKind>("user");
  const [name, setName] = React.useState("");
  const create = useMutation({
    mutationFn: () => createPrincipal(kind, name.trim()),
    onSuccess: (p) => {
      setName("");
      void qc.invalidateQueries({ queryKey: principalsKey });
      onCreated(p);
    },
  });
  return (
    <form
      aria-label="Create principal"
      className="flex flex-col gap-2 rounded-md border p-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) create.mutate();
      }}
    >
      <div className="flex gap-2">
        <div className="flex flex-col gap-1">
          <Label htmlFor="principal-kind">Kind</Label>
          <select
            id="principal-kind"
            className={selectClass}
            value={kind}
            onChange={(e) => setKind(e.target.value as PrincipalKind)}
          >
            <option value="user">User</option>
            <option value="role">Role</option>
            <option value="group">Group</option>
          </select>
        </div>
        <div className="flex flex-1 flex-col gap-1">
          <Label htmlFor="principal-name">Name</Label>
          <Input
            id="principal-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="billing-app"
          />
        </div>
      </div>
      <Button type="submit" size="sm" disabled={!name.trim() || create.isPending}>
        Create {kind}
      </Button>
      {create.isError && <ErrorNote error={create.error} />}
    </form>
  );
}

function PrincipalDetail({
  principal,
  all,
  onDeleted,
}: {
  principal: PrincipalView;
  all: PrincipalView[];
  onDeleted: () => void;
}) {
  const qc = useQueryClient();
  const [confirming, setConfirming] = React.useState(false);
  const del = useMutation({
    mutationFn: () => deletePrincipal(principal.kind, principal.name),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: principalsKey });
      onDeleted();
    },
  });
  return (
    <article aria-label={`${principal.kind} ${principal.name}`} className="flex flex-col gap-6">
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 className="flex items-center gap-2 text-lg font-semibold">
            {principal.name}
            <Badge variant="outline">{principal.kind}</Badge>
          </h2>
          <p className="text-muted-foreground font-mono text-xs break-all">{principal.arn}</p>
          <p className="text-muted-foreground text-xs">
            Created {formatTime(principal.createdDate)}
          </p>
        </div>
        <Button variant="destructive" size="sm" onClick={() => setConfirming(true)}>
          Delete {principal.kind}
        </Button>
      </header>
      {del.isError && <ErrorNote error={del.error} context="Not deleted" />}
      {principal.kind === "user" && (
        <>
          <AccessKeys userName={principal.name} />
          <UserGroups user={principal.name} groups={all.filter((p) => p.kind === "group")} />
        </>
      )}
      {principal.kind === "group" && (
        <GroupMembers group={principal.name} users={all.filter((p) => p.kind === "user")} />
      )}
      <InlinePolicies kind={principal.kind} name={principal.name} />
      <AlertDialog open={confirming} onOpenChange={setConfirming}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>
              Delete {principal.kind} {principal.name}?
            </AlertDialogTitle>
            <AlertDialogDescription>
              Its inline policies go with it, and requests signed as it are refused. This cannot be
              undone.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction variant="destructive" onClick={() => del.mutate()}>
              Delete {principal.kind}
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </article>
  );
}

/** Checkboxes for the groups a user belongs to. */
function UserGroups({ user, groups }: { user: string; groups: PrincipalView[] }) {
  const qc = useQueryClient();
  const members = useQueries({
    queries: groups.map((g) => ({
      queryKey: ["access", "members", g.name],
      queryFn: () => listGroupMembers(g.name),
    })),
  });
  const toggle = useMutation({
    mutationFn: (v: { group: string; member: boolean }) =>
      setGroupMembership(user, v.group, v.member),
    onSuccess: (_r, v) => void qc.invalidateQueries({ queryKey: ["access", "members", v.group] }),
  });
  return (
    <section aria-labelledby="user-groups-heading" className="flex flex-col gap-2">
      <h3 id="user-groups-heading" className="font-semibold">
        Groups
      </h3>
      {toggle.isError && <ErrorNote error={toggle.error} context="Membership not changed" />}
      {groups.length === 0 ? (
        <p className="text-muted-foreground text-sm">
          No groups exist. Create a group to share one set of policies among users.
        </p>
      ) : (
        <ul className="flex flex-col gap-1">
          {groups.map((g, i) => {
            const q = members[i]!;
            const isMember = q.data?.includes(user) ?? false;
            const id = `member-${g.name}`;
            return (
              <li key={g.arn} className="flex items-center gap-2 text-sm">
                <input
                  id={id}
                  type="checkbox"
                  className="size-4"
                  checked={isMember}
                  disabled={q.isPending || toggle.isPending}
                  onChange={(e) => toggle.mutate({ group: g.name, member: e.target.checked })}
                />
                <label htmlFor={id}>Member of {g.name}</label>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function GroupMembers({ group, users }: { group: string; users: PrincipalView[] }) {
  const qc = useQueryClient();
  const queryKey = ["access", "members", group];
  const members = useQuery({ queryKey, queryFn: () => listGroupMembers(group) });
  const [adding, setAdding] = React.useState("");
  const change = useMutation({
    mutationFn: (v: { user: string; member: boolean }) =>
      setGroupMembership(v.user, group, v.member),
    onSuccess: () => {
      setAdding("");
      void qc.invalidateQueries({ queryKey });
    },
  });
  const list = members.data ?? [];
  const candidates = users.filter((u) => !list.includes(u.name));
  return (
    <section aria-labelledby="group-members-heading" className="flex flex-col gap-2">
      <h3 id="group-members-heading" className="font-semibold">
        Members
      </h3>
      {change.isError && <ErrorNote error={change.error} context="Membership not changed" />}
      {members.isError ? (
        <ErrorNote error={members.error} context="Could not list members" />
      ) : list.length === 0 ? (
        <p className="text-muted-foreground text-sm">
          No members. Add users below; they receive this group&apos;s policies.
        </p>
      ) : (
        <ul className="flex flex-col gap-1">
          {list.map((u) => (
            <li key={u} className="flex items-center gap-2 text-sm">
              <span className="flex-1">{u}</span>
              <Button
                variant="outline"
                size="sm"
                aria-label={`Remove ${u} from ${group}`}
                onClick={() => change.mutate({ user: u, member: false })}
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
      )}
      {candidates.length > 0 && (
        <form
          className="flex items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (adding) change.mutate({ user: adding, member: true });
          }}
        >
          <div className="flex flex-col gap-1">
            <Label htmlFor="add-member">Add user</Label>
            <select
              id="add-member"
              className={selectClass}
              value={adding}
              onChange={(e) => setAdding(e.target.value)}
            >
              <option value="">Choose a user…</option>
              {candidates.map((u) => (
                <option key={u.name} value={u.name}>
                  {u.name}
                </option>
              ))}
            </select>
          </div>
          <Button type="submit" size="sm" disabled={!adding}>
            Add to group
          </Button>
        </form>
      )}
    </section>
  );
}

/** The principal's inline policies: pick one to edit, or start a new one. */
export function InlinePolicies({ kind, name }: { kind: PrincipalKind; name: string }) {
  const qc = useQueryClient();
  const queryKey = ["access", "policies", kind, name];
  const policies = useQuery({ queryKey, queryFn: () => listInlinePolicies(kind, name) });
  // `null`: nothing open; `isNew`: the name is editable.
  const [editing, setEditing] = React.useState<{
    policyName: string;
    document: string;
    isNew: boolean;
  } | null>(null);
  const [confirmDelete, setConfirmDelete] = React.useState(false);
  const [saved, setSaved] = React.useState<string | null>(null);

  const save = useMutation({
    mutationFn: (p: { policyName: string; document: string }) =>
      putInlinePolicy(kind, name, p.policyName, p.document),
    onSuccess: (_r, p) => {
      setSaved(`Saved ${p.policyName}.`);
      setEditing((e) => (e ? { ...e, isNew: false } : e));
      void qc.invalidateQueries({ queryKey });
    },
  });
  const remove = useMutation({
    mutationFn: (policyName: string) => deleteInlinePolicy(kind, name, policyName),
    onSuccess: (_r, policyName) => {
      setSaved(`Deleted ${policyName}.`);
      setEditing(null);
      void qc.invalidateQueries({ queryKey });
    },
  });

  const open = (policyName: string, document: string, isNew: boolean) => {
    save.reset();
    remove.reset();
    setSaved(null);
    setEditing({ policyName, document, isNew });
  };

  return (
    <section aria-labelledby="inline-policies-heading" className="flex flex-col gap-2">
      <div className="flex items-center justify-between">
        <h3 id="inline-policies-heading" className="font-semibold">
          Inline policies
        </h3>
        <Button size="sm" variant="outline" onClick={() => open("", POLICY_TEMPLATE, true)}>
          New policy
        </Button>
      </div>
      {policies.isError ? (
        <ErrorNote error={policies.error} context="Could not list policies" />
      ) : policies.data && policies.data.length === 0 && !editing ? (
        <p className="text-muted-foreground text-sm">
          No inline policies: this {kind} is allowed nothing (unless a group or a secret&apos;s
          resource policy allows it). Add a policy to grant access.
        </p>
      ) : (
        <ul className="flex flex-wrap gap-2">
          {policies.data?.map((p) => (
            <li key={p.name}>
              <Button
                size="sm"
                variant={editing?.policyName === p.name && !editing.isNew ? "secondary" : "ghost"}
                aria-label={`Edit policy ${p.name}`}
                onClick={() => open(p.name, p.document, false)}
              >
                {p.name}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {saved && (
        <p role="status" className="text-sm">
          {saved}
        </p>
      )}
      {editing && (
        <form
          aria-label="Policy editor"
          className="flex flex-col gap-2 rounded-md border p-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (editing.policyName.trim())
              save.mutate({ policyName: editing.policyName.trim(), document: editing.document });
          }}
        >
          <div className="flex flex-col gap-1">
            <Label htmlFor="policy-name">Policy name</Label>
            <Input
              id="policy-name"
              value={editing.policyName}
              readOnly={!editing.isNew}
              onChange={(e) => setEditing({ ...editing, policyName: e.target.value })}
              placeholder="read-billing-secrets"
            />
          </div>
          <PolicyEditor
            kind="identity"
            value={editing.document}
            onChange={(document) => setEditing((e) => (e ? { ...e, document } : e))}
          />
          {save.isError && <ErrorNote error={save.error} context="Not saved" />}
          {remove.isError && <ErrorNote error={remove.error} context="Not deleted" />}
          <div className="flex gap-2">
            <Button type="submit" disabled={!editing.policyName.trim() || save.isPending}>
              Save policy
            </Button>
            {!editing.isNew && (
              <Button type="button" variant="destructive" onClick={() => setConfirmDelete(true)}>
                Delete policy
              </Button>
            )}
            <Button type="button" variant="ghost" onClick={() => setEditing(null)}>
              Close editor
            </Button>
          </div>
        </form>
      )}
      <AlertDialog open={confirmDelete} onOpenChange={setConfirmDelete}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Delete policy {editing?.policyName}?</AlertDialogTitle>
            <AlertDialogDescription>
              The permissions it grants (or denies) stop applying to {name} immediately.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction
              variant="destructive"
              onClick={() => editing && remove.mutate(editing.policyName)}
            >
              Delete policy
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </section>
  );
}
