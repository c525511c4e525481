//! The one error of this crate: a policy document AWS would reject.

/// A malformed policy document. The engine returns it as `MalformedPolicyDocumentException`
/// with `message` as the exception's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    /// Precise and stable, e.g. `Statement 2: unknown condition operator StringEqualz`.
    pub message: String,
}

impl PolicyError {
    pub(crate) fn new(message: impl Into<String>) -> PolicyError {
        PolicyError {
            message: message.into(),
        }
    }
}
