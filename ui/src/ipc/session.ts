//! Store lifecycle and settings: first-run creation, unlock, lock, seal, master password.
import { commands } from "./bindings";
import type { RekeyResult, Settings, StoreStatus } from "./bindings";
import { unwrap } from "./client";

export type { RekeyResult, Settings, StoreStatus, Theme } from "./bindings";

export const storeStatus = (): Promise<StoreStatus> => unwrap(commands.storeStatus());

export const createStore = (password: string): Promise<StoreStatus> =>
  unwrap(commands.createStore({ password }));

export const unlock = (password: string): Promise<StoreStatus> =>
  unwrap(commands.unlock({ password }));

export const lock = (): Promise<StoreStatus> => unwrap(commands.lock());

export const seal = (): Promise<StoreStatus> => unwrap(commands.seal());

export const changeMasterPassword = (oldPassword: string, newPassword: string): Promise<null> =>
  unwrap(commands.changeMasterPassword({ oldPassword, newPassword }));

/** A new root key, with every secret re-encrypted under it (`coffer rekey`). */
export const rekeyStore = (password: string): Promise<RekeyResult> =>
  unwrap(commands.rekeyStore({ password }));

export const getSettings = (): Promise<Settings> => unwrap(commands.getSettings());

export const setSettings = (settings: Settings): Promise<Settings> =>
  unwrap(commands.setSettings(settings));
