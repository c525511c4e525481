//! The `Condition` element: operators, their typed values, and how a block is evaluated.
//!
//! Rules (IAM User Guide, "Condition operators" and "multivalued context keys"):
//! - operators AND, keys under one operator AND, values of one key OR; for negated operators
//!   the values AND ("matches none of them");
//! - a key missing from the request makes a condition false, except negated operators (true),
//!   `…IfExists` (true), `ForAllValues:` (vacuously true) and `Null`;
//! - a plain operator on a multi-valued key is true when any request value matches (negated:
//!   when no request value matches); `ForAnyValue:` needs one matching request value (negated:
//!   one request value that matches no policy value); `ForAllValues:` needs every request value
//!   to match (negated: every request value to match none).

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ipnet::IpNet;

use crate::RequestContext;
use crate::template::{self, Template};

/// The operator without its `ForAnyValue:`/`ForAllValues:` prefix and `IfExists` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const BASES: &[(&str, Base)] = &[
    ("StringEquals", Base::StringEquals),
    ("StringNotEquals", Base::StringNotEquals),
    ("StringEqualsIgnoreCase", Base::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", Base::StringNotEqualsIgnoreCase),
    ("StringLike", Base::StringLike),
    ("StringNotLike", Base::StringNotLike),
    ("NumericEquals", Base::NumericEquals),
    ("NumericNotEquals", Base::NumericNotEquals),
    ("NumericLessThan", Base::NumericLessThan),
    ("NumericLessThanEquals", Base::NumericLessThanEquals),
    ("NumericGreaterThan", Base::NumericGreaterThan),
    ("NumericGreaterThanEquals", Base::NumericGreaterThanEquals),
    ("DateEquals", Base::DateEquals),
    ("DateNotEquals", Base::DateNotEquals),
    ("DateLessThan", Base::DateLessThan),
    ("DateLessThanEquals", Base::DateLessThanEquals),
    ("DateGreaterThan", Base::DateGreaterThan),
    ("DateGreaterThanEquals", Base::DateGreaterThanEquals),
    ("Bool", Base::Bool),
    ("BinaryEquals", Base::BinaryEquals),
    ("IpAddress", Base::IpAddress),
    ("NotIpAddress", Base::NotIpAddress),
    ("ArnEquals", Base::ArnEquals),
    ("ArnLike", Base::ArnLike),
    ("ArnNotEquals", Base::ArnNotEquals),
    ("ArnNotLike", Base::ArnNotLike),
    ("Null", Base::Null),
];

impl Base {
    /// Whether this is a negated operator ("matches none").
    fn negated(self) -> bool {
        use Base::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// The value type the operator compares.
    fn kind(self) -> ValueKind {
        use Base::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => ValueKind::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => ValueKind::Number,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => ValueKind::Date,
            Bool => ValueKind::Bool,
            BinaryEquals => ValueKind::Binary,
            IpAddress | NotIpAddress => ValueKind::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => ValueKind::Arn,
            Null => ValueKind::Null,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    String,
    Number,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// `ForAnyValue:` or `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// A full operator as written, e.g. `ForAllValues:StringLikeIfExists`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operator {
    pub(crate) name: String,
    pub(crate) base: Base,
    pub(crate) if_exists: bool,
    pub(crate) set: Option<SetQualifier>,
}

impl Operator {
    /// Parses an operator name; `None` when unknown (names are case-sensitive, as in AWS).
    pub(crate) fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, name)
        };
        let (if_exists, rest) = match rest.strip_suffix("IfExists") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let base = BASES.iter().find(|(n, _)| *n == rest)?.1;
        if base == Base::Null && (if_exists || set.is_some()) {
            return None;
        }
        Some(Operator {
            name: name.to_owned(),
            base,
            if_exists,
            set,
        })
    }
}

/// A policy-side value, parsed for its operator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// String and ARN operators (may hold variables).
    Text(Template),
    Number(f64),
    Date(DateTime<Utc>),
    Bool(bool),
    Binary(Vec<u8>),
    Ip(IpNet),
    Null(bool),
}

/// One key under one operator, with its values (OR).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub(crate) operator: Operator,
    /// The key as written.
    pub(crate) key: String,
    /// Lowercased key, for lookups.
    pub(crate) key_lc: String,
    pub(crate) values: Vec<Value>,
}

