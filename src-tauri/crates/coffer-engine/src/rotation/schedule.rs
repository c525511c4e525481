//! Rotation schedules, AWS-exact: `AutomaticallyAfterDays`, `rate(N hours|days)`, AWS's
//! six-field `cron(…)`, and the `Duration` window (reference §7.7).
//!
//! Calendar math is `croner`'s, configured Quartz-style (crate-notes §2): seconds are
//! required (AWS's six fields get a `"0 "` prefix), the year field is read, weekdays count
//! 1 = SUN … 7 = SAT, and `a/b` steps are accepted. What croner does differently from AWS
//! is refused before it is asked: a minute other than `0`, a year other than `*`, and a
//! day-of-month and day-of-week both set (croner would OR them; AWS requires one `?`).
//!
//! A schedule names window *starts*; the engine rotates at the start of each window (AWS
//! picks a random moment inside it — starting at the beginning keeps runs reproducible).
//! Syntactic errors (lengths, character set, ranges of numbers) are `ValidationException`,
//! as AWS's request validation reports them; a well-formed but unusable schedule is
//! `InvalidParameterException`.

use chrono::{DateTime, Duration, DurationRound, Timelike, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::error::{Error, ErrorCode, Result};

/// RotationRules as given to RotateSecret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationRules {
    /// Days between rotations, 1–1000, counted from the last rotation.
    pub automatically_after_days: Option<i64>,
    /// The window length, `Nh` (1–24 hours).
    pub duration: Option<String>,
    /// `rate(…)` or `cron(…)`.
    pub schedule_expression: Option<String>,
}

/// A parsed `rate(…)` / `cron(…)` / AutomaticallyAfterDays schedule with its window.
#[derive(Debug, Clone)]
pub struct Schedule {
    kind: Kind,
    window: Duration,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Every `n` days, windows starting at midnight UTC.
    Days(i64),
    /// Every `n` hours, windows starting on the hour.
    Hours(i64),
    /// A cron expression (the AWS text and croner's parse of it).
    Cron(Box<Cron>),
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidParameter, message)
}

fn validation(value: &str, member: &str, constraint: &str) -> Error {
    Error::new(
        ErrorCode::Validation,
        format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ),
    )
}

/// The croner parser configured to read AWS's cron dialect (crate-notes §2).
fn aws_parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Optional)
        .alternative_weekdays(true)
        .sloppy_ranges(true)
        .build()
}

