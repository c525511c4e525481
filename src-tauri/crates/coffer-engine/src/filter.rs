//! ListSecrets / BatchGetSecretValue filters: parsing, validation and matching.
//!
//! AWS Secrets Manager lets `ListSecrets` and `BatchGetSecretValue` narrow the result with up
//! to ten `{Key, Values}` filters. This module turns the untrusted wire form into [`Filter`]s
//! ([`parse_filters`]) and decides whether one secret passes them ([`matches()`]). It knows
//! nothing about storage or the wire format: the caller hands in a borrowed [`Candidate`].
//!
//! # Keys
//!
//! | key              | looks at                                        | match             |
//! |------------------|-------------------------------------------------|-------------------|
//! | `name`           | the secret name                                 | prefix, exact     |
//! | `description`    | the description (absent: no match)              | words, any case   |
//! | `tag-key`        | every tag key                                   | prefix, exact     |
//! | `tag-value`      | every tag value                                 | prefix, exact     |
//! | `primary-region` | [`Candidate::primary_region`] (absent: no match)| prefix, exact     |
//! | `owning-service` | [`Candidate::owning_service`] (absent: no match)| prefix, exact     |
//! | `all`            | name, description, each tag key and tag value   | words, any case   |
//!
//! ("exact" = case-sensitive; "any case" = case-insensitive.)
//!
//! The AWS docs call `description` a prefix match; behaviour verified against AWS is the
//! word match of `all` (description `one two` and `o t` both match "one and two"), so that is
//! what we do. `owning-service` is documented both ways; we follow the API reference
//! (case-sensitive). AWS does not say whether `primary-region` is case-sensitive; region
//! codes are lower-case, so we compare exactly.
//!
//! # Combining
//!
//! The values of one filter are OR-ed; separate filters are AND-ed, even two filters with
//! the same key (verified: `description=one` AND `description=two` matches only "one two").
//! An empty filter list matches every secret.
//!
//! # Negation
//!
//! A value with a leading `!` is negated. A negated value matches exactly when the same value
//! without `!` would not: `name` `!prod` matches names that do not start with `prod`;
//! `tag-key` `!env` matches secrets where *no* tag key starts with `env` (including secrets
//! without tags); `description` `!x` matches secrets without a description. Negation is per
//! value and values are still OR-ed, so `name` `[!a, !b]` matches everything that does not
//! start with both `a` and `b` (i.e. everything); to exclude two prefixes use two filters.
//! (moto instead treats `!x` as "some attribute does not match", which makes `tag-key` `!env`
//! true for a secret tagged `env` and `team`; we do not copy that.)
//!
//! # Word matching (`all`, `description`)
//!
//! Both the filter value and the attribute are split into words with [`split_words`], and
//! compared case-insensitively (Unicode lower-casing). A value matches an attribute when the
//! value has at least one word and **every** value word is a prefix of **some** word of that
//! attribute: `sec` matches `SecretOne` (words `Secret`, `One`) but `ret` does not; `d t`
//! needs a word starting with `d` and one starting with `t`.
//!
//! For `all`, each attribute (the name, the description, each tag key, each tag value) is
//! tried **on its own**: all words of the value must be found in the same attribute. The
//! reference phrases the rule as "a prefix of some word *of an attribute*", and moto (whose
//! `all` tests were run against AWS) evaluates per attribute as well; the verified cases do
//! not distinguish this from pooling all attributes, so this is a decision, not a fact.
//!
//! # Word splitting
//!
//! [`split_words`] works in three steps:
//!
//! 1. Split at whitespace into chunks; empty chunks vanish.
//! 2. Look at the separators `/ _ + = . @ -` in the chunk:
//!    * none: the chunk goes to step 3 whole;
//!    * exactly one kind (possibly repeated): split at it, drop empty pieces (so a lone `+`
//!      or `++` yields no words), each piece goes to step 3;
//!    * two or more different kinds (`prod-AppBeta/x`): the chunk is one word as it stands,
//!      with no case splitting either.
//! 3. Case split: a new word starts at every upper-case letter (not the first character)
//!    that is preceded by a lower-case letter **or** followed by one. Hence `MyTestPhrase`
//!    → `My` `Test` `Phrase`, `abcDEF` → `abc` `DEF`, `HTTPServer` → `HTTP` `Server`,
//!    `SecretFTag` → `Secret` `F` `Tag`, and `COMPANYthings` → `COMPAN` `Ythings`: in a run of
//!    capitals followed by lower-case letters only the last capital starts the lower-case
//!    word. An all-capital word (`COMPANY`) has no lower-case neighbour and stays whole.
//!    Digits and other characters are caseless: they never start a word themselves and stay
//!    attached to the letters around them (`Secret1Value` → `Secret1` `Value`).
//!
//! Verified against AWS: the separators, the lower→upper split, `COMPANYthings` →
//! `COMPAN` `Ythings` (`Ythings` matches, `things`, `N` and `pany` do not), `COMPANY` whole,
//! `+` matching nothing. Not verified: the mixed-separator rule (moto's test comment claims
//! it, but that test never creates the `prod-AppBeta/x` secret), applying that rule per
//! whitespace chunk rather than to the whole string (otherwise one `prod-db.` in a
//! description would make the whole description one word), and how digits split; the
//! choices above are the simplest consistent ones.
//!
//! # Validation and errors
//!
//! [`parse_filters`] reproduces the two layers AWS has. First the model constraints, all
//! collected into one [`FilterErrorKind::Validation`] error in AWS's wording (`N validation
//! error(s) detected: ...; ...`): at most [`MAX_FILTERS`] filters, the key in the enum, 1 to
//! [`MAX_VALUES`] values, each value at most [`MAX_VALUE_LEN`] characters and matching
//! `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`. Only when those pass come the service checks, in
//! filter order, as [`FilterErrorKind::InvalidParameter`]: a filter without a key
//! (`Invalid filter key`) or without values (`Invalid filter values for key: <key>`).
//! The keys' messages come from moto's tests; the wording for bad values (the whole list
//! printed as `'[a, b]'`, the failed rules grouped in `Member must satisfy constraint:
//! [...]`) follows how AWS reports list-member constraints elsewhere and is unverified here.

