//! Engine errors carry AWS's error code and message, so the API can map them 1:1.
//!
//! The code is an enum (what callers branch on); the message is AWS's wording where AWS has
//! one. Messages never contain secret values. Internal causes (SQL errors, I/O) are reduced
//! to a generic message here and kept in `source` for logs.

use std::fmt;

/// The error codes Coffer returns: AWS Secrets Manager's, plus a few of Coffer's own for
/// states AWS has no word for (a sealed store, a wrong master password).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The secret, version or key does not exist.
    ResourceNotFound,
    /// A parameter value is not valid for the current state of the resource.
    InvalidParameter,
    /// The request is not valid for the resource's current state (e.g. marked for deletion).
    InvalidRequest,
    /// A resource with this id already exists (name taken, token reused with another value).
    ResourceExists,
    /// A quota would be exceeded (staging labels, versions).
    LimitExceeded,
    /// The input fails a syntactic constraint (length, pattern, range).
    Validation,
    /// Encryption failed (e.g. the key is disabled).
    EncryptionFailure,
    /// Decryption failed: wrong key, tampered or corrupt ciphertext.
    DecryptionFailure,
    /// The NextToken is not one Coffer issued.
    InvalidNextToken,
    /// The caller is not allowed to perform the action.
    AccessDenied,
    /// A policy document is malformed.
    MalformedPolicyDocument,
    /// A policy grants public access while BlockPublicPolicy is set.
    PublicPolicy,
    /// A precondition of the request is not met.
    PreconditionNotMet,
    /// An unexpected fault inside Coffer.
    InternalServiceError,
    /// IAM: the user, role, group, policy or access key does not exist.
    NoSuchEntity,
    /// IAM: an entity with that name already exists.
    EntityAlreadyExists,
    /// IAM: the entity cannot be deleted while others depend on it.
    DeleteConflict,
    /// IAM: an identity policy document is malformed (IAM's code has no `Exception`).
    MalformedIamPolicy,
    /// Coffer's own: the store is sealed (no keys in memory).
    StoreSealed,
    /// Coffer's own: the master password is wrong (or the sealed root key was tampered with).
    WrongPassword,
    /// Coffer's own: the store file is missing, not initialised or already exists.
    StoreUnavailable,
    /// Coffer's own: the store file is corrupt or was tampered with.
    StoreCorrupt,
}

impl ErrorCode {
    /// AWS's `__type` for this code (Coffer's own codes use the same naming style).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ResourceNotFound => "ResourceNotFoundException",
            ErrorCode::InvalidParameter => "InvalidParameterException",
            ErrorCode::InvalidRequest => "InvalidRequestException",
            ErrorCode::ResourceExists => "ResourceExistsException",
            ErrorCode::LimitExceeded => "LimitExceededException",
            ErrorCode::Validation => "ValidationException",
            ErrorCode::EncryptionFailure => "EncryptionFailure",
            ErrorCode::DecryptionFailure => "DecryptionFailure",
            ErrorCode::InvalidNextToken => "InvalidNextTokenException",
            ErrorCode::AccessDenied => "AccessDeniedException",
            ErrorCode::MalformedPolicyDocument => "MalformedPolicyDocumentException",
            ErrorCode::PublicPolicy => "PublicPolicyException",
            ErrorCode::PreconditionNotMet => "PreconditionNotMetException",
            ErrorCode::InternalServiceError => "InternalServiceError",
            ErrorCode::NoSuchEntity => "NoSuchEntity",
            ErrorCode::EntityAlreadyExists => "EntityAlreadyExists",
            ErrorCode::DeleteConflict => "DeleteConflict",
            ErrorCode::MalformedIamPolicy => "MalformedPolicyDocument",
            ErrorCode::StoreSealed => "StoreSealedException",
            ErrorCode::WrongPassword => "WrongPasswordException",
            ErrorCode::StoreUnavailable => "StoreUnavailableException",
            ErrorCode::StoreCorrupt => "StoreCorruptException",
        }
    }

    /// True for server faults (HTTP 5xx); everything else is the client's (HTTP 400).
    pub fn is_server_fault(self) -> bool {
        matches!(
            self,
            ErrorCode::InternalServiceError | ErrorCode::StoreSealed | ErrorCode::StoreCorrupt
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An engine error: an AWS code and a message safe to show to the caller.
#[derive(Debug)]
pub struct Error {
    code: ErrorCode,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            source: None,
        }
    }

    /// An internal fault: the caller sees a generic message; `source` is kept for logs.
    pub fn internal(source: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error {
            code: ErrorCode::InternalServiceError,
            message: "An error occurred on the server side.".into(),
            source: Some(Box::new(source)),
        }
    }

    /// The error code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message (AWS's wording where there is one).
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn not_found() -> Error {
        Error::new(
            ErrorCode::ResourceNotFound,
            "Secrets Manager can't find the specified secret.",
        )
    }

    /// A NextToken Coffer did not issue (one message for every paginated operation).
    pub(crate) fn invalid_next_token() -> Error {
        Error::new(
            ErrorCode::InvalidNextToken,
            "The NextToken value is invalid.",
        )
    }

    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidParameter, message)
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidRequest, message)
    }

    pub(crate) fn marked_for_deletion() -> Error {
        Error::invalid_request(
            "You can't perform this operation on the secret because it was marked for deletion.",
        )
    }

    /// AWS's framework-style validation message for one member.
    pub(crate) fn validation(member: &str, constraint: &str) -> Error {
        Error::new(
            ErrorCode::Validation,
            format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
            ),
        )
    }

    pub(crate) fn sealed() -> Error {
        Error::new(
            ErrorCode::StoreSealed,
            "The Coffer store is sealed. Unseal it with the master password first.",
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<coffer_store::StoreError> for Error {
    fn from(e: coffer_store::StoreError) -> Error {
        match e {
            coffer_store::StoreError::NotFound(_) | coffer_store::StoreError::AlreadyExists(_) => {
                Error::new(ErrorCode::StoreUnavailable, e.to_string())
            }
            coffer_store::StoreError::Tampered { unit } => Error::new(
                ErrorCode::StoreCorrupt,
                format!(
                    "The store file was edited outside Coffer: {unit} does not match its \
                     integrity seal, so it is not used. Restore the store from a backup, and \
                     run `coffer audit verify` to see what else changed."
                ),
            ),
            coffer_store::StoreError::SealerMissing => Error::sealed(),
            other => Error::internal(other),
        }
    }
}

/// Result alias for the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
