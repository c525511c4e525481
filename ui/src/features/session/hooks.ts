//! Session queries and actions shared by the gate, the sidebar and the shortcuts.
import * as React from "react";
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { clearCopiedSecret, createStore, lock, storeStatus, unlock, type StoreStatus } from "@/ipc";
import { sessionQueryKey } from "@/app/query";
import { toastError } from "@/app/toast";
import { createIdleTimer } from "./idle";

export function useStoreStatus() {
  return useQuery({ queryKey: sessionQueryKey, queryFn: storeStatus, staleTime: Infinity });
}

/** Forget every cached answer but the session's: nothing about secrets outlives a lock. */
function dropData(client: QueryClient) {
  client.removeQueries({ predicate: (q) => q.queryKey[0] !== "session" });
}

function useSessionMutation(fn: (password: string) => Promise<StoreStatus>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (status) => {
      dropData(client);
      client.setQueryData(sessionQueryKey, status);
    },
  });
}

export const useUnlock = () => useSessionMutation(unlock);
export const useCreateStore = () => useSessionMutation(createStore);

/** Locks now; also clears Coffer's copy from the clipboard if it is still there. */
export function useLockAction(): () => void {
  const client = useQueryClient();
  const m = useMutation({
    mutationFn: async () => {
      await clearCopiedSecret().catch(() => undefined);
      return lock();
    },
    onSuccess: (status) => {
      dropData(client);
      client.setQueryData(sessionQueryKey, status);
    },
    onError: (err) => toastError(err, "Could not lock"),
  });
  const { mutate } = m;
  return React.useCallback(() => mutate(), [mutate]);
}

const activityEvents = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"] as const;

/** Locks after `minutes` without keyboard or pointer activity (0 = never). */
export function useIdleLock(minutes: number, onIdle: () => void): void {
  React.useEffect(() => {
    const timer = createIdleTimer(minutes * 60_000, onIdle);
    let last = 0;
    const onActivity = () => {
      // pointermove fires constantly; re-arming once a second is plenty.
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      timer.poke();
    };
    for (const ev of activityEvents) window.addEventListener(ev, onActivity, { passive: true });
    return () => {
      timer.stop();
      for (const ev of activityEvents) window.removeEventListener(ev, onActivity);
    };
  }, [minutes, onIdle]);
}
