//! Test-only stand-in for the shell: installs Tauri's `mockIPC` with a handler per command. A
//! handler that throws `{code, message}` becomes an error result, exactly as the shell sends it.
//! Lives in `ipc/` because only this folder may import `@tauri-apps/*`.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";

export type IpcHandler = (args: Record<string, unknown>) => unknown;

export interface IpcCall {
  cmd: string;
  args: Record<string, unknown>;
}

/** Installs the mock; returns the list that records every call (for assertions). */
export function installIpcMock(handlers: Record<string, IpcHandler>): IpcCall[] {
  const calls: IpcCall[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const handler = handlers[cmd];
    if (!handler) {
      throw { code: "Internal", message: `no mock for command ${cmd}` };
    }
    return handler(args);
  });
  return calls;
}

/** The request object a command received (commands take one argument named `req`). */
export function reqOf<T = Record<string, unknown>>(call: IpcCall): T {
  return call.args.req as T;
}

export { clearMocks };