use std::fmt;
use std::ops::ControlFlow;

/// Most filters one request may carry (`FiltersListType` max).
pub const MAX_FILTERS: usize = 10;
/// Most values one filter may carry (`FilterValuesStringList` max; the min is 1).
pub const MAX_VALUES: usize = 10;
/// Longest filter value in characters, counting a leading `!`.
pub const MAX_VALUE_LEN: usize = 512;

/// The value pattern exactly as AWS prints it in validation messages.
const VALUE_PATTERN: &str = r"^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$";

/// The `all` / `description` word separators (besides whitespace).
const SEPARATORS: [char; 7] = ['/', '_', '+', '=', '.', '@', '-'];

/// Which attribute a filter looks at, and so how it matches (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterKey {
    /// `name`: prefix of the secret name, case-sensitive.
    Name,
    /// `description`: word match on the description, case-insensitive.
    Description,
    /// `tag-key`: prefix of any tag key, case-sensitive.
    TagKey,
    /// `tag-value`: prefix of any tag value, case-sensitive.
    TagValue,
    /// `primary-region`: prefix of the primary region, case-sensitive.
    PrimaryRegion,
    /// `owning-service`: prefix of the owning service, case-sensitive.
    OwningService,
    /// `all`: word match on the name, description, tag keys and tag values.
    All,
    /// One word of the desktop's search box, matched as text anywhere (never on the wire;
    /// see [`search_filters`]).
    Search,
}

impl FilterKey {
    /// Every key in the order AWS lists them in its enum validation message.
    pub const ALL_KEYS: [FilterKey; 7] = [
        FilterKey::All,
        FilterKey::Name,
        FilterKey::TagKey,
        FilterKey::Description,
        FilterKey::TagValue,
        FilterKey::PrimaryRegion,
        FilterKey::OwningService,
    ];

    /// The wire spelling (`"tag-key"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FilterKey::Name => "name",
            FilterKey::Description => "description",
            FilterKey::TagKey => "tag-key",
            FilterKey::TagValue => "tag-value",
            FilterKey::PrimaryRegion => "primary-region",
            FilterKey::OwningService => "owning-service",
            FilterKey::All => "all",
            FilterKey::Search => "search",
        }
    }

    /// Parses the wire spelling; exact and case-sensitive (`"Name"` is not a key).
    pub fn parse(s: &str) -> Option<FilterKey> {
        FilterKey::ALL_KEYS.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for FilterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One filter value: the text to look for and whether the match is inverted.
///
/// `text` never includes the negating `!` (but may contain further `!`s: `!!x` is "not
/// `!x`").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterValue {
    /// True when the wire value started with `!`: the value then matches a secret exactly
    /// when `text` does not.
    pub negate: bool,
    /// The value without the leading `!`.
    pub text: String,
}

impl FilterValue {
    /// Splits a wire value into negation flag and text (no validation).
    pub fn from_wire(raw: &str) -> FilterValue {
        match raw.strip_prefix('!') {
            Some(rest) => FilterValue {
                negate: true,
                text: rest.to_owned(),
            },
            None => FilterValue {
                negate: false,
                text: raw.to_owned(),
            },
        }
    }
}

/// A validated filter: a key and 1–10 values, OR-ed together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// What to look at.
    pub key: FilterKey,
    /// The alternatives; the filter passes when any one of them matches.
    pub values: Vec<FilterValue>,
}

/// Which AWS error a rejected filter list maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterErrorKind {
    /// `InvalidParameterException`: a filter without key or without values.
    InvalidParameter,
    /// `ValidationException`: a model constraint failed (unknown key, bad value, too many).
    Validation,
}

impl FilterErrorKind {
    /// The AWS error code (`__type`) for this kind.
    pub fn code(self) -> &'static str {
        match self {
            FilterErrorKind::InvalidParameter => "InvalidParameterException",
            FilterErrorKind::Validation => "ValidationException",
        }
    }
}

/// Why [`parse_filters`] rejected the input; `message` is the text AWS would send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Which AWS exception this is.
    pub kind: FilterErrorKind,
    /// The client-facing message, in AWS's wording.
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for FilterError {}

/// Validates raw filters as they arrive (key and values optional, untrusted) and converts
/// them to [`Filter`]s, in the same order.
///
/// # Errors
///
/// [`FilterErrorKind::Validation`] when any model constraint fails (more than
/// [`MAX_FILTERS`] filters, a key outside the enum, an empty or over-long value list, a value
/// too long or with a character outside the pattern); every violation is reported in one
/// message. Otherwise [`FilterErrorKind::InvalidParameter`] for the first filter (in order)
/// that has no key (`Invalid filter key`) or no values (`Invalid filter values for key:
/// <key>`).
pub fn parse_filters(
    raw: &[(Option<String>, Option<Vec<String>>)],
) -> Result<Vec<Filter>, FilterError> {
    // AWS checks the request against its model before the service sees it, so every
    // ValidationException outranks the InvalidParameterExceptions below.
    let violations = model_violations(raw);
    if !violations.is_empty() {
        let count = violations.len();
        let noun = if count == 1 { "error" } else { "errors" };
        return Err(FilterError {
            kind: FilterErrorKind::Validation,
            message: format!(
                "{count} validation {noun} detected: {}",
                violations.join("; ")
            ),
        });
    }

    let mut filters = Vec::with_capacity(raw.len());
    for (key, values) in raw {
        // A present key has passed the enum check above, so `parse` only fails on `None`.
        let Some(key) = key.as_deref().and_then(FilterKey::parse) else {
            return Err(invalid_parameter("Invalid filter key".to_owned()));
        };
        let Some(values) = values else {
            return Err(invalid_parameter(format!(
                "Invalid filter values for key: {key}"
            )));
        };
        filters.push(Filter {
            key,
            values: values.iter().map(|v| FilterValue::from_wire(v)).collect(),
        });
    }
    Ok(filters)
}

