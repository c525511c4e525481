//! Label move plans: the sentence and side effects the confirmation shows.
import { describe, expect, it } from "vitest";
import type { VersionSummary } from "@/ipc";
import { labelProblem, planLabelMove, planLabelRemoval } from "./labels";

const v = (id: string, ...stages: string[]): VersionSummary => ({
  versionId: id.padEnd(36, "0"),
  stages,
  createdDate: "2026-11-29T10:00:00Z",
  lastAccessedDate: null,
});

const versions = [v("cccccccc", "AWSCURRENT"), v("bbbbbbbb", "AWSPREVIOUS"), v("aaaaaaaa")];

describe("planLabelMove", () => {
  it("rolls AWSCURRENT back and says where AWSPREVIOUS goes", () => {
    const p = planLabelMove(versions, "AWSCURRENT", versions[1].versionId)!;
    expect(p.sentence).toBe("Move AWSCURRENT from cccccccc to bbbbbbbb?");
    expect(p.effects[0]).toBe("AWSPREVIOUS will move from bbbbbbbb to cccccccc.");
    expect(p.request).toEqual({
      label: "AWSCURRENT",
      moveToVersionId: versions[1].versionId,
      removeFromVersionId: versions[0].versionId,
    });
  });

  it("notes the old AWSPREVIOUS version becoming deprecated", () => {
    const p = planLabelMove(versions, "AWSCURRENT", versions[2].versionId)!;
    expect(p.effects).toContain("bbbbbbbb will have no labels left and become deprecated.");
  });

  it("attaches a label nobody holds", () => {
    const p = planLabelMove(versions, "blue", versions[2].versionId)!;
    expect(p.sentence).toBe("Attach blue to aaaaaaaa?");
    expect(p.request.removeFromVersionId).toBeNull();
  });

  it("returns null when the label is already there", () => {
    expect(planLabelMove(versions, "AWSCURRENT", versions[0].versionId)).toBeNull();
  });
});

describe("planLabelRemoval", () => {
  it("refuses AWSCURRENT", () => {
    expect(planLabelRemoval(versions, "AWSCURRENT", versions[0].versionId)).toHaveProperty(
      "problem",
    );
  });
  it("removes another label", () => {
    const p = planLabelRemoval(versions, "AWSPREVIOUS", versions[1].versionId);
    expect(p).toMatchObject({
      sentence: "Remove AWSPREVIOUS from bbbbbbbb?",
      request: { moveToVersionId: null, removeFromVersionId: versions[1].versionId },
    });
  });
});

describe("labelProblem", () => {
  it.each([
    ["", "Enter a label."],
    ["has space", "Use letters"],
    ["x".repeat(257), "at most 256"],
  ])("%j", (l, msg) => expect(labelProblem(l)).toContain(msg));
  it("accepts AWS's characters", () => expect(labelProblem("blue-green_v2@x.y")).toBeNull());
});
