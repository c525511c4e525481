//! The AWS-compatible API served from the desktop app: the same `coffer-http` server as
//! `coffer serve`, over the app's own engine, so applications (the AWS CLI, boto3, any SDK
//! with an endpoint URL and an access key) read their secrets while the app is open.
//!
//! It listens only where the person says in Settings, and only on a loopback address:
//! serving other machines needs TLS, which is `coffer serve --tls`'s job. On request it also
//! serves the Secrets Manager Agent protocol, as the account root or as a user or role the
//! person picks (there is no default: root too must be picked), with the token file `coffer serve --agent` uses (`<store>.agent-token`).
//! Locking the UI does not stop it (the engine keeps serving, as it does for the scheduler);
//! sealing makes every request fail with StoreSealedException; closing the app stops it
//! first. While it runs, custom rotators get its endpoint and per-step credentials.

use std::net::SocketAddr;

use coffer_api::app::{ApiStatus, AppError, AppResult, StartApiRequest};
use coffer_engine::{Engine, PrincipalKind, RequestContext};
use tokio::sync::{Mutex, oneshot};
use tokio::task::JoinHandle;

/// The listener, stopped until started from Settings.
#[derive(Debug, Default)]
pub struct ApiListener {
    running: Mutex<Option<Running>>,
}

#[derive(Debug)]
struct Running {
    endpoint: String,
    /// The agent protocol's token file, when it is served.
    agent_token_file: Option<String>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

fn invalid(message: String) -> AppError {
    AppError::new("InvalidParameterException", message)
}

impl ApiListener {
    /// Whether it listens, and where.
    pub async fn status(&self) -> ApiStatus {
        let running = self.running.lock().await;
        ApiStatus {
            running: running.is_some(),
            endpoint: running.as_ref().map(|r| r.endpoint.clone()),
            agent_token_file: running.as_ref().and_then(|r| r.agent_token_file.clone()),
        }
    }

    /// Starts listening on `req.listen` (`host:port`, a loopback IP; port 0 picks a free one),
    /// with the agent protocol when `req.agent` is set.
    pub async fn start(
        &self,
        engine: &Engine,
        ctx: &RequestContext,
        req: &StartApiRequest,
    ) -> AppResult<ApiStatus> {
        let listen = req.listen.as_str();
        {
            let mut running = self.running.lock().await;
            if let Some(r) = running.as_ref() {
                return Err(AppError::new(
                    "ApiAlreadyRunning",
                    format!(
                        "The API is already listening on {}. Stop it before starting it elsewhere.",
                        r.endpoint
                    ),
                ));
            }
            let addr: SocketAddr = listen.trim().parse().map_err(|_| {
                invalid(format!(
                    "{listen:?} is not a listen address: give an IP address and a port, e.g. 127.0.0.1:7878."
                ))
            })?;
            if !addr.ip().is_loopback() {
                return Err(invalid(format!(
                    "The app serves the API on this computer only (127.0.0.1 or ::1), not on {addr}. To serve other machines, run `coffer serve --tls`."
                )));
            }
            let (agent_token, agent_principal, agent_token_file) = if req.agent {
                let principal =
                    agent_principal(engine, ctx, req.agent_principal.as_deref()).await?;
                let path = coffer_http::agent::token_path(&engine.store_path());
                let token = coffer_http::agent::load_or_create_token(&path).map_err(|e| {
                    AppError::new(
                        "AgentTokenFailed",
                        format!(
                            "Could not read or write the agent token file {}: {e}. Check that its folder is writable.",
                            path.display()
                        ),
                    )
                })?;
                (Some(token), principal, Some(path.display().to_string()))
            } else {
                (None, None, None)
            };
            let config = coffer_http::ServerConfig {
                listen: addr,
                agent_token,
                agent_principal,
                ..Default::default()
            };
            let server = coffer_http::Server::bind(engine.clone(), config)
                .await
                .map_err(|e| {
                    AppError::new(
                        "ApiListenerFailed",
                        format!("Could not listen on {addr}: {e}. Choose another port."),
                    )
                })?;
            let endpoint = format!("http://{}", server.local_addr());
            let (stop, stopped) = oneshot::channel::<()>();
            let task = tokio::spawn(async move {
                let _ = server
                    .run(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
            engine.set_api_endpoint(Some(endpoint.clone()));
            *running = Some(Running {
                endpoint,
                agent_token_file,
                stop,
                task,
            });
        }
        Ok(self.status().await)
    }

    /// Stops listening: in-flight requests finish first. Nothing to do when stopped.
    pub async fn stop(&self, engine: Option<&Engine>) -> ApiStatus {
        let running = self.running.lock().await.take();
        if let Some(r) = running {
            let _ = r.stop.send(());
            let _ = r.task.await;
            if let Some(engine) = engine {
                engine.set_api_endpoint(None);
            }
        }
        self.status().await
    }
}

/// The principal agent requests act as, which the request must name: `None` (the account
/// root) for [`coffer_http::agent::ACCOUNT_ROOT`], else the ARN of an existing user or role.
/// No choice is refused rather than read as the account root: agent requests carry no
/// signature, so whoever reads the token file gets what this principal may read.
async fn agent_principal(
    engine: &Engine,
    ctx: &RequestContext,
    choice: Option<&str>,
) -> AppResult<Option<String>> {
    let Some(arn) = choice.map(str::trim).filter(|a| !a.is_empty()) else {
        return Err(invalid(format!(
            "Choose whom agent requests act as: the account root (\"{}\", which may read every secret) or a user or role listed on the Access screen.",
            coffer_http::agent::ACCOUNT_ROOT
        )));
    };
    let Some(arn) = coffer_http::agent::principal_arn(arn) else {
        return Ok(None);
    };
    let arn = arn.as_str();
    for kind in [PrincipalKind::User, PrincipalKind::Role] {
        let principals = engine
            .list_principals(ctx, kind)
            .await
            .map_err(AppError::from)?;
        if principals.iter().any(|p| p.arn == arn) {
            return Ok(Some(arn.to_owned()));
        }
    }
    Err(invalid(format!(
        "{arn} is not a user or role of this store: agent requests act as the account root or as a user or role listed on the Access screen."
    )))
}
