//! Store lifecycle and settings: first-run creation, unlock, lock, seal, master password.
import { commands } from "./bindings";
import type { Settings, StoreStatus } from "./bindings";
import { unwrap } from "./client";

export type { Settings, StoreStatus, Theme } from "./bindings";

export const storeStatus = (): Promise<StoreStatus> => unwrap(commands.storeStatus());

export const createStore = (password: string): Promise<StoreStatus> =>
  unwrap(commands.createStore({ password }));

export const unlock = (password: string): Promise<StoreStatus> =>
  unwrap(commands.unlock({ password }));

export const lock = (): Promise<StoreStatus> => unwrap(commands.lock());

export const seal = (): Promise<StoreStatus> => unwrap(commands.seal());

export const changeMasterPassword = (oldPassword: string, newPassword: string): Promise<null> =>
  unwrap(commands.changeMasterPassword({ oldPassword, newPassword }));

export const getSettings = (): Promise<Settings> => unwrap(commands.getSettings());

export const setSettings = (settings: Settings): Promise<Settings> =>
  unwrap(commands.setSettings(settings));
