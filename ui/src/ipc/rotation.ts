//! Rotation: a secret's configuration and state, rotate now, cancel, history, the rotators
//! (addressed as Lambda ARNs) and the engine's next run times for a schedule.
import { commands } from "./bindings";
import type { RotationRunView, RotationView, RotatorView, SecretRefView } from "./bindings";
import { unwrap } from "./client";

export type { RotationRunView, RotationState, RotationView, RotatorView } from "./bindings";

export const getRotation = (secretId: string): Promise<RotationView> =>
  unwrap(commands.getRotation({ secretId }));

/** AWS RotateSecret: sets the rotator and rules, and rotates now when `rotateImmediately`. */
export const rotateSecret = (req: {
  secretId: string;
  lambdaArn: string | null;
  scheduleExpression: string | null;
  automaticallyAfterDays: number | null;
  duration: string | null;
  rotateImmediately: boolean;
}): Promise<SecretRefView> => unwrap(commands.rotateSecret(req));

/** AWS CancelRotateSecret: turns rotation off (the rules are kept). */
export const cancelRotateSecret = (secretId: string): Promise<null> =>
  unwrap(commands.cancelRotateSecret({ secretId }));

export const rotationHistory = (secretId: string): Promise<RotationRunView[]> =>
  unwrap(commands.rotationHistory({ secretId }));

/** The engine's next run times; rejects an invalid schedule with AWS's message. */
export const nextRotationTimes = (
  scheduleExpression: string | null,
  automaticallyAfterDays: number | null,
  count = 5,
): Promise<string[]> =>
  unwrap(commands.nextRotationTimes({ scheduleExpression, automaticallyAfterDays, count }));

export const listRotators = (): Promise<RotatorView[]> => unwrap(commands.listRotators());
