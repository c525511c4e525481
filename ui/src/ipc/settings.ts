//! The local API listener (AWS JSON 1.1 + the agent protocol). App settings themselves
//! (auto-lock, clipboard, theme) are in `./session`.
import { commands } from "./bindings";
import type { ApiStatus } from "./bindings";
import { unwrap } from "./client";

export type { ApiStatus } from "./bindings";

export const getApiStatus = (): Promise<ApiStatus> => unwrap(commands.getApiStatus());

/** Starts listening on `listen` (`127.0.0.1:4566`); off-loopback addresses get TLS. */
export const startApi = (listen: string): Promise<ApiStatus> =>
  unwrap(commands.startApi({ listen }));

export const stopApi = (): Promise<ApiStatus> => unwrap(commands.stopApi());
