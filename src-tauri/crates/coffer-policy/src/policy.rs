//! Parsing and validating a policy document into [`Policy`].
//!
//! Everything AWS would reject as `MalformedPolicyDocument` is rejected here, with the
//! statement's 1-based position in the message: unknown elements, wrong value types, a missing
//! or doubled `Action`/`NotAction` (and `Resource`, `Principal`), unknown condition operators,
//! values of the wrong type for their operator, duplicate JSON keys, duplicate `Sid`s, resources
//! that are neither `*` nor an ARN, wildcards in a resource's service segment, and a `Principal`
//! in an identity-based policy.

use crate::PolicyError;
use crate::condition::{Condition, Operator};
use crate::json::Json;
use crate::template::{self, Template, Tok};

/// Maximum size of a resource policy, in characters (Secrets Manager quota). The caller checks
/// it before storing; [`crate::validate_resource_policy`] reports it.
pub const MAX_RESOURCE_POLICY_CHARS: usize = 20_480;

/// The current policy language version: policy variables are honoured only under it.
pub const VERSION_2012: &str = "2012-10-17";
/// The old policy language version: `${…}` is literal text.
pub const VERSION_2008: &str = "2008-10-17";

/// Where a policy is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user, group or role: no `Principal`.
    Identity,
    /// Attached to a secret: `Principal` or `NotPrincipal` required; `"Resource": "*"` means
    /// the secret itself.
    Resource,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Grants, unless something denies explicitly.
    Allow,
    /// Denies; always wins.
    Deny,
}

impl Effect {
    /// `"Allow"` or `"Deny"`, as written in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// An action pattern, lowercased (actions are case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActionPattern {
    pub(crate) raw: String,
    pub(crate) tokens: Vec<Tok>,
}

/// A principal named in `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalId {
    /// `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers.
    Everyone,
    /// `{"AWS": "111122223333"}` or `{"AWS": "arn:aws:iam::111122223333:root"}`.
    Account(String),
    /// `{"AWS": "arn:…"}` naming a user, role or session (exact, case-sensitive).
    Arn(String),
    /// `{"Service": "…"}`, matched against the caller's principal name.
    Service(String),
}

/// The `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrincipalSpec {
    pub(crate) negated: bool,
    pub(crate) ids: Vec<PrincipalId>,
}

/// One statement, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub(crate) index: usize,
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) not_action: bool,
    pub(crate) actions: Vec<ActionPattern>,
    pub(crate) not_resource: bool,
    pub(crate) resources: Vec<Template>,
    pub(crate) principal: Option<PrincipalSpec>,
    pub(crate) conditions: Vec<Condition>,
}

impl Statement {
    /// 1-based position in the policy (as in error messages and evaluation reasons).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The `Sid`, if any.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// The `Effect`.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the statement uses `NotAction` (else `Action`).
    pub fn is_not_action(&self) -> bool {
        self.not_action
    }

    /// The action patterns as written.
    pub fn action_patterns(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(|a| a.raw.as_str())
    }

    /// Whether the statement uses `NotResource` (else `Resource`).
    pub fn is_not_resource(&self) -> bool {
        self.not_resource
    }

    /// The resource patterns as written.
    pub fn resource_patterns(&self) -> impl Iterator<Item = &str> {
        self.resources.iter().map(Template::raw)
    }

    /// Whether the statement has `Principal` or `NotPrincipal`.
    pub fn has_principal(&self) -> bool {
        self.principal.is_some()
    }

    /// Whether the statement uses `NotPrincipal`.
    pub fn is_not_principal(&self) -> bool {
        self.principal.as_ref().is_some_and(|p| p.negated)
    }

    /// A label for messages: `statement 'Sid'` or `statement 2`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("statement '{sid}'"),
            _ => format!("statement {}", self.index),
        }
    }
}

/// A parsed, validated policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub(crate) kind: PolicyKind,
    pub(crate) version: Option<String>,
    pub(crate) id: Option<String>,
    pub(crate) statements: Vec<Statement>,
}

