/**
 * The rotation schedule builder's model and the AWS expressions it produces.
 *
 * A schedule is one of: `rate(N hours|days)`, AWS's six-field `cron(…)` (UTC, minutes
 * first, year last), or `AutomaticallyAfterDays`. This module only assembles and
 * disassembles those forms; whether one is valid, and when it runs next, is the engine's
 * call (`next_rotation_times`), so the UI never disagrees with the scheduler.
 */
import cronstrue from "cronstrue";

export type RateUnit = "hours" | "days";

/** The six fields of an AWS cron expression, in order. */
export interface CronFields {
  minutes: string;
  hours: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
  year: string;
}

/** What the builder edits. */
export type ScheduleDraft =
  | { kind: "rate"; value: number; unit: RateUnit }
  | { kind: "cron"; fields: CronFields }
  | { kind: "days"; days: number };

/** The RotationRules fields a draft turns into. */
export interface ScheduleRules {
  scheduleExpression: string | null;
  automaticallyAfterDays: number | null;
}

/** A sensible first cron: every day at 00:00 UTC. */
export const DEFAULT_CRON: CronFields = {
  minutes: "0",
  hours: "0",
  dayOfMonth: "*",
  month: "*",
  dayOfWeek: "?",
  year: "*",
};

/** The default schedule for a secret that has none: every 30 days, as AWS's console suggests. */
export const DEFAULT_DRAFT: ScheduleDraft = { kind: "days", days: 30 };

const CRON_ORDER: (keyof CronFields)[] = [
  "minutes",
  "hours",
  "dayOfMonth",
  "month",
  "dayOfWeek",
  "year",
];

/** `rate(12 hours)`, `rate(1 day)`: AWS accepts the singular for one. */
export function rateExpression(value: number, unit: RateUnit): string {
  const word = value === 1 ? unit.slice(0, -1) : unit;
  return `rate(${value} ${word})`;
}

/** `cron(0 4 * * ? *)`; blank fields become `*` so the expression always has six. */
export function cronExpression(fields: CronFields): string {
  const parts = CRON_ORDER.map((k) => fields[k].trim().replace(/\s+/g, "") || "*");
  return `cron(${parts.join(" ")})`;
}

/** The RotationRules for a draft. */
export function toRules(draft: ScheduleDraft): ScheduleRules {
  switch (draft.kind) {
    case "rate":
      return {
        scheduleExpression: rateExpression(draft.value, draft.unit),
        automaticallyAfterDays: null,
      };
    case "cron":
      return { scheduleExpression: cronExpression(draft.fields), automaticallyAfterDays: null };
    case "days":
      return { scheduleExpression: null, automaticallyAfterDays: draft.days };
  }
}

/**
 * The draft for stored rules. An expression this builder cannot take apart (which the
 * engine would not have stored) falls back to a cron draft holding its text, so nothing
 * is silently replaced.
 */
export function fromRules(
  scheduleExpression: string | null | undefined,
  automaticallyAfterDays: number | null | undefined,
): ScheduleDraft {
  const expr = scheduleExpression?.trim();
  if (expr) {
    const rate = /^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$/i.exec(expr);
    if (rate) {
      const unit: RateUnit = rate[2]!.toLowerCase().startsWith("hour") ? "hours" : "days";
      return { kind: "rate", value: Number(rate[1]), unit };
    }
    const cron = /^cron\((.*)\)$/i.exec(expr);
    if (cron) {
      const parts = cron[1]!.trim().split(/\s+/);
      const fields = { ...DEFAULT_CRON };
      CRON_ORDER.forEach((k, i) => {
        fields[k] = parts[i] ?? "*";
      });
      return { kind: "cron", fields };
    }
  }
  if (automaticallyAfterDays != null) return { kind: "days", days: automaticallyAfterDays };
  return DEFAULT_DRAFT;
}

/**
 * The rotation window as AWS writes it (`3h`), or `null` for the default window.
 * Returns `undefined` for text that is not a whole number of hours.
 */
export function durationValue(hours: string): string | null | undefined {
  const t = hours.trim();
  if (t === "") return null;
  if (!/^\d{1,2}$/.test(t)) return undefined;
  return `${Number(t)}h`;
}

/** The hours of a stored window (`3h` → `3`), or `""`. */
export function durationHours(duration: string | null | undefined): string {
  const m = /^(\d+)h$/.exec(duration?.trim() ?? "");
  return m ? m[1]! : "";
}

/** The cron body without `cron(` and `)`, for cronstrue. */
export function cronBody(expr: string): string | null {
  const m = /^cron\((.*)\)$/i.exec(expr.trim());
  return m ? m[1]!.trim() : null;
}

/**
 * A sentence for a schedule ("At 08:00, Monday through Friday (UTC)"). For cron it is
 * cronstrue's reading with AWS's numbering (1 = Sunday); `null` when cronstrue cannot read
 * the fields (the engine's message then says what is wrong).
 */
export function describeSchedule(draft: ScheduleDraft): string | null {
  switch (draft.kind) {
    case "days":
      return `${draft.days} day${draft.days === 1 ? "" : "s"} after the last rotation`;
    case "rate":
      return draft.value === 1
        ? `Every ${draft.unit.slice(0, -1)}`
        : `Every ${draft.value} ${draft.unit}`;
    case "cron": {
      const body = cronBody(cronExpression(draft.fields));
      if (body === null) return null;
      try {
        const text = cronstrue.toString(body, {
          dayOfWeekStartIndexZero: false,
          use24HourTimeFormat: true,
          throwExceptionOnParseError: true,
        });
        return `${text} (UTC)`;
      } catch {
        return null;
      }
    }
  }
}
