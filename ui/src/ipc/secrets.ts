//! Secrets, versions, staging labels, diffs and generated passwords. Thin wrappers: requests are
//! the generated DTOs, so a contract change shows up here as a type error.
import { commands } from "./bindings";
import type {
  CreateSecretRequest,
  DeleteSecretRequest,
  DeletionView,
  DiffVersionsRequest,
  GetRandomPasswordRequest,
  GetSecretValueRequest,
  ListSecretsRequest,
  MoveStagingLabelRequest,
  PutSecretValueRequest,
  SecretDetail,
  SecretPage,
  SecretRefView,
  SecretValueView,
  Tag,
  UpdateSecretRequest,
  VersionDiff,
  VersionSummary,
} from "./bindings";
import { unwrap } from "./client";

export type {
  CreateSecretRequest,
  DeletionView,
  MoveStagingLabelRequest,
  DiffEntry,
  DiffChange,
  DiffVersionsRequest,
  Filter,
  ListSecretsRequest,
  SecretDetail,
  SecretPage,
  SecretRefView,
  SecretSummary,
  SecretValueView,
  SortBy,
  SortOrder,
  Tag,
  VersionDiff,
  VersionSummary,
} from "./bindings";

export const listSecrets = (req: ListSecretsRequest): Promise<SecretPage> =>
  unwrap(commands.listSecrets(req));

export const describeSecret = (secretId: string): Promise<SecretDetail> =>
  unwrap(commands.describeSecret({ secretId }));

export const listVersions = (
  secretId: string,
  includeDeprecated: boolean,
): Promise<VersionSummary[]> => unwrap(commands.listVersions({ secretId, includeDeprecated }));

/** Reads a value. Only call on an explicit user action (reveal, copy, edit): it is audited. */
export const getSecretValue = (req: GetSecretValueRequest): Promise<SecretValueView> =>
  unwrap(commands.getSecretValue(req));

export const createSecret = (req: CreateSecretRequest): Promise<SecretRefView> =>
  unwrap(commands.createSecret(req));

export const putSecretValue = (req: PutSecretValueRequest): Promise<SecretRefView> =>
  unwrap(commands.putSecretValue(req));

export const updateSecret = (req: UpdateSecretRequest): Promise<SecretRefView> =>
  unwrap(commands.updateSecret(req));

export const deleteSecret = (req: DeleteSecretRequest): Promise<DeletionView> =>
  unwrap(commands.deleteSecret(req));

export const restoreSecret = (secretId: string): Promise<SecretRefView> =>
  unwrap(commands.restoreSecret({ secretId }));

export const tagSecret = (secretId: string, tags: Tag[]): Promise<null> =>
  unwrap(commands.tagSecret({ secretId, tags }));

export const untagSecret = (secretId: string, tagKeys: string[]): Promise<null> =>
  unwrap(commands.untagSecret({ secretId, tagKeys }));

export const moveStagingLabel = (req: MoveStagingLabelRequest): Promise<null> =>
  unwrap(commands.moveStagingLabel(req));

export const diffVersions = (req: DiffVersionsRequest): Promise<VersionDiff> =>
  unwrap(commands.diffVersions(req));

export const getRandomPassword = (req: GetRandomPasswordRequest): Promise<string> =>
  unwrap(commands.getRandomPassword(req));

/** AWS's defaults for GetRandomPassword: 32 characters of every kind. */
export const defaultPasswordRequest: GetRandomPasswordRequest = {
  passwordLength: 32,
  excludeCharacters: null,
  excludeNumbers: false,
  excludePunctuation: false,
  excludeUppercase: false,
  excludeLowercase: false,
  includeSpace: false,
  requireEachIncludedType: true,
};