impl Policy {
    /// Parses and validates a policy document.
    ///
    /// # Errors
    /// [`PolicyError`] with a precise message (e.g. `Statement 2: unknown condition operator
    /// StringEqualz`) for anything AWS would reject as a malformed policy document. The size
    /// limit is not checked here (see [`MAX_RESOURCE_POLICY_CHARS`]).
    pub fn parse(json: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let doc = Json::parse(json).map_err(|e| PolicyError::new(format!("Invalid JSON: {e}")))?;
        let Json::Object(members) = doc else {
            return Err(PolicyError::new(format!(
                "Policy document must be a JSON object, not {}",
                doc.type_name()
            )));
        };
        let mut version = None;
        let mut id = None;
        let mut statement_json = None;
        for (key, value) in &members {
            match key.as_str() {
                "Version" => match value {
                    Json::String(v) if v == VERSION_2012 || v == VERSION_2008 => {
                        version = Some(v.clone())
                    }
                    Json::String(v) => {
                        return Err(PolicyError::new(format!(
                            "Invalid Version \"{v}\" (expected \"2012-10-17\" or \"2008-10-17\")"
                        )));
                    }
                    other => {
                        return Err(PolicyError::new(format!(
                            "Version must be a string, not {}",
                            other.type_name()
                        )));
                    }
                },
                "Id" => match value {
                    Json::String(v) => id = Some(v.clone()),
                    other => {
                        return Err(PolicyError::new(format!(
                            "Id must be a string, not {}",
                            other.type_name()
                        )));
                    }
                },
                "Statement" => statement_json = Some(value),
                other => {
                    return Err(PolicyError::new(format!(
                        "Unknown policy element \"{other}\""
                    )));
                }
            }
        }
        let variables = version.as_deref() == Some(VERSION_2012);
        let items: Vec<&Json> = match statement_json {
            None => return Err(PolicyError::new("Missing required element Statement")),
            Some(Json::Array(items)) => items.iter().collect(),
            Some(obj @ Json::Object(_)) => vec![obj],
            Some(other) => {
                return Err(PolicyError::new(format!(
                    "Statement must be an object or a list of objects, not {}",
                    other.type_name()
                )));
            }
        };
        if items.is_empty() {
            return Err(PolicyError::new("Statement must not be empty"));
        }
        let mut statements = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let index = i + 1;
            let stmt = parse_statement(item, index, kind, variables)
                .map_err(|m| PolicyError::new(format!("Statement {index}: {m}")))?;
            if let Some(sid) = &stmt.sid {
                if statements
                    .iter()
                    .any(|s: &Statement| s.sid.as_ref() == Some(sid))
                {
                    return Err(PolicyError::new(format!(
                        "Statement {index}: duplicate Sid \"{sid}\" (statement IDs must be unique)"
                    )));
                }
            }
            statements.push(stmt);
        }
        Ok(Policy {
            kind,
            version,
            id,
            statements,
        })
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// Where the policy was parsed to be attached.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The `Version` element, if present.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The `Id` element, if present.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Whether `${…}` policy variables are honoured (Version 2012-10-17 only).
    pub fn uses_variables(&self) -> bool {
        self.version.as_deref() == Some(VERSION_2012)
    }
}

type Res<T> = Result<T, String>;