impl Schedule {
    /// Validates RotationRules and returns the schedule, or `None` when the rules name no
    /// schedule at all (rotation only on demand).
    pub fn from_rules(rules: &RotationRules) -> Result<Option<Schedule>> {
        if let Some(d) = rules.automatically_after_days {
            if d < 1 {
                return Err(validation(
                    &d.to_string(),
                    "rotationRules.automaticallyAfterDays",
                    "Member must have value greater than or equal to 1",
                ));
            }
            if d > 1000 {
                return Err(validation(
                    &d.to_string(),
                    "rotationRules.automaticallyAfterDays",
                    "Member must have value less than or equal to 1000",
                ));
            }
        }
        if let Some(e) = &rules.schedule_expression {
            let n = e.chars().count();
            if !(1..=256).contains(&n) {
                return Err(validation(
                    e,
                    "rotationRules.scheduleExpression",
                    "Member must have length between 1 and 256",
                ));
            }
            if !e
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "()#?*-/, ".contains(c))
            {
                return Err(validation(
                    e,
                    "rotationRules.scheduleExpression",
                    "Member must satisfy regular expression pattern: [0-9A-Za-z\\(\\)#\\?\\*\\-\\/, ]+",
                ));
            }
        }
        let window_hours = match &rules.duration {
            None => None,
            Some(d) => Some(parse_duration(d)?),
        };
        let kind = match (rules.automatically_after_days, &rules.schedule_expression) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "You cannot specify both rotation frequency and schedule expression together.",
                ));
            }
            (Some(days), None) => Kind::Days(days),
            (None, Some(expr)) => parse_expression(expr)?,
            (None, None) => {
                if rules.duration.is_some() {
                    return Err(invalid(
                        "A rotation window Duration needs a schedule: give AutomaticallyAfterDays or ScheduleExpression too.",
                    ));
                }
                return Ok(None);
            }
        };
        let schedule = Schedule {
            window: Duration::hours(window_hours.unwrap_or(0)),
            kind,
        };
        Ok(Some(schedule.with_window(window_hours)?))
    }

    /// Parses a schedule expression alone (`coffer rotation next`), with the default window.
    pub fn parse(expression: &str) -> Result<Schedule> {
        Schedule::from_rules(&RotationRules {
            schedule_expression: Some(expression.to_owned()),
            ..RotationRules::default()
        })
        .map(|s| s.expect("an expression always gives a schedule"))
    }

    /// The rotation window: how long after each start a rotation may still begin.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Sets the window (given, or AWS's default) and checks it fits: inside the UTC day of
    /// its start, and ending before the next window starts.
    fn with_window(mut self, hours: Option<i64>) -> Result<Schedule> {
        let given = hours.is_some();
        let base = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_454); // 2026-01-01
        let starts = self.next_runs(base, 64);
        let default = match &self.kind {
            Kind::Hours(_) => Duration::hours(1),
            Kind::Days(_) => Duration::hours(24),
            Kind::Cron(_) => {
                // Several windows on one day: 1 hour; else the rest of the day.
                let several = starts
                    .windows(2)
                    .any(|w| w[0].date_naive() == w[1].date_naive());
                if several {
                    Duration::hours(1)
                } else {
                    let first = starts.first().copied().unwrap_or(base);
                    Duration::hours(24 - i64::from(first.hour()))
                }
            }
        };
        self.window = hours.map(Duration::hours).unwrap_or(default);
        if given {
            for (i, start) in starts.iter().enumerate() {
                let end = *start + self.window;
                let midnight =
                    start.duration_trunc(Duration::days(1)).unwrap_or(*start) + Duration::days(1);
                if end > midnight {
                    return Err(invalid(format!(
                        "The rotation window of {}h starting at {:02}:00 UTC crosses into the next UTC day. Choose a shorter Duration or an earlier start.",
                        self.window.num_hours(),
                        start.hour()
                    )));
                }
                if let Some(next) = starts.get(i + 1) {
                    if end > *next {
                        return Err(invalid(format!(
                            "The rotation window of {}h overlaps the next rotation window. Choose a shorter Duration or a less frequent schedule.",
                            self.window.num_hours()
                        )));
                    }
                }
            }
        }
        Ok(self)
    }

    /// The next `n` window starts strictly after `after`. For `rate(…)` and
    /// AutomaticallyAfterDays, `after` is the last rotation (or when rotation was enabled):
    /// the first start is one period after it (days from midnight UTC of its day, hours
    /// from the start of its hour).
    pub fn next_runs(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        match &self.kind {
            Kind::Days(d) => {
                let day = after.duration_trunc(Duration::days(1)).unwrap_or(after);
                (1..=n as i64)
                    .map(|i| day + Duration::days(d * i))
                    .collect()
            }
            Kind::Hours(h) => {
                let hour = after.duration_trunc(Duration::hours(1)).unwrap_or(after);
                (1..=n as i64)
                    .map(|i| hour + Duration::hours(h * i))
                    .collect()
            }
            Kind::Cron(c) => c.iter_after(after).take(n).collect(),
        }
    }

    /// The first window start strictly after `after`.
    pub fn next_run(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_runs(after, 1).into_iter().next()
    }
}

/// `Nh`, 1–24 hours (AWS's pattern `[0-9h]+`, 2–3 characters).
fn parse_duration(d: &str) -> Result<i64> {
    let n = d.chars().count();
    if !(2..=3).contains(&n) {
        return Err(validation(
            d,
            "rotationRules.duration",
            "Member must have length between 2 and 3",
        ));
    }
    if !d.chars().all(|c| c.is_ascii_digit() || c == 'h') {
        return Err(validation(
            d,
            "rotationRules.duration",
            "Member must satisfy regular expression pattern: [0-9h]+",
        ));
    }
    let hours = d
        .strip_suffix('h')
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|h| h.parse::<i64>().ok())
        .ok_or_else(|| {
            invalid(format!(
                "Invalid Duration {d}: give the rotation window in hours, e.g. 3h."
            ))
        })?;
    if !(1..=24).contains(&hours) {
        return Err(invalid(format!(
            "Invalid Duration {d}: the rotation window must be between 1h and 24h."
        )));
    }
    Ok(hours)
}

fn parse_expression(expr: &str) -> Result<Kind> {
    if let Some(inner) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        return parse_rate(expr, inner);
    }
    if let Some(inner) = expr.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        return parse_cron(expr, inner);
    }
    Err(invalid(format!(
        "Invalid ScheduleExpression {expr}: use rate(N hours|days) or cron(Minutes Hours Day-of-month Month Day-of-week Year)."
    )))
}

