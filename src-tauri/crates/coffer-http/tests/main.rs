//! coffer-http's integration tests: the real server on 127.0.0.1:0 over a temp store,
//! driven by requests signed with the `aws-sigv4` crate (the AWS SDK for Rust's signer).
//! One binary; each module covers one face of the server.

mod support;

mod agent;
mod api;
mod audit;
mod conditions;
mod flood;
mod guards;
mod lifecycle;
