//! Renders the whole app (providers, session gate, router) against a mocked shell, at a given
//! route, so component tests use it the way a person does.
import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createMemoryHistory } from "@tanstack/react-router";
import { App } from "@/app/App";
import { createQueryClient } from "@/app/query";
import { installIpcMock, type IpcCall, type IpcHandler } from "@/ipc/mock";
import { createAppRouter } from "@/router";
import type { Settings, StoreStatus } from "@/ipc";

export const unlockedStatus: StoreStatus = {
  path: "/home/ada/.local/share/coffer/store.db",
  exists: true,
  sealed: false,
  locked: false,
  accountId: "111122223333",
  region: "us-east-1",
};

export const testSettings: Settings = {
  autoLockMinutes: 0,
  clipboardClearSeconds: 30,
  theme: "system",
};

export function renderApp(opts: { path?: string; ipc?: Record<string, IpcHandler> } = {}) {
  const calls: IpcCall[] = installIpcMock({
    store_status: () => unlockedStatus,
    get_settings: () => testSettings,
    ...opts.ipc,
  });
  const queryClient = createQueryClient();
  const router = createAppRouter(createMemoryHistory({ initialEntries: [opts.path ?? "/"] }));
  const user = userEvent.setup();
  // Like index.html: the app fills a #root as tall as the window, so the list virtualizes.
  const root = document.createElement("div");
  root.id = "root";
  document.body.appendChild(root);
  const result = render(<App queryClient={queryClient} router={router} />, { container: root });
  return { ...result, calls, router, queryClient, user };
}

/** The calls made to one command, in order. */
export function callsTo(calls: IpcCall[], cmd: string): IpcCall[] {
  return calls.filter((c) => c.cmd === cmd);
}
