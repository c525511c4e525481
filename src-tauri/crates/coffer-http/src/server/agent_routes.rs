//! The Secrets Manager Agent protocol: `GET /secretsmanager/get?secretId=…` and
//! `GET /v1/<secretId>`, checked the way AWS's agent checks them (enabled, not forwarded,
//! token, method) and answered as GetSecretValue run by the configured agent principal.
//! A wrong or missing token is a failed authentication like a bad signature: audited, and
//! charged to its source, which is throttled (429) once its burst is spent.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coffer_engine::{RequestContext, Source};
use subtle::ConstantTimeEq;

use super::{
    AppState, Conn, api_error_response, error_response, json_ok, new_request_id, truncate,
};
use crate::sigv4;

/// The agent protocol's token headers (the agent accepts either).
const AGENT_TOKEN_HEADERS: [&str; 2] = ["x-aws-parameters-secrets-token", "x-vault-token"];

/// `GET /ping`: the agent's health check (no token, as in the agent).
pub(super) async fn ping() -> Response {
    agent_text(StatusCode::OK, "healthy")
}

/// `GET /secretsmanager/get?secretId=…&versionId=…&versionStage=…`.
pub(super) async fn agent_query(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let conn = req.extensions().get::<Conn>().copied();
    if let Some(refusal) = agent_refusal(&state, req.headers(), req.method(), conn).await {
        return refusal;
    }
    let query = match AgentQuery::parse(req.uri().query().unwrap_or(""), true) {
        Ok(q) => q,
        Err(text) => return (StatusCode::BAD_REQUEST, text).into_response(),
    };
    agent_fetch(&state, conn, query).await
}

/// `GET /v1/<secretId>?versionId=…&versionStage=…` (the agent's path style).
pub(super) async fn agent_path(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let conn = req.extensions().get::<Conn>().copied();
    if let Some(refusal) = agent_refusal(&state, req.headers(), req.method(), conn).await {
        return refusal;
    }
    let raw = req.uri().path().strip_prefix("/v1/").unwrap_or("");
    let Ok(secret_id) = String::from_utf8(sigv4::percent_decode(raw)) else {
        return (StatusCode::BAD_REQUEST, "invalid secret ID").into_response();
    };
    if secret_id.is_empty() {
        return (StatusCode::BAD_REQUEST, "missing secret ID").into_response();
    }
    let mut query = match AgentQuery::parse(req.uri().query().unwrap_or(""), false) {
        Ok(q) => q,
        Err(text) => return (StatusCode::BAD_REQUEST, text).into_response(),
    };
    query.secret_id = secret_id;
    agent_fetch(&state, conn, query).await
}

/// The agent's own checks, in its order: enabled, not forwarded, token, method. `Some` is
/// the refusal to send.
async fn agent_refusal(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    conn: Option<Conn>,
) -> Option<Response> {
    let Some(token) = &state.agent_token else {
        return Some(error_response(
            404,
            "UnknownOperationException",
            "The Secrets Manager Agent protocol is not enabled on this server.",
            &new_request_id(),
        ));
    };
    if headers.contains_key("x-forwarded-for") {
        return Some(agent_text(StatusCode::BAD_REQUEST, "Forwarded"));
    }
    let source = conn.map(|c| c.peer.ip());
    let now = state.engine.now().timestamp_millis();
    if let Some(ip) = source
        && state.throttle.check(ip, None, now).is_err()
    {
        // Held, not answered at once, as on the AWS API (`Limits::throttled_answer_delay`).
        tokio::time::sleep(state.throttled_answer_delay).await;
        return Some(agent_text(StatusCode::TOO_MANY_REQUESTS, "Rate exceeded"));
    }
    let presented = AGENT_TOKEN_HEADERS
        .iter()
        .filter_map(|h| headers.get(*h))
        .any(|v| bool::from(v.as_bytes().ct_eq(token.expose())));
    if !presented {
        if let Some(ip) = source {
            state.throttle.failed(ip, None, now);
        }
        let request_id = new_request_id();
        let mut ctx = RequestContext::root(Source::Api);
        ctx.request_id = request_id.clone();
        ctx.client_addr = conn.as_ref().map(Conn::client_addr);
        let audited = state
            .engine
            .audit_authentication_failure(
                &ctx,
                "Authenticate",
                "BadToken",
                "the agent protocol token was missing or wrong",
            )
            .await;
        return Some(match audited {
            Ok(()) => agent_text(StatusCode::FORBIDDEN, "Bad Token"),
            Err(e) => api_error_response(&e.into(), &request_id),
        });
    }
    if *method != Method::GET {
        return Some(agent_text(StatusCode::METHOD_NOT_ALLOWED, "Not allowed"));
    }
    None
}

