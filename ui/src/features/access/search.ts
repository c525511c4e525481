/**
 * The Access screen's URL search params, so other screens can link into it: the audit log
 * opens the role a rotation step acted as (`?principal=<arn>`), and a secret's Rotation tab
 * opens the simulator on its execution role (`?simulate=rotation&principal=…&resource=…`).
 *
 * Unknown keys and blank values are dropped, as in the audit filters.
 */

/** What the Access screen opens on. */
export interface AccessSearch {
  /** A principal's ARN: selected in Principals, or the simulator's principal. */
  principal?: string;
  /** `rotation`: the simulator checks what a rotation step does, as `principal`. */
  simulate?: "rotation";
  /** The simulated resource: the rotated secret's ARN. */
  resource?: string;
  /** The rotation's Lambda ARN (the rotator), named beside the checks. */
  rotator?: string;
}

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;

/** Reads {@link AccessSearch} from the router's search object. */
export function accessSearchFrom(search: Record<string, unknown>): AccessSearch {
  const out: AccessSearch = {};
  const principal = text(search.principal);
  if (principal) out.principal = principal;
  if (search.simulate === "rotation") out.simulate = "rotation";
  const resource = text(search.resource);
  if (resource) out.resource = resource;
  const rotator = text(search.rotator);
  if (rotator) out.rotator = rotator;
  return out;
}

/** The Lambda function name at the end of a rotator's ARN (`…:function:<name>`). */
export function rotatorName(lambdaArn: string): string {
  const i = lambdaArn.lastIndexOf(":function:");
  return i < 0 ? lambdaArn : lambdaArn.slice(i + ":function:".length);
}

/**
 * True for AWS's alternating-users strategy: such a rotator also reads the admin secret the
 * value's `masterarn` names, so its role needs GetSecretValue on that secret too.
 */
export function isMultiUserRotator(lambdaArn: string | undefined): boolean {
  return lambdaArn !== undefined && rotatorName(lambdaArn).endsWith("-multi-user");
}
