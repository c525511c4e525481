//! Registered rotation functions: `coffer lambda create-function` stores, under a function
//! name and with an execution role, either a command (a Lambda ARN with that name resolves
//! to `RotatorRegistry::command(FunctionDefinition)`, the command rotator in
//! `coffer-rotators`) or a built-in rotator deployed under that role (`--template`).

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use coffer_crypto::SecretBytes;
use coffer_store::LambdaFunctionRow;

use super::rotator::FunctionDefinition;
use crate::clock::from_millis;
use crate::error::{Error, ErrorCode, Result};
use crate::keyring::Keyring;
use crate::{Engine, RequestContext};

/// Default step timeout of a custom function (Lambda's default is 3 s; a rotation step
/// that talks to a database needs more).
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// Longest step timeout (Lambda's maximum).
pub const MAX_TIMEOUT_SECS: u64 = 900;

/// `coffer lambda create-function` input.
#[derive(Debug, Clone, Default)]
pub struct CreateFunctionInput {
    /// 1–64 characters of letters, digits, `-` and `_`.
    pub function_name: String,
    /// The program and its arguments (no shell); empty with a `template`.
    pub command: Vec<String>,
    /// A built-in rotator to deploy under `role` instead of a command.
    pub template: Option<String>,
    /// The execution role's ARN: every call the function makes acts as this role.
    pub role: Option<String>,
    /// Step timeout in seconds (1–900, default 30).
    pub timeout_secs: Option<u64>,
    /// Extra environment variables.
    pub environment: BTreeMap<String, String>,
}

/// A registered function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Name.
    pub function_name: String,
    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub function_arn: String,
    /// The program and its arguments (empty for a deployed built-in).
    pub command: Vec<String>,
    /// The built-in rotator it deploys, if it is not a command.
    pub template: Option<String>,
    /// The execution role's ARN (`None` for a function registered before roles: it cannot
    /// run until re-created with one).
    pub role: Option<String>,
    /// Step timeout in seconds.
    pub timeout_secs: u64,
    /// Extra environment variables.
    pub environment: BTreeMap<String, String>,
    /// When it was registered.
    pub created_date: DateTime<Utc>,
}

fn info_of(row: &LambdaFunctionRow, keys: &Keyring) -> Result<FunctionInfo> {
    let def = definition_of(row, keys)?;
    Ok(FunctionInfo {
        function_name: row.name.clone(),
        function_arn: row.arn.clone(),
        command: def.command,
        template: def.template,
        role: def.role_arn,
        timeout_secs: def.timeout.as_secs(),
        environment: def.environment,
        created_date: from_millis(row.created_at),
    })
}

/// How a stored environment starts once encrypted; without it, it is the plain JSON of a
/// function registered before environments were sealed (sealed on the first unseal).
const SEALED_ENV: &str = "sealed:";

/// A function's environment as stored: encrypted under the environment key, bound to the
/// function's ARN (environments often carry connection strings or tokens).
pub(crate) fn seal_environment(
    keys: &Keyring,
    arn: &str,
    env: &BTreeMap<String, String>,
) -> Result<String> {
    let json = SecretBytes::new(serde_json::to_vec(env).map_err(Error::internal)?);
    let blob = keys
        .root()
        .function_environment_key()
        .encrypt(arn, &json)
        .map_err(Error::internal)?;
    Ok(format!("{SEALED_ENV}{}", BASE64.encode(blob)))
}

/// Whether a stored environment predates sealing.
pub(crate) fn is_plain_environment(stored: &str) -> bool {
    !stored.starts_with(SEALED_ENV)
}

pub(crate) fn open_environment(
    keys: &Keyring,
    row: &LambdaFunctionRow,
) -> Result<BTreeMap<String, String>> {
    let Some(sealed) = row.environment.strip_prefix(SEALED_ENV) else {
        return Ok(serde_json::from_str(&row.environment).unwrap_or_default());
    };
    let corrupt = || {
        Error::new(
            ErrorCode::StoreCorrupt,
            format!(
                "The environment of rotation function {} does not decrypt: the store file was edited outside Coffer.",
                row.arn
            ),
        )
    };
    let blob = BASE64.decode(sealed).map_err(|_| corrupt())?;
    let json = keys
        .root()
        .function_environment_key()
        .decrypt(&row.arn, &blob)
        .map_err(|_| corrupt())?;
    serde_json::from_slice(json.expose()).map_err(|_| corrupt())
}

fn definition_of(row: &LambdaFunctionRow, keys: &Keyring) -> Result<FunctionDefinition> {
    Ok(FunctionDefinition {
        name: row.name.clone(),
        command: serde_json::from_str(&row.command).unwrap_or_default(),
        environment: open_environment(keys, row)?,
        timeout: Duration::from_millis(u64::try_from(row.timeout_ms).unwrap_or(0)),
        role_arn: row.role_arn.clone(),
        template: row.template.clone(),
    })
}

fn not_found(name: &str) -> Error {
    Error::new(
        ErrorCode::ResourceNotFound,
        format!("Function not found: {name}"),
    )
}

