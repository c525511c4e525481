//! The app settings as one shared query, so the shell (auto-lock, clipboard timeout, theme) and
//! the Settings screen read and invalidate the same cache entry.
import { useQuery } from "@tanstack/react-query";
import { getSettings, type Settings } from "@/ipc";

export const settingsQueryKey = ["settings"] as const;

/** Used until the shell answers (and if it cannot): AWS-like safe defaults. */
export const defaultSettings: Settings = {
  autoLockMinutes: 10,
  clipboardClearSeconds: 30,
  theme: "system",
};

export function useSettings(): Settings {
  const q = useQuery({ queryKey: settingsQueryKey, queryFn: getSettings, staleTime: Infinity });
  return q.data ?? defaultSettings;
}
