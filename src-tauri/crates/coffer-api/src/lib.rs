//! Coffer's transport-neutral operations.
//!
//! [`secretsmanager::call`] takes an AWS Secrets Manager action name and its AWS JSON 1.1
//! request body and returns the exact response body AWS would — so the CLI prints what the
//! AWS API returns and the HTTP API can serve it unchanged. [`kms`] and [`audit`] give the
//! same treatment to named keys and the audit log, and [`iam`] to users, roles, groups,
//! policies and access keys (in the JSON the AWS CLI prints for IAM). Serialization happens here and only
//! here: engine types are never `Serialize`.

pub mod app;
pub mod audit;
pub mod iam;
pub mod kms;
pub mod rotation;
pub mod secretsmanager;
mod wire;

pub use wire::ApiError;
