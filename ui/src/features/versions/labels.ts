//! Staging-label moves planned before they are made, so the confirmation can say exactly what
//! will move where. Mirrors AWS UpdateSecretVersionStage: moving AWSCURRENT makes AWS attach
//! AWSPREVIOUS to the version that held AWSCURRENT; a version left with no label is deprecated.
import type { MoveStagingLabelRequest, VersionSummary } from "@/ipc";

export const CURRENT = "AWSCURRENT";
export const PREVIOUS = "AWSPREVIOUS";
export const PENDING = "AWSPENDING";

/** The short form people compare at a glance (version ids are UUIDs). */
export function shortId(versionId: string): string {
  return versionId.slice(0, 8);
}

export interface LabelPlan {
  /** The question the confirmation asks. */
  sentence: string;
  /** What else happens, one sentence each. */
  effects: string[];
  request: Omit<MoveStagingLabelRequest, "secretId">;
}

function holderOf(versions: VersionSummary[], label: string): VersionSummary | undefined {
  return versions.find((v) => v.stages.includes(label));
}

/** Plans moving `label` onto `toVersionId`; null when it is already there. */
export function planLabelMove(
  versions: VersionSummary[],
  label: string,
  toVersionId: string,
): LabelPlan | null {
  const from = holderOf(versions, label);
  if (from?.versionId === toVersionId) return null;
  const to = shortId(toVersionId);
  const effects: string[] = [];
  if (label === CURRENT && from) {
    const prev = holderOf(versions, PREVIOUS);
    effects.push(
      prev && prev.versionId !== from.versionId
        ? `${PREVIOUS} will move from ${shortId(prev.versionId)} to ${shortId(from.versionId)}.`
        : `${PREVIOUS} will be attached to ${shortId(from.versionId)}.`,
    );
    if (prev && prev.versionId !== from.versionId && prev.versionId !== toVersionId) {
      if (prev.stages.every((s) => s === PREVIOUS)) {
        effects.push(`${shortId(prev.versionId)} will have no labels left and become deprecated.`);
      }
    }
    effects.push(`Applications reading ${CURRENT} will get version ${to} from now on.`);
  } else if (from && from.stages.every((s) => s === label)) {
    effects.push(`${shortId(from.versionId)} will have no labels left and become deprecated.`);
  }
  return {
    sentence: from
      ? `Move ${label} from ${shortId(from.versionId)} to ${to}?`
      : `Attach ${label} to ${to}?`,
    effects,
    request: { label, moveToVersionId: toVersionId, removeFromVersionId: from?.versionId ?? null },
  };
}

/** Plans removing `label` from a version. AWSCURRENT cannot be removed, only moved. */
export function planLabelRemoval(
  versions: VersionSummary[],
  label: string,
  fromVersionId: string,
): LabelPlan | { problem: string } {
  if (label === CURRENT) {
    return { problem: `${CURRENT} cannot be removed; move it to another version instead.` };
  }
  const v = versions.find((x) => x.versionId === fromVersionId);
  const effects =
    v && v.stages.every((s) => s === label)
      ? [`${shortId(fromVersionId)} will have no labels left and become deprecated.`]
      : [];
  return {
    sentence: `Remove ${label} from ${shortId(fromVersionId)}?`,
    effects,
    request: { label, moveToVersionId: null, removeFromVersionId: fromVersionId },
  };
}

/** A valid custom staging label: 1–256 characters, AWS's character set. */
export function labelProblem(label: string): string | null {
  if (!label) return "Enter a label.";
  if (label.length > 256) return "A staging label has at most 256 characters.";
  if (!/^[\w+=,.@-]+$/.test(label)) {
    return "Use letters, digits and + = , . @ _ - only.";
  }
  return null;
}
