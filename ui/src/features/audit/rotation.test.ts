// Which audit events belong to a rotation, and what they say about its step and role.
import { describe, expect, it } from "vitest";

import type { AuditEventView } from "@/ipc/audit";
import { auditEvent } from "@/test/fixtures";
import { rotationFacts } from "./rotation";

const ROLE = "arn:aws:iam::123456789012:role/coffer-rotation/rotation-db-0123456789ab";
const FN_ROLE = "arn:aws:iam::123456789012:role/pg-rotator";

const event = (over: Partial<AuditEventView>) => auditEvent(1, over);

describe("rotationFacts", () => {
  it("reads the step and the execution role from a step's event", () => {
    for (const action of ["RotationStepCompleted", "RotationSucceeded", "RotationFailed"]) {
      expect(
        rotationFacts(
          event({
            action,
            principal: "coffer",
            source: "scheduler",
            details: JSON.stringify({ step: "testSecret", executionRoleArn: ROLE }),
          }),
        ),
      ).toEqual({ step: "testSecret", roleArn: ROLE, byRole: false });
    }
  });

  it("reads the role RotateSecret named, with no step", () => {
    expect(
      rotationFacts(
        event({ action: "RotateSecret", details: JSON.stringify({ executionRoleArn: FN_ROLE }) }),
      ),
    ).toEqual({ step: null, roleArn: FN_ROLE, byRole: false });
  });

  it("counts a role's request from the scheduler, or by a Coffer rotation role", () => {
    expect(rotationFacts(event({ principal: FN_ROLE, source: "scheduler" }))).toEqual({
      step: null,
      roleArn: FN_ROLE,
      byRole: true,
    });
    // A command rotator calls back through the API under a Coffer-made role.
    expect(rotationFacts(event({ principal: ROLE, source: "api" }))?.roleArn).toBe(ROLE);
  });

  it("leaves every other event alone", () => {
    expect(rotationFacts(event({ principal: FN_ROLE, source: "api" }))).toBeNull();
    expect(rotationFacts(event({ principal: "arn:aws:iam::123456789012:user/app" }))).toBeNull();
    expect(rotationFacts(event({ principal: "coffer", action: "CreateRole" }))).toBeNull();
  });

  it("tolerates details that are not an object", () => {
    expect(rotationFacts(event({ action: "RotationFailed", details: "not json" }))).toEqual({
      step: null,
      roleArn: null,
      byRole: false,
    });
  });
});