/// Every model-constraint violation, in AWS's per-violation wording (list values are
/// printed Java-style, `[a, b]`; list-member rules are grouped in `Member must satisfy
/// constraint: [...]`).
fn model_violations(raw: &[(Option<String>, Option<Vec<String>>)]) -> Vec<String> {
    let mut violations = Vec::new();

    if raw.len() > MAX_FILTERS {
        let rendered: Vec<String> = raw
            .iter()
            .map(|(k, v)| render_filter(k.as_deref(), v.as_deref()))
            .collect();
        violations.push(format!(
            "Value '[{}]' at 'filters' failed to satisfy constraint: \
             Member must have length less than or equal to {MAX_FILTERS}",
            rendered.join(", ")
        ));
    }

    for (i, (key, values)) in raw.iter().enumerate() {
        let n = i + 1;
        if let Some(key) = key
            && FilterKey::parse(key).is_none()
        {
            let set: Vec<&str> = FilterKey::ALL_KEYS.iter().map(|k| k.as_str()).collect();
            violations.push(format!(
                "Value '{key}' at 'filters.{n}.member.key' failed to satisfy constraint: \
                 Member must satisfy enum value set: [{}]",
                set.join(", ")
            ));
        }
        let Some(values) = values else { continue };
        let at = format!(
            "Value '[{}]' at 'filters.{n}.member.values' failed to satisfy constraint:",
            values.join(", ")
        );
        if values.is_empty() {
            violations.push(format!(
                "{at} Member must have length greater than or equal to 1"
            ));
        }
        if values.len() > MAX_VALUES {
            violations.push(format!(
                "{at} Member must have length less than or equal to {MAX_VALUES}"
            ));
        }
        let mut rules = Vec::new();
        if values.iter().any(|v| v.chars().count() > MAX_VALUE_LEN) {
            rules.push(format!(
                "Member must have length less than or equal to {MAX_VALUE_LEN}"
            ));
        }
        if values.iter().any(|v| !v.chars().all(is_value_char)) {
            rules.push(format!(
                "Member must satisfy regular expression pattern: {VALUE_PATTERN}"
            ));
        }
        if !rules.is_empty() {
            violations.push(format!(
                "{at} Member must satisfy constraint: [{}]",
                rules.join(", ")
            ));
        }
    }
    violations
}

fn invalid_parameter(message: String) -> FilterError {
    FilterError {
        kind: FilterErrorKind::InvalidParameter,
        message,
    }
}

/// A character the value pattern `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$` accepts. The optional
/// leading `!` is also in the class, so a per-character test is exact.
fn is_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, ' ' | ':' | '_' | '@' | '/' | '+' | '=' | '.' | '-' | '!')
}

/// Renders a raw filter for the "too many filters" message, like a Java `toString`.
fn render_filter(key: Option<&str>, values: Option<&[String]>) -> String {
    let mut parts = Vec::new();
    if let Some(key) = key {
        parts.push(format!("Key: {key}"));
    }
    if let Some(values) = values {
        parts.push(format!("Values: [{}]", values.join(", ")));
    }
    format!("{{{}}}", parts.join(","))
}

/// What a secret exposes to filtering, borrowed from wherever the secret lives.
///
/// `primary_region` is the region filters compare against: for a replica, the primary's
/// region; for a primary that has replicas, its own region; `None` for a secret that is not
/// replicated (so `primary-region` filters never match it, and negated ones always do).
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The secret name.
    pub name: &'a str,
    /// The description, if one was set.
    pub description: Option<&'a str>,
    /// Tags as `(key, value)` pairs.
    pub tags: &'a [(String, String)],
    /// The primary region when the secret takes part in replication.
    pub primary_region: Option<&'a str>,
    /// The managing service (`OwningService`), if any.
    pub owning_service: Option<&'a str>,
}

/// True when the secret passes every filter (AND), each filter passing when any of its
/// values matches (OR). An empty slice matches everything. Allocation-free.
pub fn matches(filters: &[Filter], c: &Candidate) -> bool {
    filters.iter().all(|f| {
        f.values
            .iter()
            .any(|v| value_matches(f.key, &v.text, c) != v.negate)
    })
}

/// The non-negated test of one value against one secret.
fn value_matches(key: FilterKey, text: &str, c: &Candidate) -> bool {
    match key {
        FilterKey::Name => c.name.starts_with(text),
        FilterKey::Description => c.description.is_some_and(|d| words_match(text, d)),
        FilterKey::TagKey => c.tags.iter().any(|(k, _)| k.starts_with(text)),
        FilterKey::TagValue => c.tags.iter().any(|(_, v)| v.starts_with(text)),
        FilterKey::PrimaryRegion => c.primary_region.is_some_and(|r| r.starts_with(text)),
        FilterKey::OwningService => c.owning_service.is_some_and(|s| s.starts_with(text)),
        FilterKey::Search => {
            contains_ignore_case(c.name, text)
                || c.description.is_some_and(|d| contains_ignore_case(d, text))
                || c.tags
                    .iter()
                    .any(|(k, v)| contains_ignore_case(k, text) || contains_ignore_case(v, text))
        }
        FilterKey::All => {
            words_match(text, c.name)
                || c.description.is_some_and(|d| words_match(text, d))
                || c.tags
                    .iter()
                    .any(|(k, v)| words_match(text, k) || words_match(text, v))
        }
    }
}

/// The desktop's search box as filters: one per whitespace-separated word, so that every
/// word must match (filters AND, while the values of one filter OR). A word matches where
/// it appears, in any case, inside the name, the description, a tag key or a tag value, as
/// KeePassXC's and 1Password's search boxes do. Any text is taken as typed: the box is not
/// the API, so AWS's limits on filter values (10 of them, no `#` or `,`) do not apply.
pub fn search_filters(text: &str) -> Vec<Filter> {
    text.split_whitespace()
        .map(|word| Filter {
            key: FilterKey::Search,
            values: vec![FilterValue {
                negate: false,
                text: word.to_owned(),
            }],
        })
        .collect()
}

