//! The UI's one door to the host (STYLE principle 12). Features import from `@/ipc` (or a module
//! beside this file); ESLint refuses `@tauri-apps/*` and the bindings everywhere else.
export * from "./client";
export * from "./session";
export * from "./secrets";
export * from "./clipboard";
// H5's modules (audit, keys, access, rotation) are re-exported below as they land.
export * from "./audit";
export * from "./keys";
export * from "./access";
export * from "./rotation";
export * from "./settings";
