//! The server's one route table. A fault shapes the router's answer afterwards, or answers
//! in its place when the request is refused before the workflow runs.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::endpoints::{self, Reply};
use super::state::Shared;
use crate::wire::{INVOKE_PATH, QUERY_PATH, RUN_LOGS_PATH, VERIFY_PATH};

pub(super) fn router(state: Arc<Shared>) -> Router {
    Router::new()
        .route(INVOKE_PATH, post(invoke))
        .route(QUERY_PATH, post(query))
        .route(VERIFY_PATH, get(verify))
        .route(RUN_LOGS_PATH, get(run_logs))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        // The connection layer has read the body within the server's own limit already.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

async fn invoke(State(state): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    endpoints::invoke(&state, authorization(&headers), &body).await.into_response()
}

async fn query(State(state): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    endpoints::query(&state, authorization(&headers), &body).into_response()
}

async fn verify(State(state): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    endpoints::verify(&state, authorization(&headers)).into_response()
}

async fn run_logs(State(state): State<Arc<Shared>>, headers: HeaderMap, uri: Uri) -> Response {
    endpoints::run_logs(&state, authorization(&headers), uri.query().unwrap_or_default()).into_response()
}

async fn not_found(method: Method, uri: Uri) -> Response {
    endpoints::not_found(method.as_str(), uri.path()).into_response()
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok())
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.body)).into_response()
    }
}