fn parse_statement(item: &Json, index: usize, kind: PolicyKind, variables: bool) -> Res<Statement> {
    let Json::Object(members) = item else {
        return Err(format!("must be an object, not {}", item.type_name()));
    };
    let get = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    for (key, _) in members {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Principal"
                | "NotPrincipal"
                | "Condition"
        ) {
            return Err(format!("unknown element \"{key}\""));
        }
    }
    let sid = match get("Sid") {
        None => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("Sid must be a string, not {}", other.type_name())),
    };
    let effect = match get("Effect") {
        None => return Err("missing Effect".into()),
        Some(Json::String(s)) if s == "Allow" => Effect::Allow,
        Some(Json::String(s)) if s == "Deny" => Effect::Deny,
        Some(Json::String(s)) => {
            return Err(format!(
                "invalid Effect \"{s}\" (expected \"Allow\" or \"Deny\")"
            ));
        }
        Some(other) => {
            return Err(format!(
                "Effect must be a string, not {}",
                other.type_name()
            ));
        }
    };

    let (not_action, raw_actions) = exactly_one(get("Action"), get("NotAction"), "Action")?;
    let actions = raw_actions
        .iter()
        .map(|a| parse_action(a))
        .collect::<Res<Vec<_>>>()?;

    let (not_resource, raw_resources) =
        exactly_one(get("Resource"), get("NotResource"), "Resource")?;
    let resources = raw_resources
        .iter()
        .map(|r| parse_resource(r, variables))
        .collect::<Res<Vec<_>>>()?;

    let principal = match (get("Principal"), get("NotPrincipal"), kind) {
        (None, None, PolicyKind::Identity) => None,
        (Some(_), _, PolicyKind::Identity) => {
            return Err("Principal is not allowed in an identity-based policy".into());
        }
        (_, Some(_), PolicyKind::Identity) => {
            return Err("NotPrincipal is not allowed in an identity-based policy".into());
        }
        (None, None, PolicyKind::Resource) => {
            return Err("missing Principal or NotPrincipal".into());
        }
        (Some(_), Some(_), PolicyKind::Resource) => {
            return Err("has both Principal and NotPrincipal".into());
        }
        (Some(p), None, PolicyKind::Resource) => Some(parse_principal(p, false)?),
        (None, Some(p), PolicyKind::Resource) => Some(parse_principal(p, true)?),
    };

    let conditions = match get("Condition") {
        None => Vec::new(),
        Some(c) => parse_conditions(c, variables)?,
    };
    Ok(Statement {
        index,
        sid,
        effect,
        not_action,
        actions,
        not_resource,
        resources,
        principal,
        conditions,
    })
}

/// Exactly one of `X`/`NotX`, as a non-empty list of strings; `true` for `NotX`.
fn exactly_one(plain: Option<&Json>, not: Option<&Json>, name: &str) -> Res<(bool, Vec<String>)> {
    let (negated, value, element) = match (plain, not) {
        (Some(_), Some(_)) => return Err(format!("has both {name} and Not{name}")),
        (None, None) => return Err(format!("missing {name} or Not{name}")),
        (Some(v), None) => (false, v, name.to_owned()),
        (None, Some(v)) => (true, v, format!("Not{name}")),
    };
    let list = string_list(value, &element)?;
    if list.is_empty() {
        return Err(format!("{element} must not be empty"));
    }
    Ok((negated, list))
}

