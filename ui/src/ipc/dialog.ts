//! Native file dialogs (the shell grants only `save`).
import { save } from "@tauri-apps/plugin-dialog";
import { toIpcError } from "./client";

export interface SaveFilter {
  name: string;
  extensions: string[];
}

/** Asks where to save; resolves to the chosen path, or null when the user cancels. */
export async function chooseSavePath(opts: {
  title: string;
  defaultPath?: string;
  filters?: SaveFilter[];
}): Promise<string | null> {
  try {
    return await save({ title: opts.title, defaultPath: opts.defaultPath, filters: opts.filters });
  } catch (e) {
    throw toIpcError(e);
  }
}