/// The agent's query parameters.
#[derive(Debug, Default)]
struct AgentQuery {
    secret_id: String,
    version_id: Option<String>,
    version_stage: Option<String>,
}

impl AgentQuery {
    /// Parses a form-encoded query; `with_secret_id` for `/secretsmanager/get`. Errors are
    /// the agent's texts.
    fn parse(query: &str, with_secret_id: bool) -> Result<AgentQuery, String> {
        let mut q = AgentQuery::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                String::from_utf8(sigv4::percent_decode(&s.replace('+', " ")))
                    .map_err(|_| "invalid query encoding".to_owned())
            };
            let (k, v) = (decode(k)?, decode(v)?);
            match k.as_str() {
                "secretId" if with_secret_id => q.secret_id = v,
                "versionId" => q.version_id = Some(v),
                "versionStage" => q.version_stage = Some(v),
                // No cache here, so every read is already fresh.
                "refreshNow" => {
                    if !matches!(
                        v.to_ascii_lowercase().as_str(),
                        "true" | "1" | "false" | "0"
                    ) {
                        return Err("invalid refreshNow value".into());
                    }
                }
                other => return Err(format!("unknown parameter: {}", truncate(other, 64))),
            }
        }
        if with_secret_id && q.secret_id.is_empty() {
            return Err("missing parameter secretId".into());
        }
        Ok(q)
    }
}

/// Answers GetSecretValue's JSON as the agent does, as the configured agent principal.
async fn agent_fetch(state: &AppState, conn: Option<Conn>, query: AgentQuery) -> Response {
    let request_id = new_request_id();
    let mut ctx = match &state.agent_principal {
        Some(arn) => RequestContext::principal(Source::Api, arn.clone()),
        None => RequestContext::root(Source::Api),
    };
    ctx.client_addr = conn.as_ref().map(Conn::client_addr);
    ctx.request_id = request_id.clone();
    ctx.secure_transport = conn.is_some_and(|c| c.tls);
    let mut body = serde_json::json!({ "SecretId": query.secret_id });
    if let Some(v) = query.version_id {
        body["VersionId"] = v.into();
    }
    if let Some(v) = query.version_stage {
        body["VersionStage"] = v.into();
    }
    let body = body.to_string();
    match coffer_api::secretsmanager::call(&state.engine, &ctx, "GetSecretValue", body.as_bytes())
        .await
    {
        Ok(value) => json_ok(&value, "application/json", &request_id),
        Err(e) => api_error_response(&e, &request_id),
    }
}

/// A plain-text reply, the way the Secrets Manager Agent reports its own errors.
fn agent_text(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_query_parsing_matches_the_agent() {
        let q = AgentQuery::parse("secretId=db%2Fprod&versionStage=AWSPREVIOUS", true).unwrap();
        assert_eq!(q.secret_id, "db/prod");
        assert_eq!(q.version_stage.as_deref(), Some("AWSPREVIOUS"));
        assert_eq!(
            AgentQuery::parse("versionId=x", true).unwrap_err(),
            "missing parameter secretId"
        );
        assert_eq!(
            AgentQuery::parse("secretId=a&abc=1", true).unwrap_err(),
            "unknown parameter: abc"
        );
        assert_eq!(
            AgentQuery::parse("secretId=a&refreshNow=123", true).unwrap_err(),
            "invalid refreshNow value"
        );
        assert_eq!(
            AgentQuery::parse("secretId=a", false).unwrap_err(),
            "unknown parameter: secretId"
        );
    }
}