/// A string or a list of strings.
fn string_list(value: &Json, element: &str) -> Res<Vec<String>> {
    let bad = || format!("{element} must be a string or a list of strings");
    match value {
        Json::String(s) => Ok(vec![s.clone()]),
        Json::Array(items) => items
            .iter()
            .map(|v| match v {
                Json::String(s) => Ok(s.clone()),
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

fn parse_action(raw: &str) -> Res<ActionPattern> {
    let lower = raw.to_lowercase();
    if lower != "*" {
        let valid = match lower.split_once(':') {
            Some((service, name)) => {
                !service.is_empty()
                    && service
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !name.is_empty()
                    && !name.contains(':')
            }
            None => false,
        };
        if !valid {
            return Err(format!(
                "invalid action \"{raw}\" (expected \"*\" or \"service:Action\")"
            ));
        }
    }
    Ok(ActionPattern {
        tokens: template::glob_tokens(&lower),
        raw: raw.to_owned(),
    })
}

fn parse_resource(raw: &str, variables: bool) -> Res<Template> {
    let tpl = if variables {
        Template::with_variables(raw)?
    } else {
        Template::plain(raw)
    };
    if raw == "*" {
        return Ok(tpl);
    }
    let parts: Vec<&str> = raw.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return Err(format!("Resource \"{raw}\" must be in ARN format or \"*\""));
    }
    if parts[2].is_empty() || parts[2].contains(['*', '?']) {
        return Err(format!(
            "Resource \"{raw}\" must name a service without wildcards"
        ));
    }
    if tpl.has_variables() && tpl.text_before_first_variable().matches(':').count() < 5 {
        return Err(format!(
            "Resource \"{raw}\": policy variables are only allowed in the resource part of an ARN"
        ));
    }
    Ok(tpl)
}

fn parse_principal(value: &Json, negated: bool) -> Res<PrincipalSpec> {
    let element = if negated { "NotPrincipal" } else { "Principal" };
    let members = match value {
        Json::String(s) if s == "*" => {
            return Ok(PrincipalSpec {
                negated,
                ids: vec![PrincipalId::Everyone],
            });
        }
        Json::Object(members) if !members.is_empty() => members,
        _ => {
            return Err(format!(
                "{element} must be \"*\" or an object such as {{\"AWS\": …}}"
            ));
        }
    };
    let mut ids = Vec::new();
    for (kind, v) in members {
        let names = string_list(v, &format!("{element} {kind}"))?;
        if names.is_empty() {
            return Err(format!("{element} {kind} must not be empty"));
        }
        for name in names {
            let invalid = || format!("Invalid principal in policy: \"{kind}\":\"{name}\"");
            let id = match kind.as_str() {
                "AWS" => parse_aws_principal(&name).ok_or_else(invalid)?,
                "Service" => {
                    if name.is_empty() || name.contains(['*', '?']) {
                        return Err(invalid());
                    }
                    PrincipalId::Service(name)
                }
                other => return Err(format!("unsupported principal type \"{other}\"")),
            };
            ids.push(id);
        }
    }
    Ok(PrincipalSpec { negated, ids })
}

fn parse_aws_principal(name: &str) -> Option<PrincipalId> {
    if name == "*" {
        return Some(PrincipalId::Everyone);
    }
    if is_account_id(name) {
        return Some(PrincipalId::Account(name.to_owned()));
    }
    let parts: Vec<&str> = name.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || name.contains(['*', '?']) {
        return None;
    }
    if parts[2] == "iam" && parts[5] == "root" && is_account_id(parts[4]) {
        return Some(PrincipalId::Account(parts[4].to_owned()));
    }
    if parts[4].is_empty() || parts[5].is_empty() {
        return None;
    }
    Some(PrincipalId::Arn(name.to_owned()))
}

pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_conditions(value: &Json, variables: bool) -> Res<Vec<Condition>> {
    let Json::Object(operators) = value else {
        return Err(format!(
            "Condition must be an object, not {}",
            value.type_name()
        ));
    };
    let mut out = Vec::new();
    for (op_name, block) in operators {
        let operator = Operator::parse(op_name)
            .ok_or_else(|| format!("unknown condition operator {op_name}"))?;
        let Json::Object(entries) = block else {
            return Err(format!(
                "condition operator {op_name} must map keys to values"
            ));
        };
        if entries.is_empty() {
            return Err(format!("condition operator {op_name} has no keys"));
        }
        for (key, raw) in entries {
            if key.is_empty() || !key.contains(':') || key.chars().any(char::is_whitespace) {
                return Err(format!("invalid condition key \"{key}\""));
            }
            let values = condition_values(raw).ok_or_else(|| {
                format!("{op_name} {key}: values must be strings, numbers or booleans")
            })?;
            if values.is_empty() {
                return Err(format!("{op_name} {key}: no values"));
            }
            out.push(Condition::new(operator.clone(), key, &values, variables)?);
        }
    }
    Ok(out)
}

/// A scalar or a list of scalars, as strings (`true`, `10`, `1.5`).
fn condition_values(value: &Json) -> Option<Vec<String>> {
    fn scalar(v: &Json) -> Option<String> {
        match v {
            Json::String(s) => Some(s.clone()),
            Json::Bool(b) => Some(b.to_string()),
            Json::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    match value {
        Json::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}
