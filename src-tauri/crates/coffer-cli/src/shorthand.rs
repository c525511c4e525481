//! The AWS CLI's argument conventions: shorthand syntax (`Key=name,Values=a,b`), JSON
//! lists, and `file://` / `fileb://` values.

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use serde_json::{Map, Value, json};

/// Parses AWS shorthand `K1=v1,K2=v2,v3` into an object. A bare item after a key's value
/// extends that key into a list (`Values=a,b`), and `[a,b]` is a list too.
pub fn parse_struct(s: &str, list_keys: &[&str]) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    let mut last: Option<String> = None;
    for item in split_top(s) {
        if let Some((k, v)) = item.split_once('=') {
            let k = k.trim().to_owned();
            let v = v.trim();
            let value = if let Some(inner) = v.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                Value::Array(
                    split_top(inner)
                        .into_iter()
                        .map(|x| json!(x.trim()))
                        .collect(),
                )
            } else if list_keys.contains(&k.as_str()) {
                json!([v])
            } else {
                json!(v)
            };
            out.insert(k.clone(), value);
            last = Some(k);
        } else {
            let Some(k) = &last else {
                bail!("cannot parse '{s}': expected Key=Value pairs");
            };
            match out.get_mut(k) {
                Some(Value::Array(a)) => a.push(json!(item.trim())),
                Some(other) => {
                    let first = other.take();
                    *other = json!([first, item.trim()]);
                }
                None => unreachable!(),
            }
        }
    }
    Ok(out)
}

/// Splits at commas that are not inside `[…]`.
fn split_top(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// A list-of-structures argument: one JSON array, or shorthand items.
pub fn parse_struct_list(items: &[String], list_keys: &[&str]) -> Result<Value> {
    if let [one] = items {
        if one.trim_start().starts_with('[') {
            return serde_json::from_str(one).with_context(|| format!("invalid JSON list: {one}"));
        }
    }
    items
        .iter()
        .map(|i| parse_struct(i, list_keys).map(Value::Object))
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

/// A text argument: `file://path` reads the file, anything else is the text itself.
pub fn text_arg(v: &str) -> Result<String> {
    match v.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("cannot read {path}")),
        None => Ok(v.to_owned()),
    }
}

/// A blob argument as AWS CLI v2 reads it: `fileb://path` is raw bytes, anything else
/// must already be base64. Returns base64 text, as the wire wants it.
pub fn blob_arg(v: &str) -> Result<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    match v.strip_prefix("fileb://") {
        Some(path) => {
            Ok(b64.encode(std::fs::read(path).with_context(|| format!("cannot read {path}"))?))
        }
        None => {
            let text = text_arg(v)?;
            b64.decode(text.trim())
                .context("--secret-binary must be base64 (or fileb://path for raw bytes)")?;
            Ok(text.trim().to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_shorthand() {
        let v = parse_struct_list(&["Key=name,Values=prod,dev".into()], &["Values"]).unwrap();
        assert_eq!(v, json!([{"Key": "name", "Values": ["prod", "dev"]}]));
        let v = parse_struct_list(
            &[
                "Key=all,Values=[a,b]".into(),
                "Key=tag-key,Values=env".into(),
            ],
            &["Values"],
        )
        .unwrap();
        assert_eq!(
            v,
            json!([{"Key": "all", "Values": ["a", "b"]}, {"Key": "tag-key", "Values": ["env"]}])
        );
    }

    #[test]
    fn tags_shorthand_and_json() {
        let v = parse_struct_list(
            &["Key=env,Value=prod".into(), "Key=team,Value=".into()],
            &[],
        )
        .unwrap();
        assert_eq!(
            v,
            json!([{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": ""}])
        );
        let v = parse_struct_list(&[r#"[{"Key":"a","Value":"b"}]"#.into()], &[]).unwrap();
        assert_eq!(v, json!([{"Key": "a", "Value": "b"}]));
    }

    #[test]
    fn bad_shorthand_is_an_error() {
        assert!(parse_struct("novalue", &[]).is_err());
        assert!(blob_arg("not base64!").is_err());
    }
}
