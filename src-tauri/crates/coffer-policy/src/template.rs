//! Policy strings: `*`/`?` wildcards, policy variables (`${aws:username}`,
//! `${aws:PrincipalTag/team, 'default'}`) and their escapes (`${*}`, `${?}`, `${$}`).
//!
//! A [`Template`] is parsed once with the policy. At evaluation it is resolved against the
//! request: a variable takes the key's value (or its default); a variable whose key is absent
//! and has no default makes the whole template *null*, which matches nothing. Text that came
//! from a variable or an escape is always literal, never a wildcard.

use crate::RequestContext;

/// One piece of a policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text as written: `*` and `?` are wildcards where the operator honours them.
    Text(String),
    /// A character from an escape (`${*}`, `${?}`, `${$}`): always literal.
    Escaped(char),
    /// A policy variable; `key` is lowercased (key names are case-insensitive).
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A glob token after resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Matches exactly this character.
    Lit(char),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A policy string with its variables parsed (or none, under Version 2008-10-17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    raw: String,
    parts: Vec<Part>,
}

impl Template {
    /// The string as literal text with wildcards: no variables (Version 2008-10-17 or absent).
    pub(crate) fn plain(raw: &str) -> Template {
        Template {
            raw: raw.to_owned(),
            parts: vec![Part::Text(raw.to_owned())],
        }
    }

    /// Parses `${…}` variables and escapes.
    ///
    /// # Errors
    /// An unterminated `${`, an empty or malformed variable, or a default that is not
    /// single-quoted; the message names the offending text.
    pub(crate) fn with_variables(raw: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = raw;
        while let Some(start) = rest.find("${") {
            text.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err(format!("unterminated policy variable in \"{raw}\""));
            };
            let body = &after[..end];
            let part = match body.trim() {
                "*" => Part::Escaped('*'),
                "?" => Part::Escaped('?'),
                "$" => Part::Escaped('$'),
                inner => parse_variable(inner)
                    .ok_or_else(|| format!("invalid policy variable \"${{{body}}}\""))?,
            };
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(part);
            rest = &after[end + 1..];
        }
        text.push_str(rest);
        if !text.is_empty() || parts.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template {
            raw: raw.to_owned(),
            parts,
        })
    }

    /// The string as written in the policy.
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }

    /// Whether the string has a policy variable or an escape.
    pub(crate) fn has_variables(&self) -> bool {
        self.parts.iter().any(|p| !matches!(p, Part::Text(_)))
    }

    /// The text before the first variable or escape (all of it when there is none).
    pub(crate) fn text_before_first_variable(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                _ => break,
            }
        }
        out
    }

    /// Resolves to glob tokens; `wildcards` says whether `*`/`?` in written text are
    /// wildcards. `None` when a variable is null (absent key, no default).
    pub(crate) fn tokens(&self, ctx: &RequestContext, wildcards: bool) -> Option<Vec<Tok>> {
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.extend(t.chars().map(|c| match c {
                    '*' if wildcards => Tok::Star,
                    '?' if wildcards => Tok::One,
                    c => Tok::Lit(c),
                })),
                Part::Escaped(c) => out.push(Tok::Lit(*c)),
                Part::Var { key, default } => out.extend(
                    variable_value(ctx, key, default.as_deref())?
                        .chars()
                        .map(Tok::Lit),
                ),
            }
        }
        Some(out)
    }

    /// Resolves to a literal string (no wildcards). `None` when a variable is null.
    pub(crate) fn literal(&self, ctx: &RequestContext) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Escaped(c) => out.push(*c),
                Part::Var { key, default } => {
                    out.push_str(variable_value(ctx, key, default.as_deref())?)
                }
            }
        }
        Some(out)
    }
}

/// `key` or `key, 'default'`.
fn parse_variable(inner: &str) -> Option<Part> {
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let d = default.trim();
            let d = d.strip_prefix('\'')?.strip_suffix('\'')?;
            (key.trim(), Some(d.to_owned()))
        }
        None => (inner, None),
    };
    let valid = !key.is_empty()
        && key.contains(':')
        && key
            .chars()
            .all(|c| !c.is_whitespace() && !"${}'\",*?".contains(c));
    valid.then(|| Part::Var {
        key: key.to_ascii_lowercase(),
        default,
    })
}

/// A variable's value: the key's single value, else the default. Multi-valued keys cannot be
/// variables, so two or more values count as absent.
fn variable_value<'a>(
    ctx: &'a RequestContext,
    key: &str,
    default: Option<&'a str>,
) -> Option<&'a str> {
    match ctx.get(key) {
        [one] => Some(one.as_str()),
        _ => default,
    }
}

/// Splits a string into tokens with `*` and `?` as wildcards (no variables).
pub(crate) fn glob_tokens(pattern: &str) -> Vec<Tok> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// Glob match of the whole `text`: `*` any run (crossing `/` and `:`), `?` one character.
/// Linear backtracking over the last `*` only, so no input is exponential.
pub(crate) fn glob(pattern: &[Tok], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Tok::One) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Lit(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            Some(Tok::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|tok| *tok == Tok::Star)
}

/// ARN match (`ArnLike`, `ArnEquals`, `Resource`): the pattern's colon-separated parts (at
/// most six; the sixth holds the rest, colons included) are matched against as many parts of the
/// text, each separately, so `*` cannot swallow a colon of the first five. `*` alone is one part
/// and matches everything.
pub(crate) fn arn_match(pattern: &[Tok], text: &str) -> bool {
    let pattern_parts: Vec<&[Tok]> = split_tokens(pattern);
    let text_parts: Vec<&str> = text.splitn(pattern_parts.len(), ':').collect();
    text_parts.len() == pattern_parts.len()
        && pattern_parts
            .iter()
            .zip(&text_parts)
            .all(|(p, t)| glob(p, &t.chars().collect::<Vec<_>>()))
}

/// Splits tokens at literal colons into at most six parts.
fn split_tokens(tokens: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, tok) in tokens.iter().enumerate() {
        if parts.len() == 5 {
            break;
        }
        if *tok == Tok::Lit(':') {
            parts.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    parts.push(&tokens[start..]);
    parts
}