/// Whether `needle` occurs in `haystack`, ignoring case; without allocating for ASCII.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.is_ascii() {
        // An ASCII byte never equals a byte of a multi-byte character.
        return haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()));
    }
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// True when `pattern` has at least one word and each of its words is a case-insensitive
/// prefix of some word of `attr`.
fn words_match(pattern: &str, attr: &str) -> bool {
    let mut saw_word = false;
    let every = for_each_word(pattern, &mut |pw| {
        saw_word = true;
        let found = for_each_word(attr, &mut |aw| {
            if starts_with_ignore_case(aw, pw) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .is_break();
        if found {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    })
    .is_continue();
    saw_word && every
}

/// `word.to_lowercase().starts_with(&prefix.to_lowercase())` without allocating.
fn starts_with_ignore_case(word: &str, prefix: &str) -> bool {
    // Fast path for the usual case: filter values are ASCII by validation, and when the
    // word's first `prefix.len()` bytes are ASCII too they are its first characters.
    if prefix.is_ascii()
        && let Some(head) = word.as_bytes().get(..prefix.len())
        && head.is_ascii()
    {
        return head.eq_ignore_ascii_case(prefix.as_bytes());
    }
    let mut w = word.chars().flat_map(char::to_lowercase);
    prefix
        .chars()
        .flat_map(char::to_lowercase)
        .all(|p| w.next() == Some(p))
}

/// Splits `s` into the words the `all` and `description` filters compare, as slices of `s`
/// in order. See the module docs for the algorithm; for example `uat/COMPANYthings/x` gives
/// `["uat", "COMPAN", "Ythings", "x"]`, `prod-AppBeta/x` gives itself and `+` gives nothing.
pub fn split_words(s: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let _ = for_each_word(s, &mut |w| {
        words.push(w);
        ControlFlow::Continue(())
    });
    words
}

/// The separators found in one whitespace-free chunk.
enum Separators {
    None,
    One(char),
    Mixed,
}

fn chunk_separators(chunk: &str) -> Separators {
    let mut found = None;
    for c in chunk.chars().filter(|c| SEPARATORS.contains(c)) {
        match found {
            None => found = Some(c),
            Some(f) if f != c => return Separators::Mixed,
            Some(_) => {}
        }
    }
    found.map_or(Separators::None, Separators::One)
}

/// Calls `f` on each word of `s` (the [`split_words`] algorithm) until it breaks; returns
/// whether it broke. A visitor rather than a `Vec` keeps [`matches()`] allocation-free.
fn for_each_word<'a, F>(s: &'a str, f: &mut F) -> ControlFlow<()>
where
    F: FnMut(&'a str) -> ControlFlow<()>,
{
    for chunk in s.split(char::is_whitespace).filter(|c| !c.is_empty()) {
        match chunk_separators(chunk) {
            Separators::Mixed => f(chunk)?,
            Separators::One(sep) => {
                for piece in chunk.split(sep).filter(|p| !p.is_empty()) {
                    case_words(piece, f)?;
                }
            }
            Separators::None => case_words(chunk, f)?,
        }
    }
    ControlFlow::Continue(())
}

/// Step 3 of the algorithm: a word starts at each upper-case letter (after the first
/// character) whose previous character is lower-case or whose next character is.
fn case_words<'a, F>(piece: &'a str, f: &mut F) -> ControlFlow<()>
where
    F: FnMut(&'a str) -> ControlFlow<()>,
{
    let mut start = 0;
    let mut prev: Option<char> = None;
    let mut chars = piece.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some(p) = prev
            && c.is_uppercase()
            && (p.is_lowercase() || chars.peek().is_some_and(|&(_, n)| n.is_lowercase()))
        {
            f(&piece[start..i])?;
            start = i;
        }
        prev = Some(c);
    }
    if start < piece.len() {
        f(&piece[start..])?;
    }
    ControlFlow::Continue(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An owned secret fixture that lends out a [`Candidate`].
    struct Secret {
        name: &'static str,
        description: Option<&'static str>,
        tags: Vec<(String, String)>,
        primary_region: Option<&'static str>,
        owning_service: Option<&'static str>,
    }

    impl Secret {
        fn named(name: &'static str) -> Secret {
            Secret {
                name,
                description: None,
                tags: Vec::new(),
                primary_region: None,
                owning_service: None,
            }
        }
        fn desc(mut self, d: &'static str) -> Secret {
            self.description = Some(d);
            self
        }
        fn tag(mut self, k: &str, v: &str) -> Secret {
            self.tags.push((k.to_owned(), v.to_owned()));
            self
        }
        fn candidate(&self) -> Candidate<'_> {
            Candidate {
                name: self.name,
                description: self.description,
                tags: &self.tags,
                primary_region: self.primary_region,
                owning_service: self.owning_service,
            }
        }
    }

    type RawFilters = Vec<(Option<String>, Option<Vec<String>>)>;

    /// Filters written as `key=v1,v2;key=v3`. Filter values can contain neither `;` nor `,`
    /// (the value pattern excludes them), so the notation is unambiguous; `""` is no filter.
    fn dsl(filters: &str) -> RawFilters {
        filters
            .split(';')
            .filter(|f| !f.is_empty())
            .map(|f| {
                let (key, values) = f.split_once('=').expect("key=values");
                let values = values.split(',').map(str::to_owned).collect();
                (Some(key.to_owned()), Some(values))
            })
            .collect()
    }

    fn parse(filters: &str) -> Vec<Filter> {
        parse_filters(&dsl(filters)).unwrap_or_else(|e| panic!("{filters:?} rejected: {e}"))
    }

    /// Names of the fixture secrets that pass `filters`, in fixture order.
    fn select(secrets: &[Secret], filters: &str) -> Vec<&'static str> {
        let parsed = parse(filters);
        let pass = |s: &&Secret| matches(&parsed, &s.candidate());
        secrets.iter().filter(pass).map(|s| s.name).collect()
    }

    #[test]
    fn split_words_table() {
        let cases: &[(&str, &[&str])] = &[
            // moto's word-splitter table.
            ("test", &["test"]),
            ("my test", &["my", "test"]),
            ("Mytest", &["Mytest"]),
            ("MyTest", &["My", "Test"]),
            ("MyTestPhrase", &["My", "Test", "Phrase"]),
            ("myTest", &["my", "Test"]),
            ("my/test", &["my", "test"]),
            // Every separator on its own splits (verified names).
            ("prod/AppBeta/9c0ffe", &["prod", "App", "Beta", "9c0ffe"]),
            ("prod_AppBeta_9c0ffe", &["prod", "App", "Beta", "9c0ffe"]),
            ("prod+AppBeta+9c0ffe", &["prod", "App", "Beta", "9c0ffe"]),
            ("prod=AppBeta=9c0ffe", &["prod", "App", "Beta", "9c0ffe"]),
            ("prod.AppBeta.9c0ffe", &["prod", "App", "Beta", "9c0ffe"]),
            ("prod@AppBeta@9c0ffe", &["prod", "App", "Beta", "9c0ffe"]),
            ("prod-AppBeta-9c0ffe", &["prod", "App", "Beta", "9c0ffe"]),
            // Two different separators: one word, not even case-split.
            ("prod-AppBeta/9c0ffe", &["prod-AppBeta/9c0ffe"]),
            ("a+b=c", &["a+b=c"]),
            ("+-", &["+-"]),
            // Capitals.
            ("uat/COMPANY/9c0ffe", &["uat", "COMPANY", "9c0ffe"]),
            (
                "uat/COMPANYthings/9c0ffe",
                &["uat", "COMPAN", "Ythings", "9c0ffe"],
            ),
            ("COMPANYthings", &["COMPAN", "Ythings"]),
            ("COMPANY", &["COMPANY"]),
            ("HTTPServer", &["HTTP", "Server"]),
            ("SecretFTag4e8b1c", &["Secret", "F", "Tag4e8b1c"]),
            ("SecretOne4e8b1c", &["Secret", "One4e8b1c"]),
            ("Thirdsecret4e8b1c", &["Thirdsecret4e8b1c"]),
            ("DescTwo", &["Desc", "Two"]),
            ("abcDEF", &["abc", "DEF"]),
            ("aBcD", &["a", "Bc", "D"]),
            ("iPhone", &["i", "Phone"]),
            // Digits and other characters are caseless.
            ("Secret1Value", &["Secret1", "Value"]),
            ("abc1def", &["abc1def"]),
            ("key:value", &["key:value"]),
            // Separators only, or nothing: no words.
            ("+", &[]),
            ("++", &[]),
            ("/", &[]),
            ("", &[]),
            ("   ", &[]),
            ("a+", &["a"]),
            ("+a", &["a"]),
            ("a//b", &["a", "b"]),
            // Whitespace splits first; the separator rule is per chunk.
            ("one and two", &["one", "and", "two"]),
            ("  one\ttwo\nthree ", &["one", "two", "three"]),
            ("a/b c-d", &["a", "b", "c", "d"]),
            ("x prod-AppBeta/y", &["x", "prod-AppBeta/y"]),
            ("by ops. DB-main", &["by", "ops", "DB", "main"]),
            // Unicode letters follow the same case rules.
            ("ÉcoleNormale", &["École", "Normale"]),
        ];
        for (input, expected) in cases {
            assert_eq!(split_words(input), *expected, "split_words({input:?})");
        }
    }

    #[test]
    fn starts_with_ignore_case_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("Secret", "sec", true),
            ("Secret", "SEC", true),
            ("Secret", "secret", true),
            ("Secret", "secrets", false),
            ("Secret", "ret", false),
            ("École", "éc", true),
            ("x", "", true),
        ];
        for (word, prefix, expected) in cases {
            let got = starts_with_ignore_case(word, prefix);
            assert_eq!(got, *expected, "{word:?} / {prefix:?}");
        }
    }

    fn bare() -> Secret {
        Secret::named("x")
    }
    fn prod() -> Secret {
        Secret::named("prod/db/password").desc("Rotated daily")
    }
    fn tagged() -> Secret {
        Secret::named("svc")
            .tag("env", "Production")
            .tag("team", "core data")
    }
    fn prod_team() -> Secret {
        Secret::named("prod/db/password").tag("team", "core")
    }
    fn bang() -> Secret {
        Secret::named("!prod")
    }
    fn replica() -> Secret {
        Secret {
            primary_region: Some("eu-west-1"),
            ..Secret::named("r")
        }
    }
    fn managed() -> Secret {
        Secret {
            owning_service: Some("appflow"),
            ..Secret::named("s")
        }
    }
    fn one_two() -> Secret {
        Secret::named("d").desc("one two")
    }
    fn camel() -> Secret {
        Secret::named("d").desc("DescTwo")
    }

    /// (what, filters, secret, expected): one candidate at a time.
    #[test]
    fn single_candidate_table() {
        type Case = (&'static str, &'static str, fn() -> Secret, bool);
        let cases: &[Case] = &[
            // name: prefix, case-sensitive.
            ("name prefix", "name=prod", prod, true),
            ("name full", "name=prod/db/password", prod, true),
            (
                "name longer than name",
                "name=prod/db/password2",
                prod,
                false,
            ),
            ("name case-sensitive", "name=Prod", prod, false),
            ("name not a prefix", "name=db", prod, false),
            ("name empty value matches all", "name=", prod, true),
            ("name negated", "name=!prod", prod, false),
            ("name negated other", "name=!dev", prod, true),
            ("name negated empty matches none", "name=!", prod, false),
            ("name values OR", "name=dev,prod", prod, true),
            ("name values OR, none", "name=dev,test", prod, false),
            ("name OR with negation", "name=dev,!dev", prod, true),
            ("name double bang", "name=!!prod", bang, false),
            ("name double bang other", "name=!!prod", prod, true),
            // tag-key / tag-value: prefix of any tag, case-sensitive.
            ("tag-key prefix", "tag-key=te", tagged, true),
            ("tag-key case", "tag-key=Env", tagged, false),
            ("tag-key no tags", "tag-key=env", bare, false),
            (
                "tag-key negated, one tag matches",
                "tag-key=!env",
                tagged,
                false,
            ),
            (
                "tag-key negated, none matches",
                "tag-key=!owner",
                tagged,
                true,
            ),
            ("tag-key negated, no tags", "tag-key=!env", bare, true),
            ("tag-value prefix", "tag-value=Prod", tagged, true),
            ("tag-value case", "tag-value=prod", tagged, false),
            ("tag-value with space", "tag-value=core d", tagged, true),
            ("tag-value not a key", "tag-value=env", tagged, false),
            ("tag-key not a value", "tag-key=Prod", tagged, false),
            ("tag-value negated, no tags", "tag-value=!x", bare, true),
            // primary-region / owning-service: prefix, case-sensitive, absent = no match.
            ("region prefix", "primary-region=eu-", replica, true),
            ("region other", "primary-region=us-", replica, false),
            ("region case", "primary-region=EU", replica, false),
            ("region absent", "primary-region=eu", bare, false),
            ("region absent negated", "primary-region=!eu", bare, true),
            ("region negated", "primary-region=!eu", replica, false),
            ("service prefix", "owning-service=app", managed, true),
            ("service case", "owning-service=AppFlow", managed, false),
            ("service n/a", "owning-service=n/a", bare, false),
            ("service absent negated", "owning-service=!rds", bare, true),
            // description: words, case-insensitive, absent = no match.
            ("desc word", "description=two", one_two, true),
            ("desc case", "description=TWO", one_two, true),
            ("desc word prefix", "description=tw", one_two, true),
            ("desc mid-word", "description=wo", one_two, false),
            (
                "desc whole-string prefix",
                "description=one t",
                one_two,
                true,
            ),
            ("desc absent", "description=one", bare, false),
            ("desc absent negated", "description=!one", bare, true),
            ("desc camel", "description=two", camel, true),
            ("desc camel mid-word", "description=esc", camel, false),
            ("desc not the name", "description=d", one_two, false),
            ("desc empty value", "description=", one_two, false),
            // all: words, case-insensitive, per attribute.
            ("all in name", "all=db", prod, true),
            ("all in name, upper", "all=PASS", prod, true),
            ("all in description", "all=rot", prod, true),
            ("all in tag key", "all=team", tagged, true),
            ("all in tag value", "all=data", tagged, true),
            ("all two words, one attribute", "all=prod pass", prod, true),
            (
                "all words across attributes",
                "all=prod core",
                prod_team,
                false,
            ),
            (
                "all words across tag key/value",
                "all=team core",
                tagged,
                false,
            ),
            ("all mid-word", "all=assword", prod, false),
            ("all empty value", "all=", prod, false),
            ("all separator only", "all=/", prod, false),
            ("all negated separator", "all=!+", prod, true),
            ("all negated", "all=!prod", prod, false),
            ("all negated miss", "all=!dev", prod, true),
            ("all negated hits tag", "all=!core", tagged, false),
            // AND across filters, even with the same key.
            ("AND both", "name=prod;all=pass", prod, true),
            ("AND one fails", "name=prod;all=dev", prod, false),
            ("AND same key", "name=prod;name=prod/db", prod, true),
            ("AND same key fails", "name=prod;name=dev", prod, false),
            ("AND of negations", "name=!dev;name=!test", prod, true),
            (
                "AND of negations fails",
                "name=!dev;name=!prod",
                prod,
                false,
            ),
            ("no filters", "", prod, true),
        ];
        for (what, filters, secret, expected) in cases {
            let got = matches(&parse(filters), &secret().candidate());
            assert_eq!(got, *expected, "{what}: {filters:?}");
        }
    }

    /// moto's `test_with_all_filter`, which was run against AWS. There the suffix is a random
    /// hex uuid prefix; two fixed ones cover a digit-first and a letter-first suffix.
    #[test]
    fn aws_verified_all_filter() {
        for u in ["4e8b1c", "d1e2f3"] {
            let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
            let one = leak(format!("SecretOne{u}"));
            let two = leak(format!("SecretTwo{u}"));
            let third = leak(format!("Thirdsecret{u}"));
            let f_tag = leak(format!("SecretFTag{u}"));
            let f_val = leak(format!("SecretFValue{u}"));
            let secrets = [
                Secret::named(one),
                Secret::named(two).desc("DescTwo"),
                Secret::named(third),
                Secret::named(f_tag).tag("1", "foo"),
                Secret::named(f_val).tag("foo", "v"),
                Secret::named(leak(format!("none{u}"))),
            ];
            let four = vec![one, two, f_tag, f_val];
            let cases: Vec<(&str, Vec<&str>)> = vec![
                ("all=SecretOne", vec![one]),
                ("all=foo", vec![f_tag, f_val]),
                ("all=Secret", four.clone()),
                ("all=secret", four.clone()),
                ("all=ret", vec![]),
                ("all=sec", four.clone()),
                ("all=SomeSecret", vec![]),
                ("all=d", vec![two]),
                ("all=d t", vec![two]),
                ("all=t", vec![two, third, f_tag]),
            ];
            for (filters, expected) in cases {
                assert_eq!(select(&secrets, filters), expected, "{filters:?} u={u}");
            }
        }
    }

    /// moto's `test_with_all_filter_special_characters`, which was run against AWS, plus the
    /// mixed-separator secret that test names but never creates (so that rule is unverified).
    #[test]
    fn aws_verified_all_filter_special_characters() {
        let names = [
            "prod/AppBeta/9c0ffe",
            "prod_AppBeta_9c0ffe",
            "prod+AppBeta+9c0ffe",
            "prod=AppBeta=9c0ffe",
            "prod.AppBeta.9c0ffe",
            "prod@AppBeta@9c0ffe",
            "prod-AppBeta-9c0ffe",
            "uat/COMPANY/9c0ffe",
            "uat/COMPANYthings/9c0ffe",
            "prod-AppBeta/9c0ffe",
        ];
        let secrets: Vec<Secret> = names.into_iter().map(Secret::named).collect();
        let seven = names[..7].to_vec();
        let nine = names[..9].to_vec();
        let seven_and_mixed = [&names[..7], &names[9..]].concat();
        let cases: Vec<(&str, Vec<&str>)> = vec![
            ("all=AppBeta", seven.clone()),
            ("all=Beta", seven.clone()),
            ("all=+", vec![]),
            ("all=9c0ffe", nine),
            ("all=company", vec![names[7]]),
            ("all=things", vec![]),
            ("all=Ythings", vec![names[8]]),
            ("all=N", vec![]),
            ("all=pany", vec![]),
            // Unverified consequences of the mixed-separator rule: the name is one word.
            ("all=AppBeta,prod", seven_and_mixed.clone()),
            ("all=prod", seven_and_mixed),
            ("all=prod-AppBeta/9", vec![names[9]]),
        ];
        for (filters, expected) in cases {
            assert_eq!(select(&secrets, filters), expected, "{filters:?}");
        }
    }

    /// The AWS-verified description cases (`test_with_filter_with_value_with_multiple_words`,
    /// `test_with_duplicate_filter_keys`) and moto's (unverified) negation case.
    #[test]
    fn description_scenarios() {
        let secrets = [
            Secret::named("foo").desc("one two"),
            Secret::named("bar").desc("one and two"),
            Secret::named("baz").desc("one"),
            Secret::named("qux").desc("two"),
            Secret::named("none").desc("unrelated"),
        ];
        let cases: &[(&str, &[&str])] = &[
            ("description=one two", &["foo", "bar"]),
            ("description=o t", &["foo", "bar"]),
            ("description=t", &["foo", "bar", "qux"]),
            ("description=two one", &["foo", "bar"]),
            ("description=one;description=two", &["foo", "bar"]),
            ("description=one,!two", &["foo", "bar", "baz", "none"]),
            ("description=!o", &["qux", "none"]),
            ("description=!one;description=!two", &["none"]),
        ];
        for (filters, expected) in cases {
            assert_eq!(select(&secrets, filters), *expected, "{filters:?}");
        }

        let dup = [
            Secret::named("foo").desc("one two"),
            Secret::named("bar").desc("one"),
            Secret::named("baz").desc("two"),
            Secret::named("qux").desc("unrelated"),
        ];
        assert_eq!(select(&dup, "description=one;description=two"), ["foo"]);
    }

    /// moto's other list tests: name OR, tag AND, `all` over every attribute.
    #[test]
    fn moto_scenarios() {
        let plain = [
            Secret::named("foo"),
            Secret::named("bar"),
            Secret::named("baz"),
        ];
        assert_eq!(select(&plain, "name=foo,bar"), ["foo", "bar"]);
        assert_eq!(select(&plain, "name=foo"), ["foo"]);

        let tagged = [
            Secret::named("foo").tag("right", "right"),
            Secret::named("bar").tag("right", "wrong"),
            Secret::named("baz").tag("wrong", "right"),
            Secret::named("qux").tag("wrong", "wrong"),
        ];
        assert_eq!(select(&tagged, "tag-key=right;tag-value=right"), ["foo"]);

        let all = [
            Secret::named("foo"),
            Secret::named("bar").desc("foo"),
            Secret::named("baz").tag("foo", "1"),
            Secret::named("qux").tag("1", "foo"),
            Secret::named("multi").tag("foo", "foo"),
            Secret::named("none"),
        ];
        assert_eq!(
            select(&all, "all=foo"),
            ["foo", "bar", "baz", "qux", "multi"]
        );
    }

    fn owned(values: &[&str]) -> Option<Vec<String>> {
        Some(values.iter().map(|v| (*v).to_owned()).collect())
    }

    #[test]
    fn parse_errors_table() {
        use FilterErrorKind::{InvalidParameter, Validation};
        let key = |k: &str| Some(k.to_owned());
        let enum_set =
            "[all, name, tag-key, description, tag-value, primary-region, owning-service]";
        let bad_key = |k: &str, n: usize| {
            format!(
                "Value '{k}' at 'filters.{n}.member.key' failed to satisfy constraint: \
                 Member must satisfy enum value set: {enum_set}"
            )
        };
        let pattern =
            r"Member must satisfy regular expression pattern: ^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$";
        let too_long = "Member must have length less than or equal to 512";
        let bad_values = |list: &str, rules: &str| {
            format!(
                "Value '[{list}]' at 'filters.1.member.values' failed to satisfy constraint: \
                 Member must satisfy constraint: [{rules}]"
            )
        };
        let one = |violation: String| format!("1 validation error detected: {violation}");
        let long = "a".repeat(513);
        let eleven = vec!["v"; 11];
        let cases: Vec<(&str, RawFilters, FilterErrorKind, String)> = vec![
            (
                "no key",
                vec![(None, owned(&["foo"]))],
                InvalidParameter,
                "Invalid filter key".into(),
            ),
            (
                "no values",
                vec![(key("description"), None)],
                InvalidParameter,
                "Invalid filter values for key: description".into(),
            ),
            (
                "no key, no values",
                vec![(None, None)],
                InvalidParameter,
                "Invalid filter key".into(),
            ),
            (
                "first failing filter wins",
                vec![
                    (key("name"), owned(&["a"])),
                    (key("tag-key"), None),
                    (None, owned(&["a"])),
                ],
                InvalidParameter,
                "Invalid filter values for key: tag-key".into(),
            ),
            (
                "unknown key",
                vec![(key("invalid"), owned(&["foo"]))],
                Validation,
                one(bad_key("invalid", 1)),
            ),
            (
                "key position is 1-based, keys are case-sensitive",
                vec![(key("name"), owned(&["a"])), (key("Name"), owned(&["a"]))],
                Validation,
                one(bad_key("Name", 2)),
            ),
            (
                "empty key",
                vec![(key(""), owned(&["a"]))],
                Validation,
                one(bad_key("", 1)),
            ),
            (
                "validation beats invalid parameter",
                vec![(None, owned(&["a"])), (key("bogus"), owned(&["a"]))],
                Validation,
                one(bad_key("bogus", 2)),
            ),
            (
                "bad character",
                vec![(key("name"), owned(&["ok", "foo#"]))],
                Validation,
                one(bad_values("ok, foo#", pattern)),
            ),
            (
                "comma is not allowed",
                vec![(key("all"), owned(&["a,b"]))],
                Validation,
                one(bad_values("a,b", pattern)),
            ),
            (
                "non-ASCII character",
                vec![(key("all"), owned(&["café"]))],
                Validation,
                one(bad_values("café", pattern)),
            ),
            (
                "tab is not a space",
                vec![(key("all"), owned(&["a\tb"]))],
                Validation,
                one(bad_values("a\tb", pattern)),
            ),
            (
                "value too long",
                vec![(key("name"), owned(&[&long]))],
                Validation,
                one(bad_values(&long, too_long)),
            ),
            (
                "too long and bad character",
                vec![(key("name"), owned(&[&long, "#"]))],
                Validation,
                one(bad_values(
                    &format!("{long}, #"),
                    &format!("{too_long}, {pattern}"),
                )),
            ),
            (
                "empty value list",
                vec![(key("name"), Some(vec![]))],
                Validation,
                one(
                    "Value '[]' at 'filters.1.member.values' failed to satisfy constraint: \
                     Member must have length greater than or equal to 1"
                        .into(),
                ),
            ),
            (
                "eleven values",
                vec![(key("name"), owned(&eleven))],
                Validation,
                one(format!(
                    "Value '[{}]' at 'filters.1.member.values' failed to satisfy constraint: \
                     Member must have length less than or equal to 10",
                    eleven.join(", ")
                )),
            ),
            (
                "two errors are counted and joined",
                vec![(key("nope"), owned(&["a#"]))],
                Validation,
                format!(
                    "2 validation errors detected: {}; {}",
                    bad_key("nope", 1),
                    bad_values("a#", pattern)
                ),
            ),
            (
                "eleven filters",
                vec![(key("name"), owned(&["a"])); 11],
                Validation,
                one(format!(
                    "Value '[{}]' at 'filters' failed to satisfy constraint: \
                     Member must have length less than or equal to 10",
                    ["{Key: name,Values: [a]}"; 11].join(", ")
                )),
            ),
        ];
        for (what, input, kind, message) in cases {
            let err = parse_filters(&input).expect_err(what);
            assert_eq!(err, FilterError { kind, message }, "{what}");
        }
    }

    fn value(negate: bool, text: &str) -> FilterValue {
        FilterValue {
            negate,
            text: text.to_owned(),
        }
    }

    #[test]
    fn parse_accepts_table() {
        let max = "b".repeat(512);
        let max_negated = format!("!{}", "b".repeat(511));
        let every_key: String = FilterKey::ALL_KEYS
            .iter()
            .map(|k| format!("{k}=x"))
            .collect::<Vec<_>>()
            .join(";");
        let cases: Vec<(&str, String, Vec<Filter>)> = vec![
            (
                "every key",
                every_key,
                FilterKey::ALL_KEYS
                    .iter()
                    .map(|&key| Filter {
                        key,
                        values: vec![value(false, "x")],
                    })
                    .collect(),
            ),
            (
                "negation and every allowed character",
                "name=!prod,!!x,a!b,!,,Az09 :_@/+=.-!".into(),
                vec![Filter {
                    key: FilterKey::Name,
                    values: vec![
                        value(true, "prod"),
                        value(true, "!x"),
                        value(false, "a!b"),
                        value(true, ""),
                        value(false, ""),
                        value(false, "Az09 :_@/+=.-!"),
                    ],
                }],
            ),
            (
                "limits are inclusive",
                format!("tag-value={max},{max_negated};all=v,v,v,v,v,v,v,v,v,v"),
                vec![
                    Filter {
                        key: FilterKey::TagValue,
                        values: vec![value(false, &max), value(true, &max[1..])],
                    },
                    Filter {
                        key: FilterKey::All,
                        values: vec![value(false, "v"); 10],
                    },
                ],
            ),
            ("no filters", String::new(), vec![]),
        ];
        for (what, filters, expected) in cases {
            assert_eq!(parse_filters(&dsl(&filters)), Ok(expected), "{what}");
        }
        let ten = ["name=a"; 10].join(";");
        assert_eq!(parse_filters(&dsl(&ten)).map(|f| f.len()), Ok(10));
    }

    #[test]
    fn key_round_trip_and_error_codes() {
        for key in FilterKey::ALL_KEYS {
            assert_eq!(FilterKey::parse(key.as_str()), Some(key));
            assert_eq!(key.to_string(), key.as_str());
        }
        assert_eq!(FilterKey::parse("NAME"), None);
        assert_eq!(FilterKey::parse("tag_key"), None);
        let codes = [
            (
                FilterErrorKind::InvalidParameter,
                "InvalidParameterException",
            ),
            (FilterErrorKind::Validation, "ValidationException"),
        ];
        for (kind, code) in codes {
            assert_eq!(kind.code(), code);
        }
        let err = FilterError {
            kind: FilterErrorKind::InvalidParameter,
            message: "Invalid filter key".into(),
        };
        assert_eq!(
            err.to_string(),
            "InvalidParameterException: Invalid filter key"
        );
    }
}
