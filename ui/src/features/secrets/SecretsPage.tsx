//! Secrets screen: search (debounced; name, description and tags), ListSecrets filters, sort,
//! the planned-deletion toggle, restore, and "New secret" (Ctrl+N).
import * as React from "react";
import { useMutation } from "@tanstack/react-query";
import { KeyRound, Plus, Search, X } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { EmptyState } from "@/app/EmptyState";
import { ErrorPanel } from "@/app/ErrorBoundary";
import { useIntent } from "@/app/intents";
import { toastError, toastSuccess } from "@/app/toast";
import { restoreSecret, type SecretSummary } from "@/ipc";
import { useDebounced } from "@/lib/useDebounced";
import {
  filterKeys,
  initialControls,
  nextSort,
  type FilterKey,
  type ListControls,
} from "./filters";
import { NewSecretDialog } from "./NewSecretDialog";
import { useInvalidateSecrets, useSecretPages } from "./queries";
import { SecretsTable } from "./SecretsTable";

export function SecretsPage() {
  const [searchText, setSearchText] = React.useState("");
  const search = useDebounced(searchText, 250);
  const [rest, setRest] = React.useState<Omit<ListControls, "search">>(initialControls);
  const controls = React.useMemo(() => ({ ...rest, search }), [rest, search]);
  const [newOpen, setNewOpen] = React.useState(false);
  const searchRef = React.useRef<HTMLInputElement>(null);

  useIntent("focus-search", () => {
    searchRef.current?.focus();
    searchRef.current?.select();
  });
  useIntent("new-secret", () => setNewOpen(true));

  const { query: pages, seat, listWindow } = useSecretPages(controls);
  const invalidate = useInvalidateSecrets();

  const restore = useMutation({
    mutationFn: (s: SecretSummary) => restoreSecret(s.arn),
    onSuccess: (ref) => {
      void invalidate();
      toastSuccess(`Restored ${ref.name}`, "Its deletion is cancelled.");
    },
    onError: (err) => toastError(err, "Could not restore the secret"),
  });
  const { mutate: restoreMutate } = restore;
  const onRestore = React.useCallback((s: SecretSummary) => restoreMutate(s), [restoreMutate]);

  const filtered = controls.search.trim() !== "" || controls.filters.length > 0;

  return (
    <div className="flex h-full flex-col">
      <header className="flex flex-col gap-3 border-b p-4">
        <div className="flex items-center gap-3">
          <h1 className="text-lg font-semibold">Secrets</h1>
          <div className="relative max-w-md flex-1">
            <Search
              className="text-muted-foreground pointer-events-none absolute top-2.5 left-2.5 size-4"
              aria-hidden
            />
            <Input
              id="secret-search"
              ref={searchRef}
              type="search"
              aria-label="Search secrets"
              placeholder="Search name, description, tags (Ctrl+K)"
              className="pl-8"
              value={searchText}
              onChange={(e) => setSearchText(e.target.value)}
            />
          </div>
          <div className="ml-auto flex items-center gap-2">
            <Switch
              id="show-deleted"
              checked={rest.includePlannedDeletion}
              onCheckedChange={(v) => setRest((r) => ({ ...r, includePlannedDeletion: v }))}
            />
            <Label htmlFor="show-deleted">Show planned deletions</Label>
          </div>
          <Button onClick={() => setNewOpen(true)}>
            <Plus />
            New secret
          </Button>
        </div>
        <FilterBar
          filters={rest.filters}
          onChange={(filters) => setRest((r) => ({ ...r, filters }))}
        />
      </header>
      {pages.isError ? (
        <ErrorPanel error={pages.error} onRetry={() => void pages.refetch()} />
      ) : seat.isError ? (
        <ErrorPanel error={seat.error} onRetry={() => seat.reset()} />
      ) : pages.isPending ? (
        <p role="status" className="text-muted-foreground p-6 text-sm">
          Loading secrets…
        </p>
      ) : listWindow.firstRow === 0 && listWindow.rows.length === 0 ? (
        filtered ? (
          <EmptyState icon={<Search />} title="No secret matches">
            Nothing matches the search or filters. Clear them to see every secret
            {rest.includePlannedDeletion ? "" : ", or show planned deletions"}.
          </EmptyState>
        ) : (
          <EmptyState
            icon={<KeyRound />}
            title="No secrets yet"
            action={
              <Button onClick={() => setNewOpen(true)}>
                <Plus />
                New secret
              </Button>
            }
          >
            Store a database password, an API key or any text. Applications read it through the
            AWS-compatible API; you manage it here.
          </EmptyState>
        )
      ) : (
        <SecretsTable
          list={listWindow}
          controls={controls}
          onSort={(c) => setRest((r) => ({ ...r, ...nextSort(controls, c) }))}
          onRestore={onRestore}
        />
      )}
      <NewSecretDialog open={newOpen} onOpenChange={setNewOpen} />
    </div>
  );
}

function FilterBar({
  filters,
  onChange,
}: {
  filters: ListControls["filters"];
  onChange: (f: ListControls["filters"]) => void;
}) {
  const [key, setKey] = React.useState<FilterKey>("tag-key");
  const [value, setValue] = React.useState("");
  const add = (e: React.FormEvent) => {
    e.preventDefault();
    if (!value.trim()) return;
    onChange([...filters, { key, value: value.trim() }]);
    setValue("");
  };
  const labelOf = (k: FilterKey) => filterKeys.find((f) => f.key === k)?.label ?? k;
  return (
    <form className="flex flex-wrap items-center gap-2" onSubmit={add} aria-label="Filters">
      <Select value={key} onValueChange={(v) => setKey(v as FilterKey)}>
        <SelectTrigger aria-label="Filter field" className="w-40">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          {filterKeys.map((f) => (
            <SelectItem key={f.key} value={f.key}>
              {f.label}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
      <Input
        aria-label="Filter value"
        placeholder="Value (prefix match)"
        className="w-56"
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <Button type="submit" variant="outline" size="sm">
        Add filter
      </Button>
      {filters.map((f, i) => (
        <Badge
          key={`${f.key}-${f.value}-${i}`}
          variant="secondary"
          className="max-w-full gap-1 pr-0.5 break-all whitespace-normal"
        >
          <span>
            {labelOf(f.key)}: {f.value}
          </span>
          <button
            type="button"
            aria-label={`Remove filter ${labelOf(f.key)}: ${f.value}`}
            className="hover:bg-muted rounded p-0.5"
            onClick={() => onChange(filters.filter((_, j) => j !== i))}
          >
            <X className="size-3" />
          </button>
        </Badge>
      ))}
    </form>
  );
}
