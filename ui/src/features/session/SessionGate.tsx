//! Decides what the window shows: first-run setup, the unlock screen, or the app.
import * as React from "react";
import { ErrorPanel } from "@/app/ErrorBoundary";
import { useStoreStatus } from "./hooks";
import { UnlockScreen } from "./UnlockScreen";

// First run only: the strength meter's dictionaries (~800 kB) stay out of every later start.
const CreateStoreScreen = React.lazy(() =>
  import("./CreateStoreScreen").then((m) => ({ default: m.CreateStoreScreen })),
);

const opening = (
  <p className="text-muted-foreground p-8 text-sm" role="status">
    Opening Coffer…
  </p>
);

export function SessionGate({ children }: { children: React.ReactNode }) {
  const status = useStoreStatus();
  if (status.isPending) return opening;
  if (status.isError) {
    return <ErrorPanel error={status.error} onRetry={() => void status.refetch()} />;
  }
  const s = status.data;
  if (!s.exists) {
    return (
      <React.Suspense fallback={opening}>
        <CreateStoreScreen path={s.path} />
      </React.Suspense>
    );
  }
  if (s.sealed || s.locked) return <UnlockScreen sealed={s.sealed} path={s.path} />;
  return <>{children}</>;
}
