//! Light/dark theme: follows the OS (prefers-color-scheme) unless the user picked one in
//! Settings. The choice is also kept in localStorage so the unlock screen has it before the
//! store is open.
import * as React from "react";
import type { Theme } from "@/ipc";

type Resolved = "light" | "dark";

interface ThemeState {
  preference: Theme;
  resolved: Resolved;
  setPreference: (t: Theme) => void;
}

const ThemeContext = React.createContext<ThemeState | null>(null);
const storageKey = "coffer.theme";

function readStored(): Theme {
  try {
    const v = localStorage.getItem(storageKey);
    return v === "light" || v === "dark" || v === "system" ? v : "system";
  } catch {
    return "system";
  }
}

function useSystemDark(): boolean {
  return React.useSyncExternalStore(
    (notify) => {
      const mq = window.matchMedia("(prefers-color-scheme: dark)");
      mq.addEventListener("change", notify);
      return () => mq.removeEventListener("change", notify);
    },
    () => window.matchMedia("(prefers-color-scheme: dark)").matches,
  );
}

export function ThemeProvider({ children }: { children: React.ReactNode }) {
  const [preference, setPref] = React.useState<Theme>(readStored);
  const systemDark = useSystemDark();
  const resolved: Resolved = preference === "system" ? (systemDark ? "dark" : "light") : preference;

  React.useLayoutEffect(() => {
    const root = document.documentElement;
    root.classList.toggle("dark", resolved === "dark");
    root.style.colorScheme = resolved;
  }, [resolved]);

  const setPreference = React.useCallback((t: Theme) => {
    setPref(t);
    try {
      localStorage.setItem(storageKey, t);
    } catch {
      // Storage may be unavailable; the in-memory choice still applies.
    }
  }, []);

  const value = React.useMemo(
    () => ({ preference, resolved, setPreference }),
    [preference, resolved, setPreference],
  );
  return <ThemeContext.Provider value={value}>{children}</ThemeContext.Provider>;
}

export function useTheme(): ThemeState {
  const ctx = React.useContext(ThemeContext);
  if (!ctx) throw new Error("useTheme outside ThemeProvider");
  return ctx;
}
