//! Decides what the window shows: first-run setup, the unlock screen, or the app.
import * as React from "react";
import { ErrorPanel } from "@/app/ErrorBoundary";
import { CreateStoreScreen } from "./CreateStoreScreen";
import { useStoreStatus } from "./hooks";
import { UnlockScreen } from "./UnlockScreen";

export function SessionGate({ children }: { children: React.ReactNode }) {
  const status = useStoreStatus();
  if (status.isPending) {
    return (
      <p className="text-muted-foreground p-8 text-sm" role="status">
        Opening Coffer…
      </p>
    );
  }
  if (status.isError) {
    return <ErrorPanel error={status.error} onRetry={() => void status.refetch()} />;
  }
  const s = status.data;
  if (!s.exists) return <CreateStoreScreen path={s.path} />;
  if (s.sealed || s.locked) return <UnlockScreen sealed={s.sealed} path={s.path} />;
  return <>{children}</>;
}
