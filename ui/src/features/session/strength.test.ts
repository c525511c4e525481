//! The strength wiring: zxcvbn's score reaches the form, and weak or mismatched entries block it.
import { describe, expect, it } from "vitest";
import { assessPassword, createStoreProblem, minimumLength } from "./strength";

describe("assessPassword", () => {
  it("rates an empty password as not acceptable", () => {
    expect(assessPassword("")).toMatchObject({ score: 0, label: "Empty", acceptable: false });
  });

  it("rates dictionary passwords weak, with zxcvbn's feedback", () => {
    const s = assessPassword("password123");
    expect(s.score).toBeLessThanOrEqual(1);
    expect(s.acceptable).toBe(false);
    expect(s.warning).toBeTruthy();
  });

  it("rates a long unrelated-word passphrase very strong", () => {
    const s = assessPassword("violet kettle harbour 93 ladders");
    expect(s.score).toBe(4);
    expect(s.label).toBe("Very strong");
    expect(s.acceptable).toBe(true);
  });

  it("counts user inputs (the store path) as guessable", () => {
    const alone = assessPassword("coffer-ada-store");
    const withPath = assessPassword("coffer-ada-store", ["coffer-ada-store"]);
    expect(withPath.score).toBeLessThanOrEqual(alone.score);
    expect(withPath.score).toBe(0);
  });

  it("asks for the minimum length even when the score is high", () => {
    const s = assessPassword("Zq#8v!Lp2");
    expect(s.suggestions[0]).toBe(`Use at least ${minimumLength} characters.`);
    expect(s.acceptable).toBe(false);
  });
});

describe("createStoreProblem", () => {
  const strong = "violet kettle harbour 93 ladders";
  it.each([
    ["", "", "Enter a master password."],
    ["short1!", "short1!", "at least 12 characters"],
    ["passwordpassword", "passwordpassword", "too easy to guess"],
    [strong, strong + "x", "do not match"],
  ])("refuses %j / %j", (pw, confirm, expected) => {
    expect(createStoreProblem(pw, confirm)).toContain(expected);
  });

  it("accepts a strong password typed twice", () => {
    expect(createStoreProblem(strong, strong)).toBeNull();
  });
});