impl Engine {
    /// Registers a custom rotation function.
    pub async fn create_function(
        &self,
        ctx: &RequestContext,
        input: CreateFunctionInput,
    ) -> Result<FunctionInfo> {
        let mut op = self.begin(ctx, "CreateFunction").await?;
        let result = async {
            let name = &input.function_name;
            let ok = (1..=64).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(Error::validation(
                    "functionName",
                    "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]{1,64}",
                ));
            }
            match (&input.template, input.command.first()) {
                (None, Some(program)) if !program.is_empty() => {}
                (None, _) => {
                    return Err(Error::invalid_parameter(
                        "The function needs a command (the program to run and its arguments) or a built-in template.",
                    ));
                }
                (Some(_), Some(_)) => {
                    return Err(Error::invalid_parameter(
                        "Give the function a command or a built-in template, not both.",
                    ));
                }
                (Some(t), None) => {
                    if !self.builtin_rotators().iter().any(|b| b == t) {
                        return Err(Error::invalid_parameter(format!(
                            "There is no built-in rotator {t}: choose one of {}.",
                            self.builtin_rotators().join(", ")
                        )));
                    }
                }
            }
            let Some(role_arn) = input.role.clone().filter(|r| !r.is_empty()) else {
                return Err(Error::invalid_parameter(
                    "The function needs an execution role (--role <role ARN>): every call it makes acts as that role.",
                ));
            };
            let timeout = input.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS);
            if !(1..=MAX_TIMEOUT_SECS).contains(&timeout) {
                return Err(Error::validation(
                    "timeout",
                    "Member must have value between 1 and 900",
                ));
            }
            let region = op.region.clone();
            let arn = self.rotator_arn(&region, name);
            self.authorize_action(
                &mut op,
                "lambda:CreateFunction",
                &arn,
                None,
                &Vec::new(),
                true,
            )
            .await?;
            op.event.resource_arn = Some(arn.clone());
            // Handing a function a role lets it act as that role: AWS asks iam:PassRole.
            self.authorize_action(
                &mut op,
                "iam:PassRole",
                &role_arn,
                None,
                &Vec::new(),
                false,
            )
            .await?;
            let role_exists = coffer_store::find_principal_by_arn(op.tx.conn(), &role_arn)
                .await?
                .is_some_and(|p| p.kind == "role");
            if !role_exists {
                return Err(Error::invalid_parameter(format!(
                    "The role defined for the function cannot be assumed by Lambda: {role_arn} is not an existing role."
                )));
            }
            op.event.detail("role", role_arn.as_str());
            if self.builtin_rotators().iter().any(|b| b == name) {
                return Err(Error::new(
                    ErrorCode::ResourceExists,
                    format!("Function already exist: {name} (a built-in rotator has that name)"),
                ));
            }
            let environment = seal_environment(&op.keys, &arn, &input.environment)?;
            let row = LambdaFunctionRow {
                region,
                name: name.clone(),
                arn,
                command: serde_json::to_string(&input.command).map_err(Error::internal)?,
                environment,
                timeout_ms: i64::try_from(timeout * 1000).unwrap_or(i64::MAX),
                created_at: op.now,
                role_arn: Some(role_arn),
                template: input.template.clone(),
            };
            coffer_store::insert_lambda_function(op.tx.conn(), &row)
                .await
                .map_err(|e| {
                    if e.is_unique_violation() {
                        Error::new(
                            ErrorCode::ResourceExists,
                            format!("Function already exist: {name}"),
                        )
                    } else {
                        e.into()
                    }
                })?;
            // Environment values may be credentials: log their names only.
            op.event.detail(
                "environmentKeys",
                input.environment.keys().cloned().collect::<Vec<_>>(),
            );
            info_of(&row, &op.keys)
        }
        .await;
        self.finish(op, result).await
    }

    /// The registered functions of the request's region, by name.
    pub async fn list_functions(&self, ctx: &RequestContext) -> Result<Vec<FunctionInfo>> {
        let mut op = self.begin_read(ctx, "ListFunctions").await?;
        let result = async {
            self.authorize_action(
                &mut op,
                "lambda:ListFunctions",
                "*",
                None,
                &Vec::new(),
                true,
            )
            .await?;
            let region = op.region.clone();
            let rows = coffer_store::list_lambda_functions(op.tx.conn(), &region).await?;
            rows.iter().map(|r| info_of(r, &op.keys)).collect()
        }
        .await;
        self.finish(op, result).await
    }

    /// Deletes a registered function (rotations that name it then fail to resolve it).
    pub async fn delete_function(&self, ctx: &RequestContext, name: &str) -> Result<()> {
        let mut op = self.begin(ctx, "DeleteFunction").await?;
        let result = async {
            let region = op.region.clone();
            let name = super::protocol::lambda_arn_function_name(name).unwrap_or(name);
            let arn = self.rotator_arn(&region, name);
            self.authorize_action(
                &mut op,
                "lambda:DeleteFunction",
                &arn,
                None,
                &Vec::new(),
                true,
            )
            .await?;
            op.event.resource_arn = Some(arn);
            if !coffer_store::delete_lambda_function(op.tx.conn(), &region, name).await? {
                return Err(not_found(name));
            }
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// The definition of function `name` in `region`, if registered.
    pub(crate) async fn function_definition(
        &self,
        conn: &mut coffer_store::SqliteConnection,
        region: &str,
        name: &str,
    ) -> Result<Option<FunctionDefinition>> {
        let Some(row) = coffer_store::find_lambda_function(conn, region, name).await? else {
            return Ok(None);
        };
        // Its command and role are about to run: they must be what was registered.
        let unit = coffer_store::Unit::Function(row.arn.clone());
        let keys = self.keyring()?;
        crate::integrity::verify(conn, &keys, &unit).await?;
        Ok(Some(definition_of(&row, &keys)?))
    }
}
