//! Coffer's cross-crate integration tests: one binary, one module per area
//! (see STYLE.md §9). Data-driven case tables live in `tests/data/`.

mod support;

// Engine behaviour (labels, idempotency, errors, filters, deletion, pruning).
// -- engine modules --

// Tamper, canary and crash tests.
// -- safety modules --
mod tamper;

// CLI and API.
// -- cli modules --
