//! Coffer's rotation functions — the equivalents of AWS's rotation Lambdas.
//!
//! Each rotator implements [`coffer_engine::rotation::Rotator`] and is addressed by a
//! Lambda ARN whose function name is one of [`BUILTIN_NAMES`], or by the name of a custom
//! function registered with `coffer lambda create-function`. The composition root (the
//! CLI's `serve`, the desktop shell) calls [`registry`] and hands it to the engine.
//!
//! The database rotators follow AWS's single-user and alternating-users (multi-user)
//! templates over AWS's JSON secret shape (`engine`, `host`, `port`, `username`, `password`,
//! `dbname`, `masterarn`), calling Coffer only through the public secret operations a Lambda
//! would call.

use std::sync::Arc;

use coffer_engine::rotation::{FunctionDefinition, Rotator, RotatorRegistry};

mod command;
mod database;
mod generated;
mod mysql;
mod postgres;
pub mod scram;

pub use command::{CommandRotator, kind as command_kind};
pub use database::{
    CLONE_SUFFIX, Credentials, DatabaseRotator, EXCLUDED_CHARACTERS, Strategy, TlsMode, kind,
    partner_username,
};
pub use generated::{GENERATED_VALUE, GeneratedValueRotator};

/// PostgreSQL, changing the user's own password.
pub const POSTGRESQL_SINGLE_USER: &str = "coffer-postgresql-single-user";
/// PostgreSQL, alternating `<user>` and `<user>_clone` through the admin user.
pub const POSTGRESQL_MULTI_USER: &str = "coffer-postgresql-multi-user";
/// MariaDB/MySQL, changing the user's own password.
pub const MYSQL_SINGLE_USER: &str = "coffer-mysql-single-user";
/// MariaDB/MySQL, alternating `<user>` and `<user>_clone` through the admin user.
pub const MYSQL_MULTI_USER: &str = "coffer-mysql-multi-user";

/// The built-in function names the database rotators answer to.
pub const BUILTIN_NAMES: [&str; 4] = [
    POSTGRESQL_SINGLE_USER,
    POSTGRESQL_MULTI_USER,
    MYSQL_SINGLE_USER,
    MYSQL_MULTI_USER,
];

/// The PostgreSQL rotator with `strategy`.
pub fn postgresql(strategy: Strategy) -> DatabaseRotator {
    DatabaseRotator::new(Arc::new(postgres::Postgres), strategy)
}

/// The MariaDB/MySQL rotator with `strategy`.
pub fn mysql(strategy: Strategy) -> DatabaseRotator {
    DatabaseRotator::new(Arc::new(mysql::MySql), strategy)
}

/// Builds the registry of every built-in rotator plus the custom-command factory.
pub fn registry() -> RotatorRegistry {
    RotatorRegistry::new()
        .with_builtin(GENERATED_VALUE, Arc::new(GeneratedValueRotator::new()))
        .with_builtin(
            POSTGRESQL_SINGLE_USER,
            Arc::new(postgresql(Strategy::SingleUser)),
        )
        .with_builtin(
            POSTGRESQL_MULTI_USER,
            Arc::new(postgresql(Strategy::MultiUser)),
        )
        .with_builtin(MYSQL_SINGLE_USER, Arc::new(mysql(Strategy::SingleUser)))
        .with_builtin(MYSQL_MULTI_USER, Arc::new(mysql(Strategy::MultiUser)))
        .with_command_factory(Arc::new(|def: FunctionDefinition| {
            Arc::new(CommandRotator::new(def)) as Arc<dyn Rotator>
        }))
}

/// finishSecret as AWS's templates do it: move AWSCURRENT to the pending version (taking it
/// off the current one, so AWSPREVIOUS follows), unless it is already there.
pub(crate) async fn finish_secret(
    event: &coffer_engine::rotation::RotationEvent,
) -> Result<(), coffer_engine::rotation::RotationFailure> {
    use coffer_engine::{AWSCURRENT, UpdateSecretVersionStageInput};
    let description = event
        .engine
        .describe_secret(&event.ctx, &event.secret_id)
        .await?;
    let current = description
        .version_ids_to_stages
        .iter()
        .find(|(_, stages)| stages.iter().any(|s| s == AWSCURRENT))
        .map(|(v, _)| v.clone());
    if current.as_deref() == Some(event.client_request_token.as_str()) {
        return Ok(());
    }
    event
        .engine
        .update_secret_version_stage(
            &event.ctx,
            UpdateSecretVersionStageInput {
                secret_id: event.secret_id.clone(),
                version_stage: AWSCURRENT.to_owned(),
                remove_from_version_id: current,
                move_to_version_id: Some(event.client_request_token.clone()),
            },
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names() {
        let r = registry();
        assert!(r.builtin(GENERATED_VALUE).is_some());
        for name in BUILTIN_NAMES {
            assert!(r.builtin(name).is_some(), "{name}");
        }
        assert!(
            r.command(FunctionDefinition {
                name: "f".into(),
                command: vec!["true".into()],
                environment: Default::default(),
                timeout: std::time::Duration::from_secs(1),
                role_arn: None,
                template: None,
            })
            .is_some()
        );
    }
}
