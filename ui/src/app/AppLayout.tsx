//! The unlocked window: sidebar navigation, global shortcuts, idle auto-lock, and the routed page.
import * as React from "react";
import { Link, Outlet, useNavigate } from "@tanstack/react-router";
import { useQuery } from "@tanstack/react-query";
import { KeyRound, KeySquare, Lock, ScrollText, Settings, Shield, Keyboard } from "lucide-react";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
} from "@/components/ui/dialog";
import { getSettings } from "@/ipc";
import { matchShortcut, shortcutList } from "@/lib/shortcuts";
import { useIdleLock, useLockAction } from "@/features/session/hooks";
import { useRaiseIntent } from "./intents";
import { defaultSettings, settingsQueryKey } from "./settings";
import { useTheme } from "./theme";

const nav = [
  { to: "/", label: "Secrets", icon: KeyRound, exact: false },
  { to: "/audit", label: "Audit log", icon: ScrollText, exact: false },
  { to: "/keys", label: "Keys", icon: KeySquare, exact: false },
  { to: "/access", label: "Access", icon: Shield, exact: false },
  { to: "/settings", label: "Settings", icon: Settings, exact: false },
] as const;

export function AppLayout() {
  const lockNow = useLockAction();
  const navigate = useNavigate();
  const raise = useRaiseIntent();
  const [helpOpen, setHelpOpen] = React.useState(false);
  const { setPreference } = useTheme();
  const settingsQuery = useQuery({
    queryKey: settingsQueryKey,
    queryFn: getSettings,
    staleTime: Infinity,
  });
  const settings = settingsQuery.data ?? defaultSettings;

  React.useEffect(() => {
    if (settingsQuery.data) setPreference(settingsQuery.data.theme);
  }, [settingsQuery.data, setPreference]);

  useIdleLock(settings.autoLockMinutes, lockNow);

  React.useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = matchShortcut(e);
      if (!action) return;
      e.preventDefault();
      switch (action) {
        case "lock":
          lockNow();
          break;
        case "search":
          raise("focus-search");
          void navigate({ to: "/" });
          break;
        case "new-secret":
          raise("new-secret");
          void navigate({ to: "/" });
          break;
        case "help":
          setHelpOpen(true);
          break;
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [lockNow, navigate, raise]);

  return (
    <div className="flex h-full">
      <aside className="bg-sidebar text-sidebar-foreground border-sidebar-border flex w-52 shrink-0 flex-col border-r">
        <div className="flex items-center gap-2 px-4 py-4 font-semibold">
          <KeyRound className="size-5" aria-hidden />
          Coffer
        </div>
        <nav aria-label="Main" className="flex flex-1 flex-col gap-0.5 px-2">
          {nav.map((item) => (
            <Link
              key={item.to}
              to={item.to}
              activeOptions={{ exact: item.to === "/" ? false : item.exact }}
              className="hover:bg-sidebar-accent data-[status=active]:bg-sidebar-accent focus-visible:ring-ring/50 flex items-center gap-2 rounded-md px-3 py-2 text-sm outline-none focus-visible:ring-[3px] data-[status=active]:font-medium"
            >
              <item.icon className="size-4" aria-hidden />
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="flex flex-col gap-1 p-2">
          <Button variant="ghost" className="justify-start" onClick={() => setHelpOpen(true)}>
            <Keyboard aria-hidden />
            Shortcuts
          </Button>
          <Button variant="outline" className="justify-start" onClick={lockNow}>
            <Lock aria-hidden />
            Lock
            <kbd className="text-muted-foreground ml-auto text-xs">Ctrl+L</kbd>
          </Button>
        </div>
      </aside>
      <main className="min-w-0 flex-1 overflow-hidden">
        <Outlet />
      </main>
      <Dialog open={helpOpen} onOpenChange={setHelpOpen}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Keyboard shortcuts</DialogTitle>
            <DialogDescription>
              Cmd works in place of Ctrl. Tab and Shift+Tab reach every control; Enter or Space
              activates it; Escape closes dialogs and menus.
            </DialogDescription>
          </DialogHeader>
          <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
            {shortcutList.map((s) => (
              <React.Fragment key={s.keys}>
                <dt>
                  <kbd className="bg-muted rounded px-1.5 py-0.5 font-mono text-xs">{s.keys}</kbd>
                </dt>
                <dd>{s.description}</dd>
              </React.Fragment>
            ))}
          </dl>
        </DialogContent>
      </Dialog>
    </div>
  );
}
