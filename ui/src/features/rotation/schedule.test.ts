// Building and reading rotation schedules (the engine validates them).
import { describe, expect, it } from "vitest";

import {
  DEFAULT_CRON,
  DEFAULT_DRAFT,
  cronBody,
  cronExpression,
  describeSchedule,
  durationHours,
  durationValue,
  fromRules,
  rateExpression,
  toRules,
} from "./schedule";

describe("schedule expressions", () => {
  it("writes rate() with AWS's singular for one", () => {
    expect(rateExpression(12, "hours")).toBe("rate(12 hours)");
    expect(rateExpression(1, "days")).toBe("rate(1 day)");
    expect(rateExpression(10, "days")).toBe("rate(10 days)");
  });

  it("writes six cron fields, blank ones as *", () => {
    expect(cronExpression(DEFAULT_CRON)).toBe("cron(0 0 * * ? *)");
    expect(
      cronExpression({ ...DEFAULT_CRON, hours: " 4/12 ", dayOfWeek: "", dayOfMonth: "L" }),
    ).toBe("cron(0 4/12 L * * *)");
  });

  it("turns each draft into RotationRules", () => {
    expect(toRules({ kind: "rate", value: 6, unit: "hours" })).toEqual({
      scheduleExpression: "rate(6 hours)",
      automaticallyAfterDays: null,
    });
    expect(toRules({ kind: "days", days: 30 })).toEqual({
      scheduleExpression: null,
      automaticallyAfterDays: 30,
    });
    expect(
      toRules({ kind: "cron", fields: { ...DEFAULT_CRON, dayOfWeek: "SUN#1", dayOfMonth: "?" } })
        .scheduleExpression,
    ).toBe("cron(0 0 ? * SUN#1 *)");
  });

  it("reads stored rules back into a draft", () => {
    expect(fromRules("rate(1 day)", null)).toEqual({ kind: "rate", value: 1, unit: "days" });
    expect(fromRules("rate(4 hours)", null)).toEqual({ kind: "rate", value: 4, unit: "hours" });
    expect(fromRules("cron(0 8 ? * MON-FRI *)", null)).toEqual({
      kind: "cron",
      fields: {
        minutes: "0",
        hours: "8",
        dayOfMonth: "?",
        month: "*",
        dayOfWeek: "MON-FRI",
        year: "*",
      },
    });
    expect(fromRules(null, 7)).toEqual({ kind: "days", days: 7 });
    expect(fromRules(null, null)).toEqual(DEFAULT_DRAFT);
  });

  it("round-trips every form", () => {
    for (const expr of ["rate(10 days)", "cron(0 4/12 * * ? *)", "cron(0 16 L * ? *)"]) {
      expect(toRules(fromRules(expr, null)).scheduleExpression).toBe(expr);
    }
  });
});

describe("the rotation window", () => {
  it("is whole hours or the default", () => {
    expect(durationValue("3")).toBe("3h");
    expect(durationValue("")).toBeNull();
    expect(durationValue("2.5")).toBeUndefined();
    expect(durationValue("abc")).toBeUndefined();
    expect(durationHours("4h")).toBe("4");
    expect(durationHours(null)).toBe("");
  });

  it("extracts the cron body for a human sentence", () => {
    expect(cronBody("cron(0 8 ? * MON-FRI *)")).toBe("0 8 ? * MON-FRI *");
    expect(cronBody("rate(1 day)")).toBeNull();
  });
});

describe("schedule sentences", () => {
  it("reads AWS cron with 1 = Sunday, in UTC", () => {
    const cron = (over: Partial<typeof DEFAULT_CRON>) =>
      describeSchedule({ kind: "cron", fields: { ...DEFAULT_CRON, ...over } });
    expect(cron({ hours: "8", dayOfMonth: "?", dayOfWeek: "MON-FRI" })).toBe(
      "At 08:00, Monday through Friday (UTC)",
    );
    expect(cron({ hours: "10", dayOfMonth: "?", dayOfWeek: "2#1" })).toBe(
      "At 10:00, on the first Monday of the month (UTC)",
    );
    expect(cron({ hours: "16", dayOfMonth: "L" })).toBe(
      "At 16:00, on the last day of the month (UTC)",
    );
    expect(cron({ hours: "not-an-hour" })).toBeNull();
  });

  it("says what rate and AutomaticallyAfterDays mean", () => {
    expect(describeSchedule({ kind: "rate", value: 12, unit: "hours" })).toBe("Every 12 hours");
    expect(describeSchedule({ kind: "rate", value: 1, unit: "days" })).toBe("Every day");
    expect(describeSchedule({ kind: "days", days: 30 })).toBe("30 days after the last rotation");
  });
});
