//! KMS-like named keys: list, create, rotate material, enable and disable.
import { commands } from "./bindings";
import type { KeyView } from "./bindings";
import { unwrap } from "./client";

export type { KeyView } from "./bindings";

export const listKeys = (): Promise<KeyView[]> => unwrap(commands.listKeys());

export const createKey = (alias: string | null, description: string | null): Promise<KeyView> =>
  unwrap(commands.createKey({ alias, description }));

/** New key material; older material stays to decrypt what it wrapped. */
export const rotateKey = (keyId: string): Promise<KeyView> => unwrap(commands.rotateKey({ keyId }));

export const setKeyEnabled = (keyId: string, enabled: boolean): Promise<KeyView> =>
  unwrap(commands.setKeyEnabled({ keyId, enabled }));
