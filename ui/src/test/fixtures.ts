//! Test data shaped like the shell's DTOs.
import type { AuditEventView, SecretDetail, SecretSummary, VersionSummary } from "@/ipc";

export const arnOf = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`;

export function summary(name: string, over: Partial<SecretSummary> = {}): SecretSummary {
  return {
    arn: arnOf(name),
    name,
    description: null,
    kmsKeyId: null,
    tags: [],
    createdDate: "2026-11-01T09:00:00Z",
    lastChangedDate: "2026-11-20T09:00:00Z",
    lastAccessedDate: null,
    deletedDate: null,
    rotationEnabled: false,
    nextRotationDate: null,
    ...over,
  };
}

export const vid = (prefix: string) => `${prefix}-1111-4222-8333-444455556666`;

export function version(prefix: string, ...stages: string[]): VersionSummary {
  return {
    versionId: vid(prefix),
    stages,
    createdDate: "2026-11-20T09:00:00Z",
    lastAccessedDate: null,
  };
}

export function detail(name: string, over: Partial<SecretDetail> = {}): SecretDetail {
  return {
    ...summary(name),
    resourcePolicy: null,
    rotationLambdaArn: null,
    rotationRules: null,
    lastRotatedDate: null,
    deletionDate: null,
    versions: [version("cccccccc", "AWSCURRENT"), version("bbbbbbbb", "AWSPREVIOUS")],
    ...over,
  };
}

/** The route of a secret's page (its ARN is the id). */
export const secretPath = (name: string, tab = "") =>
  `/secrets/${encodeURIComponent(arnOf(name))}${tab ? `/${tab}` : ""}`;

/** An audit event: an allowed, successful GetSecretValue by the root, unless `over` says. */
export function auditEvent(seq: number, over: Partial<AuditEventView> = {}): AuditEventView {
  return {
    seq,
    time: "2026-01-01T00:00:00Z",
    requestId: `req-${seq}`,
    source: "ui",
    principal: "root",
    accessKeyId: null,
    action: "GetSecretValue",
    region: "us-east-1",
    resourceArn: null,
    versionId: null,
    decision: "allowed",
    reason: "account root",
    outcome: "ok",
    errorCode: null,
    clientAddr: null,
    details: "{}",
    ...over,
  };
}
