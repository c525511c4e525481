//! `coffer-generated-value`: rotates a secret to a freshly generated password, with no
//! target system to update — for API keys and passwords that Coffer itself hands out.
//!
//! It follows AWS's rotation templates step by step:
//! - createSecret: unless the AWSPENDING version already has a value (a retried step),
//!   generate a password with GetRandomPassword's rules and store it with
//!   PutSecretValue(token, [AWSPENDING]). A JSON object secret keeps every member and only
//!   its `password` changes; any other text secret is replaced by the password.
//! - setSecret: nothing to set.
//! - testSecret: the AWSPENDING value is readable and, when the current value is a JSON
//!   object, still an object with a `password`.
//! - finishSecret: move AWSCURRENT to the token (AWSPREVIOUS follows), unless it is there.

use async_trait::async_trait;
use coffer_engine::password::PasswordRules;
use coffer_engine::rotation::{RotationEvent, RotationFailure, RotationStep, Rotator};
use coffer_engine::{
    AWSCURRENT, AWSPENDING, ErrorCode, GetSecretValueInput, PutSecretValueInput, SecretValue,
};

/// The function name of this rotator in a Lambda ARN.
pub const GENERATED_VALUE: &str = "coffer-generated-value";

/// A rotator that generates a new password (GetRandomPassword rules).
#[derive(Debug, Clone, Default)]
pub struct GeneratedValueRotator {
    rules: PasswordRules,
}

impl GeneratedValueRotator {
    /// AWS's default rules: 32 characters of letters, digits and punctuation.
    pub fn new() -> GeneratedValueRotator {
        GeneratedValueRotator::default()
    }

    async fn pending(&self, event: &RotationEvent) -> Result<Option<SecretValue>, RotationFailure> {
        let read = event
            .engine
            .get_secret_value(
                &event.ctx,
                GetSecretValueInput {
                    secret_id: event.secret_id.clone(),
                    version_id: Some(event.client_request_token.clone()),
                    version_stage: Some(AWSPENDING.to_owned()),
                },
            )
            .await;
        match read {
            Ok(v) => Ok(Some(v.value)),
            Err(e) if e.code() == ErrorCode::ResourceNotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The AWSCURRENT value, if the secret has one.
    async fn current(&self, event: &RotationEvent) -> Result<Option<SecretValue>, RotationFailure> {
        let read = event
            .engine
            .get_secret_value(
                &event.ctx,
                GetSecretValueInput {
                    secret_id: event.secret_id.clone(),
                    version_id: None,
                    version_stage: Some(AWSCURRENT.to_owned()),
                },
            )
            .await;
        match read {
            Ok(v) => Ok(Some(v.value)),
            Err(e) if e.code() == ErrorCode::ResourceNotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn create(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        if self.pending(event).await?.is_some() {
            return Ok(());
        }
        let current = self.current(event).await?;
        let password = event
            .engine
            .get_random_password(&event.ctx, self.rules.clone())
            .await?;
        let password = password.expose_str().map_err(|_| {
            RotationFailure::new("InvalidSecret", "The generated password is not text.")
        })?;
        let new_value = match &current {
            Some(SecretValue::Binary(_)) => {
                return Err(RotationFailure::new(
                    "InvalidSecret",
                    "coffer-generated-value rotates text secrets; this secret holds binary data.",
                ));
            }
            Some(v @ SecretValue::String(_)) => {
                let text = v.as_str().unwrap_or_default();
                match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(serde_json::Value::Object(mut members)) => {
                        members.insert("password".into(), password.into());
                        SecretValue::string(serde_json::Value::Object(members).to_string())
                    }
                    _ => SecretValue::string(password),
                }
            }
            None => SecretValue::string(password),
        };
        event
            .engine
            .put_secret_value(
                &event.ctx,
                PutSecretValueInput {
                    secret_id: event.secret_id.clone(),
                    client_request_token: Some(event.client_request_token.clone()),
                    value: Some(new_value),
                    version_stages: Some(vec![AWSPENDING.to_owned()]),
                    rotation_token: None,
                },
            )
            .await?;
        Ok(())
    }

    async fn test(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        let Some(pending) = self.pending(event).await? else {
            return Err(RotationFailure::new(
                "InvalidSecret",
                "The AWSPENDING version has no value: createSecret did not complete.",
            ));
        };
        let current = self.current(event).await?;
        check_pending(current.as_ref(), &pending)
    }
}

/// testSecret's check: when the current value is a JSON object, the new one must still be
/// an object with a string `password` (createSecret changed only that member). Any other
/// secret was replaced by a bare generated password, which may itself begin with `{`.
fn check_pending(
    current: Option<&SecretValue>,
    pending: &SecretValue,
) -> Result<(), RotationFailure> {
    let is_object = |v: &SecretValue| {
        v.as_str()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .filter(serde_json::Value::is_object)
    };
    if current.and_then(is_object).is_none() {
        return Ok(());
    }
    let has_password = is_object(pending)
        .and_then(|v| v.get("password").map(serde_json::Value::is_string))
        .unwrap_or(false);
    if has_password {
        Ok(())
    } else {
        Err(RotationFailure::new(
            "InvalidSecret",
            "The AWSPENDING value is not a JSON object with a password.",
        ))
    }
}

#[async_trait]
impl Rotator for GeneratedValueRotator {
    async fn run_step(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        match event.step {
            RotationStep::CreateSecret => self.create(event).await,
            RotationStep::SetSecret => Ok(()),
            RotationStep::TestSecret => self.test(event).await,
            RotationStep::FinishSecret => crate::finish_secret(event).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bare generated password may begin with `{` (GetRandomPassword's punctuation): it
    /// passes testSecret unless the secret it replaces was a JSON object.
    #[test]
    fn the_pending_value_is_checked_against_the_shape_of_the_current_one() {
        let text = |s: &str| SecretValue::string(s);
        let brace_password = text("{Zq8#x:7]pL!");
        assert!(check_pending(Some(&text("initial")), &brace_password).is_ok());
        assert!(check_pending(None, &brace_password).is_ok());
        let json = text(r#"{"username":"app","password":"old"}"#);
        assert!(check_pending(Some(&json), &brace_password).is_err());
        assert!(check_pending(Some(&json), &text(r#"{"username":"app"}"#)).is_err());
        assert!(check_pending(Some(&json), &text(r#"{"password":7}"#)).is_err());
        assert!(
            check_pending(Some(&json), &text(r#"{"username":"app","password":"new"}"#)).is_ok()
        );
    }
}
