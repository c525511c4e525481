//! Wire helpers shared by the API modules: the error shape and AWS's encodings.

use chrono::{DateTime, Utc};
use coffer_engine::{Error, ErrorCode};

/// An error as AWS reports it: `__type`, `Message` and the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// AWS's error code (`__type`), e.g. `ResourceNotFoundException`.
    pub code: String,
    /// The message.
    pub message: String,
    /// 400 for client errors, 500 for server faults.
    pub status: u16,
}

impl ApiError {
    /// A client error (HTTP 400).
    pub fn client(code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            code: code.to_owned(),
            message: message.into(),
            status: 400,
        }
    }

    /// The JSON body: `{"__type": …, "Message": …}`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "__type": self.code, "Message": self.message })
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let status = if e.code().is_server_fault() { 500 } else { 400 };
        ApiError {
            code: e.code().as_str().to_owned(),
            message: e.message().to_owned(),
            status,
        }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(c: ErrorCode) -> ApiError {
        ApiError::client(c.as_str(), c.as_str())
    }
}

/// AWS JSON timestamps: epoch seconds with a millisecond fraction.
pub(crate) fn epoch(t: DateTime<Utc>) -> serde_json::Value {
    let ms = t.timestamp_millis();
    if ms % 1000 == 0 {
        serde_json::Value::from(ms / 1000)
    } else {
        serde_json::Number::from_f64(ms as f64 / 1000.0)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Serde helper: an optional timestamp as epoch seconds, omitted when absent.
pub(crate) mod epoch_opt {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => serde::Serialize::serialize(&super::epoch(*t), s),
            None => s.serialize_none(),
        }
    }
}

/// Serde helper: a timestamp as epoch seconds.
pub(crate) mod epoch_req {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&super::epoch(*t), s)
    }
}
