//! coffer-policy (in progress)
