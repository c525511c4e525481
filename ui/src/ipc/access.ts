//! Identity and access: principals, group membership, access keys, inline policies, policy
//! validation and the simulator.
import { commands } from "./bindings";
import type {
  AccessKeyView,
  ContextEntry,
  InlinePolicyView,
  NewAccessKeyView,
  PolicyValidation,
  PrincipalKind,
  PrincipalView,
  SimulationView,
} from "./bindings";
import { unwrap } from "./client";

export type {
  AccessKeyView,
  ContextEntry,
  InlinePolicyView,
  MatchedStatement,
  NewAccessKeyView,
  PolicyKind,
  PolicyValidation,
  PolicyValidationError,
  PrincipalKind,
  PrincipalView,
  SimulationDecision,
  SimulationView,
} from "./bindings";

export const listPrincipals = (): Promise<PrincipalView[]> => unwrap(commands.listPrincipals());

export const createPrincipal = (kind: PrincipalKind, name: string): Promise<PrincipalView> =>
  unwrap(commands.createPrincipal({ kind, name }));

export const deletePrincipal = (kind: PrincipalKind, name: string): Promise<null> =>
  unwrap(commands.deletePrincipal({ kind, name }));

export const listInlinePolicies = (
  kind: PrincipalKind,
  name: string,
): Promise<InlinePolicyView[]> => unwrap(commands.listInlinePolicies({ kind, name }));

export const putInlinePolicy = (
  kind: PrincipalKind,
  name: string,
  policyName: string,
  document: string,
): Promise<null> => unwrap(commands.putInlinePolicy({ kind, name, policyName, document }));

export const deleteInlinePolicy = (
  kind: PrincipalKind,
  name: string,
  policyName: string,
): Promise<null> => unwrap(commands.deleteInlinePolicy({ kind, name, policyName }));

export const listGroupMembers = (group: string): Promise<string[]> =>
  unwrap(commands.listGroupMembers({ group }));

export const setGroupMembership = (user: string, group: string, member: boolean): Promise<null> =>
  unwrap(commands.setGroupMembership({ user, group, member }));

export const listAccessKeys = (userName: string): Promise<AccessKeyView[]> =>
  unwrap(commands.listAccessKeys({ userName }));

/** Creates a key; the secret in the result exists nowhere else afterwards: show it once. */
export const createAccessKey = (userName: string): Promise<NewAccessKeyView> =>
  unwrap(commands.createAccessKey({ userName }));

export const setAccessKeyStatus = (
  userName: string,
  accessKeyId: string,
  active: boolean,
): Promise<null> => unwrap(commands.setAccessKeyStatus({ userName, accessKeyId, active }));

export const deleteAccessKey = (userName: string, accessKeyId: string): Promise<null> =>
  unwrap(commands.deleteAccessKey({ userName, accessKeyId }));

/** Checks a policy document; identity policies ignore `secretId`. */
export const validatePolicy = (
  policy: string,
  kind: "identity" | "resource",
  secretId: string | null = null,
): Promise<PolicyValidation> => unwrap(commands.validatePolicy({ policy, kind, secretId }));

export const simulatePolicy = (req: {
  principalArn: string;
  action: string;
  resourceArn: string;
  context: ContextEntry[];
}): Promise<SimulationView> => unwrap(commands.simulatePolicy(req));

/** A secret's resource policy (JSON text), or null when it has none. */
export const getSecretResourcePolicy = (secretId: string): Promise<string | null> =>
  unwrap(commands.getResourcePolicy({ secretId }));

/** AWS PutResourcePolicy; `blockPublicPolicy` refuses a policy that opens the secret widely. */
export const putSecretResourcePolicy = (
  secretId: string,
  policy: string,
  blockPublicPolicy: boolean,
): Promise<null> => unwrap(commands.putResourcePolicy({ secretId, policy, blockPublicPolicy }));

export const deleteSecretResourcePolicy = (secretId: string): Promise<null> =>
  unwrap(commands.deleteResourcePolicy({ secretId }));