fn parse_rate(expr: &str, inner: &str) -> Result<Kind> {
    let bad = || {
        invalid(format!(
            "Invalid rate expression {expr}: use rate(N hours) or rate(N days) with a positive whole number N."
        ))
    };
    let mut parts = inner.split(' ');
    let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
        return Err(bad());
    }
    let n: i64 = n.parse().map_err(|_| bad())?;
    match unit {
        "hour" | "hours" => {
            if n < 4 {
                return Err(invalid(format!(
                    "Invalid rate expression {expr}: Secrets Manager rotates at most every 4 hours; use rate(4 hours) or more."
                )));
            }
            if n > 1000 * 24 {
                return Err(bad());
            }
            Ok(if n % 24 == 0 {
                Kind::Days(n / 24)
            } else {
                Kind::Hours(n)
            })
        }
        "day" | "days" => {
            if n > 1000 {
                return Err(invalid(format!(
                    "Invalid rate expression {expr}: the rotation interval must be at most 1000 days."
                )));
            }
            Ok(Kind::Days(n))
        }
        _ => Err(bad()),
    }
}

fn parse_cron(expr: &str, inner: &str) -> Result<Kind> {
    let fields: Vec<&str> = inner.split(' ').collect();
    if fields.len() != 6 || fields.iter().any(|f| f.is_empty()) {
        return Err(invalid(format!(
            "Invalid cron expression {expr}: give six fields, cron(Minutes Hours Day-of-month Month Day-of-week Year)."
        )));
    }
    let (minutes, hours, dom, month, dow, year) = (
        fields[0], fields[1], fields[2], fields[3], fields[4], fields[5],
    );
    if minutes != "0" {
        return Err(invalid(format!(
            "Invalid cron expression {expr}: the Minutes field must be 0 (Secrets Manager rotates on the hour)."
        )));
    }
    if year != "*" {
        return Err(invalid(format!(
            "Invalid cron expression {expr}: the Year field must be *."
        )));
    }
    match (dom == "?", dow == "?") {
        (true, true) => {
            return Err(invalid(format!(
                "Invalid cron expression {expr}: only one of Day-of-month and Day-of-week may be ?."
            )));
        }
        (false, false) => {
            return Err(invalid(format!(
                "Invalid cron expression {expr}: you can't specify both Day-of-month and Day-of-week; one of them must be ?."
            )));
        }
        _ => {}
    }
    let field_ok = |f: &str, extra: &str| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || ",-*/".contains(c) || extra.contains(c))
    };
    if !field_ok(hours, "") || hours.chars().any(|c| c.is_ascii_alphabetic()) {
        return Err(invalid(format!(
            "Invalid cron expression {expr}: the Hours field takes 0-23 with , - * /."
        )));
    }
    if !field_ok(dom, "?") || !field_ok(month, "") || !field_ok(dow, "?#") {
        return Err(invalid(format!(
            "Invalid cron expression {expr}: a field holds a character that field does not allow."
        )));
    }
    // croner reads "?" as "*"; the fields above already made sure the other day field is set.
    let cron = aws_parser()
        .parse(&format!("0 {inner}").to_ascii_uppercase())
        .map_err(|e| invalid(format!("Invalid cron expression {expr}: {e}.")))?;
    // A pattern that never fires (30 FEB) is refused here rather than never rotating.
    let base = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_454);
    if cron.find_next_occurrence(&base, false).is_err() {
        return Err(invalid(format!(
            "Invalid cron expression {expr}: it never matches a date."
        )));
    }
    Ok(Kind::Cron(Box::new(cron)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn last_friday_and_first_sunday() {
        let s = Schedule::parse("cron(0 12 ? * 6L *)").unwrap();
        assert_eq!(
            s.next_runs(at(2026, 1, 1, 0), 2),
            vec![at(2026, 1, 30, 12), at(2026, 2, 27, 12)]
        );
        let s = Schedule::parse("cron(0 1 ? 1/3 SUN#1 *)").unwrap();
        assert_eq!(s.next_run(at(2026, 1, 1, 0)), Some(at(2026, 1, 4, 1)));
    }

    #[test]
    fn rates_count_from_the_base() {
        let s = Schedule::parse("rate(10 days)").unwrap();
        assert_eq!(s.next_run(at(2026, 1, 1, 13)), Some(at(2026, 1, 11, 0)));
        let s = Schedule::parse("rate(4 hours)").unwrap();
        assert_eq!(s.next_run(at(2026, 1, 1, 13)), Some(at(2026, 1, 1, 17)));
        assert!(Schedule::parse("rate(3 hours)").is_err());
    }
}
