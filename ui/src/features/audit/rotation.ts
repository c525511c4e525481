/**
 * Rotation in the audit log: which events belong to a rotation, the step they record and the
 * execution role the step acted as.
 *
 * Every rotation step acts as an IAM role (issue 13): the role Coffer made for the secret's
 * built-in rotator (path `/coffer-rotation/`) or a registered function's own role. The
 * step's bookkeeping events (RotationStepCompleted, RotationSucceeded, RotationFailed, and
 * RotateSecret) are Coffer's and name the role in `details.executionRoleArn`; the reads and
 * writes the rotator made are events whose principal is the role itself, each with the
 * decision and the statement that decided it.
 */
import type { AuditEventView } from "@/ipc/audit";

/** The audit actions of a rotation's life (the engine's names). */
export const ROTATION_EVENTS = [
  "RotateSecret",
  "CancelRotateSecret",
  "RotationStarted",
  "RotationStepCompleted",
  "RotationSucceeded",
  "RotationFailed",
  "RotationAbandoned",
  "TestRotationStarted",
  "TestRotationSucceeded",
  "TestRotationFailed",
] as const;

const ROTATION_EVENT_SET: ReadonlySet<string> = new Set(ROTATION_EVENTS);

/** The IAM path of the roles Coffer makes for built-in rotators (`ROTATION_ROLE_PATH`). */
export const ROTATION_ROLE_PATH = "/coffer-rotation/";

/** What an event says about the rotation it belongs to. */
export interface RotationFacts {
  /** The step (`createSecret`, `setSecret`, `testSecret`, `finishSecret`), when recorded. */
  step: string | null;
  /** The execution role the step acted as, when known. */
  roleArn: string | null;
  /** True when the event is the role's own request (a read or write the rotator made). */
  byRole: boolean;
}

/** True for an IAM role's ARN (`arn:aws:iam::<account>:role/<path><name>`). */
export function isRoleArn(principal: string): boolean {
  return /^arn:aws:iam::\d{12}:role\//.test(principal);
}

/** A role ARN's name (the last path segment). */
export function roleName(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf("/") + 1);
}

function detailsOf(event: AuditEventView): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(event.details);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/**
 * The rotation facts of `event`, or null when it is not part of a rotation. A request by a
 * role counts when it came from the scheduler (an in-process rotator) or the role is one
 * Coffer made for rotation; a custom rotator's calls through the API are recognised by the
 * latter only when its function uses such a role.
 */
export function rotationFacts(event: AuditEventView): RotationFacts | null {
  const details = detailsOf(event);
  if (ROTATION_EVENT_SET.has(event.action)) {
    return {
      step: str(details.step),
      roleArn: str(details.executionRoleArn),
      byRole: false,
    };
  }
  if (
    isRoleArn(event.principal) &&
    (event.source === "scheduler" || event.principal.includes(`:role${ROTATION_ROLE_PATH}`))
  ) {
    return { step: str(details.step), roleArn: event.principal, byRole: true };
  }
  return null;
}
