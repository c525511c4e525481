//! coffer-api
