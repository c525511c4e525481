//! Coffer's cross-crate integration tests: one binary, one module per area
//! (see STYLE.md §9). Data-driven case tables live in `tests/data/`.

mod support;

// Engine behaviour (labels, idempotency, errors, filters, deletion, pruning).
// -- engine modules --
mod engine_audit;
mod engine_authz;
mod engine_errors;
mod engine_iam;
mod engine_idempotency;
mod engine_labels;
mod engine_lifecycle;
mod engine_list;
mod engine_rotation;
mod engine_support;

// Tamper, canary and crash tests.
// -- safety modules --
mod canary;
mod crash;
mod rekey;
mod store_wal;
mod tamper;
mod tamper_seals;

// CLI and API.
// -- cli modules --
mod api_sdk;

// Rotation against real PostgreSQL and MariaDB servers; custom-command rotators.
mod dbservers;
mod rotation_db;
mod rotation_deputy;
mod rotation_roles;

// Rotation: schedules and the scheduler.
mod rotation_schedule;
mod rotation_scheduler;
