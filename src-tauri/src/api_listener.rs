//! The AWS-compatible API served from the desktop app: the same `coffer-http` server as
//! `coffer serve`, over the app's own engine, so applications (the AWS CLI, boto3, any SDK
//! with an endpoint URL and an access key) read their secrets while the app is open.
//!
//! It listens only where the person says in Settings, and only on a loopback address:
//! serving other machines needs TLS, which is `coffer serve --tls`'s job. Locking the UI does
//! not stop it (the engine keeps serving, as it does for the scheduler); sealing makes every
//! request fail with StoreSealedException; closing the app stops it first. While it runs,
//! custom rotators get its endpoint and per-step credentials.

use std::net::SocketAddr;

use coffer_api::app::{ApiStatus, AppError, AppResult};
use coffer_engine::Engine;
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
            agent_token_file: None,
        }
    }

    /// Starts listening on `listen` (`host:port`, a loopback IP; port 0 picks a free one).
    pub async fn start(&self, engine: &Engine, listen: &str) -> AppResult<ApiStatus> {
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
            let config = coffer_http::ServerConfig {
                listen: addr,
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
