//! An axum extractor for webhook calls (feature `webhook-axum`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::Callback;
use crate::{Error, Workflow};

/// Extracts a [`Callback`] from the request body, e.g. in
/// `async fn done(callback: Callback<TodayNews>) -> StatusCode`.
///
/// The body is read within axum's request body limit (2 MB by default, raise it with
/// `DefaultBodyLimit`). A body that is not about a run is refused with 400. GPTBots does not
/// document what a `GET` webhook carries; when it carries no run, resume from the run id stored
/// at submit instead.
impl<S, W> FromRequest<S> for Callback<W>
where
    S: Send + Sync,
    W: Workflow,
{
    type Rejection = CallbackRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(request, state).await.map_err(CallbackRejection::Body)?;
        Callback::parse(&body).map_err(CallbackRejection::NotARun)
    }
}

/// Why a webhook request could not be turned into a [`Callback`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackRejection {
    /// The body could not be read (too large, connection closed).
    #[error("the webhook body could not be read: {0}")]
    Body(BytesRejection),
    /// The body is not a GPTBots run.
    #[error("the webhook body is not a GPTBots run: {0}")]
    NotARun(Error),
}

impl IntoResponse for CallbackRejection {
    fn into_response(self) -> Response {
        match self {
            CallbackRejection::Body(rejection) => rejection.into_response(),
            CallbackRejection::NotARun(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
        }
    }
}
