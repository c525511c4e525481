//! App-wide intents raised by keyboard shortcuts ("focus the search", "new secret") and handled
//! by whichever screen owns them. An intent raised before its screen mounts (Ctrl+N from the
//! audit log navigates to Secrets first) waits until that screen picks it up.
import * as React from "react";

export type Intent = "focus-search" | "new-secret";

interface IntentBus {
  raise(intent: Intent): void;
  subscribe(intent: Intent, handler: () => void): () => void;
}

const IntentContext = React.createContext<IntentBus | null>(null);

export function IntentProvider({ children }: { children: React.ReactNode }) {
  const bus = React.useMemo<IntentBus>(() => {
    const pending = new Set<Intent>();
    const handlers = new Map<Intent, Set<() => void>>();
    return {
      raise(intent) {
        const hs = handlers.get(intent);
        if (hs && hs.size > 0) hs.forEach((h) => h());
        else pending.add(intent);
      },
      subscribe(intent, handler) {
        let hs = handlers.get(intent);
        if (!hs) handlers.set(intent, (hs = new Set()));
        hs.add(handler);
        if (pending.delete(intent)) handler();
        return () => hs.delete(handler);
      },
    };
  }, []);
  return <IntentContext.Provider value={bus}>{children}</IntentContext.Provider>;
}

function useBus(): IntentBus {
  const bus = React.useContext(IntentContext);
  if (!bus) throw new Error("intents used outside IntentProvider");
  return bus;
}

export function useRaiseIntent(): (intent: Intent) => void {
  const bus = useBus();
  return bus.raise;
}

/** Runs `handler` whenever `intent` is raised while the calling component is mounted. */
export function useIntent(intent: Intent, handler: () => void): void {
  const bus = useBus();
  const ref = React.useRef(handler);
  React.useEffect(() => {
    ref.current = handler;
  });
  React.useEffect(() => bus.subscribe(intent, () => ref.current()), [bus, intent]);
}
