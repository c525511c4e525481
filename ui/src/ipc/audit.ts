//! The audit log: pages of events, chain verification and exports. The save path comes from
//! the shell's native save dialog, never from typed text: the shell writes only the file the
//! person picked there.
import { commands } from "./bindings";
import type { AuditPageView, AuditQuery, ChainStatus } from "./bindings";
import { unwrap } from "./client";

export type { AuditEventView, AuditPageView, AuditQuery, ChainStatus } from "./bindings";

/** One page of events, newest first. */
export const listAuditEvents = (query: AuditQuery): Promise<AuditPageView> =>
  unwrap(commands.listAuditEvents(query));

/** Walks the whole MAC chain; `firstBadSeq` names where it breaks. */
export const verifyAuditChain = (): Promise<ChainStatus> => unwrap(commands.verifyAuditChain());

/** The export formats the shell writes. */
export type AuditExportFormat = "csv" | "jsonl";

/** Asks where to save an export in the shell's save dialog; the chosen path, or null when the
 * person cancels. */
export const chooseAuditExportPath = (format: AuditExportFormat): Promise<string | null> =>
  unwrap(commands.chooseAuditExportPath({ format }));

/** Writes every event matching `query` to `path` (just chosen with `chooseAuditExportPath`);
 * resolves to the number written. */
export const exportAudit = (
  query: AuditQuery,
  format: AuditExportFormat,
  path: string,
): Promise<number> => unwrap(commands.exportAudit({ query, format, path }));