impl Condition {
    /// Parses the values of one key for `operator`; `variables` enables `${…}`.
    ///
    /// # Errors
    /// A value that is not of the operator's type, with the value and operator in the message.
    pub(crate) fn new(
        operator: Operator,
        key: &str,
        raw_values: &[String],
        variables: bool,
    ) -> Result<Condition, String> {
        let op = &operator.name;
        let mut values = Vec::with_capacity(raw_values.len());
        for raw in raw_values {
            let value = match operator.base.kind() {
                ValueKind::String | ValueKind::Arn => Value::Text(if variables {
                    Template::with_variables(raw)?
                } else {
                    Template::plain(raw)
                }),
                ValueKind::Number => Value::Number(
                    parse_number(raw)
                        .ok_or_else(|| format!("invalid number \"{raw}\" for {op}"))?,
                ),
                ValueKind::Date => Value::Date(
                    parse_date(raw).ok_or_else(|| format!("invalid date \"{raw}\" for {op}"))?,
                ),
                ValueKind::Bool => {
                    if variables && raw.contains("${") {
                        return Err(format!("policy variables are not allowed with {op}"));
                    }
                    Value::Bool(
                        parse_bool(raw)
                            .ok_or_else(|| format!("invalid boolean \"{raw}\" for {op}"))?,
                    )
                }
                ValueKind::Binary => Value::Binary(
                    base64::engine::general_purpose::STANDARD
                        .decode(raw)
                        .map_err(|_| format!("invalid base64 \"{raw}\" for {op}"))?,
                ),
                ValueKind::Ip => Value::Ip(
                    parse_ip(raw)
                        .ok_or_else(|| format!("invalid IP address or CIDR \"{raw}\" for {op}"))?,
                ),
                ValueKind::Null => Value::Null(parse_bool(raw).ok_or_else(|| {
                    format!("invalid value \"{raw}\" for Null (expected \"true\" or \"false\")")
                })?),
            };
            values.push(value);
        }
        Ok(Condition {
            operator,
            key: key.to_owned(),
            key_lc: key.to_ascii_lowercase(),
            values,
        })
    }

    /// Evaluates against the request.
    pub(crate) fn matches(&self, ctx: &RequestContext) -> bool {
        let request = ctx.get(&self.key_lc);
        let op = &self.operator;
        if op.base == Base::Null {
            return self.values.iter().any(|v| match v {
                Value::Null(must_be_absent) => *must_be_absent == request.is_empty(),
                _ => false,
            });
        }
        let negated = op.base.negated();
        if request.is_empty() {
            return op.if_exists
                || match op.set {
                    Some(SetQualifier::ForAllValues) => true,
                    Some(SetQualifier::ForAnyValue) => false,
                    None => negated,
                };
        }
        // `hit(v)`: the request value matches some policy value under the positive operator.
        let hit = |v: &String| self.values.iter().any(|p| positive(op.base, v, p, ctx));
        match (op.set, negated) {
            (None | Some(SetQualifier::ForAnyValue), false) => request.iter().any(hit),
            (None, true) => !request.iter().any(hit),
            (Some(SetQualifier::ForAnyValue), true) => request.iter().any(|v| !hit(v)),
            (Some(SetQualifier::ForAllValues), false) => request.iter().all(hit),
            (Some(SetQualifier::ForAllValues), true) => request.iter().all(|v| !hit(v)),
        }
    }
}

/// Whether one request value matches one policy value under the operator's positive form
/// (`StringNotEquals` compares as `StringEquals`; the caller negates).
fn positive(base: Base, request: &str, policy: &Value, ctx: &RequestContext) -> bool {
    use Base::*;
    match (base, policy) {
        (StringEquals | StringNotEquals, Value::Text(t)) => {
            t.literal(ctx).is_some_and(|p| p == request)
        }
        (StringEqualsIgnoreCase | StringNotEqualsIgnoreCase, Value::Text(t)) => t
            .literal(ctx)
            .is_some_and(|p| p.to_lowercase() == request.to_lowercase()),
        (StringLike | StringNotLike, Value::Text(t)) => t.tokens(ctx, true).is_some_and(|p| {
            let chars: Vec<char> = request.chars().collect();
            template::glob(&p, &chars)
        }),
        (ArnEquals | ArnLike | ArnNotEquals | ArnNotLike, Value::Text(t)) => t
            .tokens(ctx, true)
            .is_some_and(|p| template::arn_match(&p, request)),
        (_, Value::Number(p)) => parse_number(request).is_some_and(|r| match base {
            NumericEquals | NumericNotEquals => r == *p,
            NumericLessThan => r < *p,
            NumericLessThanEquals => r <= *p,
            NumericGreaterThan => r > *p,
            NumericGreaterThanEquals => r >= *p,
            _ => false,
        }),
        (_, Value::Date(p)) => parse_date(request).is_some_and(|r| match base {
            DateEquals | DateNotEquals => r == *p,
            DateLessThan => r < *p,
            DateLessThanEquals => r <= *p,
            DateGreaterThan => r > *p,
            DateGreaterThanEquals => r >= *p,
            _ => false,
        }),
        (Bool, Value::Bool(p)) => parse_bool(request) == Some(*p),
        (BinaryEquals, Value::Binary(p)) => base64::engine::general_purpose::STANDARD
            .decode(request)
            .is_ok_and(|r| r == *p),
        (IpAddress | NotIpAddress, Value::Ip(net)) => request
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| net.contains(&ip)),
        _ => false,
    }
}

/// A decimal number: optional sign, digits, optional fraction (no `inf`, `NaN` or exponent).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(digits.contains('.') && frac.is_empty());
    if !ok {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// ISO 8601 (`2020-04-01T00:00:00Z`, with offset or fraction, a bare date, or a date-time
/// without zone read as UTC) or integer epoch seconds.
pub(crate) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return DateTime::from_timestamp(s.parse().ok()?, 0);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(d.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// `true`/`false`, case-insensitive.
fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A CIDR block or a bare address (IPv4 → /32, IPv6 → /128).
fn parse_ip(s: &str) -> Option<IpNet> {
    if let Ok(net) = s.parse::<IpNet>() {
        return Some(net);
    }
    s.parse::<std::net::IpAddr>().ok().map(IpNet::from)
}
