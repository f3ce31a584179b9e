//! An axum extractor for webhook calls (feature `webhook-axum`), and the receiver settings it
//! checks them against.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::{Callback, WEBHOOK_SECRET_HEADER};
use crate::{Error, Workflow};

/// How many accepted run ids a [`WebhookReceiver`] remembers to refuse replays; the oldest is
/// forgotten first.
pub const REMEMBERED_RUN_IDS: usize = 65_536;

/// What the [`Callback`] extractor checks a webhook call against: the shared secret, and
/// optionally which run ids the application expects. Give it to the router as state:
///
/// ```
/// use axum::{Router, http::StatusCode, routing::post};
/// use gptbots_runtime::async_run::{Callback, WebhookReceiver};
/// # use gptbots_runtime::{workflow, workflow_output};
/// # #[workflow_output]
/// # pub struct NewsDigest { summary: String }
/// # #[workflow(id = "wf_today_news", output = NewsDigest)]
/// # pub struct TodayNews { topic: String }
///
/// async fn done(callback: Callback<TodayNews>) -> StatusCode {
///     // ... store callback.result, or callback.confirm(&client) for an output fetched over TLS
///     StatusCode::NO_CONTENT
/// }
///
/// let secret = std::env::var("WEBHOOK_SECRET").unwrap_or_else(|_| "from-your-config".into());
/// let receiver = WebhookReceiver::new(secret).accept_run_ids(|run_id| run_id.starts_with("run_"));
/// let app: Router = Router::new().route("/gptbots/done", post(done)).with_state(receiver);
/// ```
///
/// An application with its own state implements `FromRef<AppState> for WebhookReceiver`.
/// Cloning is cheap and clones share the memory of accepted runs.
///
/// In this order, the extractor answers:
/// 1. `401 Unauthorized` unless the [`WEBHOOK_SECRET_HEADER`] header equals the secret
///    (compared in constant time with `subtle`; the body is not read);
/// 2. `415 Unsupported Media Type` unless `Content-Type` is `application/json` (a browser page
///    can post `text/plain` to a `localhost` receiver without asking);
/// 3. `400 Bad Request` for a body that is not a run, or whose run id is not GPTBots-shaped;
/// 4. `403 Forbidden` for a run id [`accept_run_ids`](WebhookReceiver::accept_run_ids) refuses;
/// 5. `409 Conflict` for a run already accepted once.
///
/// Replays are refused rather than answered again, so the handler runs once per run: a captured
/// callback is worth nothing, and a GPTBots redelivery after the handler failed does not
/// silently rerun side effects. The run is not lost: its id is in the 409's body and in the
/// application's records, and [`Client::resume`](crate::Client::resume) fetches it. The memory
/// is bounded ([`REMEMBERED_RUN_IDS`]); an `accept_run_ids` that forgets a run once handled
/// closes replays for good.
#[derive(Clone)]
pub struct WebhookReceiver {
    inner: Arc<Inner>,
}

/// Answers whether a run id is one the application expects.
type AcceptRunId = Box<dyn Fn(&str) -> bool + Send + Sync>;

struct Inner {
    secret: SecretString,
    accept: Option<AcceptRunId>,
    accepted: Mutex<Accepted>,
}

#[derive(Default)]
struct Accepted {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl WebhookReceiver {
    /// A receiver that accepts calls carrying `secret`, the value given to
    /// [`Webhook::secret`](super::Webhook::secret). An empty secret accepts no call.
    pub fn new(secret: impl Into<SecretString>) -> Self {
        WebhookReceiver { inner: Arc::new(Inner { secret: secret.into(), accept: None, accepted: Mutex::default() }) }
    }

    /// Accepts only calls about runs for which `accept` answers `true`, e.g. the ids the
    /// application stored at submit: a forger with the secret but no run of yours is refused.
    pub fn accept_run_ids(self, accept: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            secret: shared.secret.clone(),
            accept: None,
            accepted: Mutex::default(),
        });
        WebhookReceiver { inner: Arc::new(Inner { accept: Some(Box::new(accept)), ..inner }) }
    }

    /// Checks the secret header in constant time (only the secret's length can be learnt from
    /// timing, which is why it should be long and random). The header is never printed.
    fn authenticates(&self, headers: &HeaderMap) -> bool {
        let expected = self.inner.secret.expose_secret().as_bytes();
        let mut given = headers.get_all(WEBHOOK_SECRET_HEADER).iter();
        match (given.next(), given.next()) {
            (Some(value), None) => !expected.is_empty() && bool::from(value.as_bytes().ct_eq(expected)),
            _ => false,
        }
    }

    fn expects(&self, run_id: &str) -> bool {
        self.inner.accept.as_ref().is_none_or(|accept| accept(run_id))
    }

    /// Records `run_id` as accepted; `false` if it already was.
    fn accept_once(&self, run_id: &str) -> bool {
        let mut accepted = self.inner.accepted.lock().unwrap_or_else(PoisonError::into_inner);
        if !accepted.ids.insert(run_id.to_owned()) {
            return false;
        }
        accepted.order.push_back(run_id.to_owned());
        if accepted.order.len() > REMEMBERED_RUN_IDS
            && let Some(oldest) = accepted.order.pop_front()
        {
            accepted.ids.remove(&oldest);
        }
        true
    }
}

impl fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("secret", &"***")
            .field("accept_run_ids", &self.inner.accept.is_some())
            .finish_non_exhaustive()
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// Extracts a [`Callback`] from a webhook call, after the checks [`WebhookReceiver`] lists, e.g.
/// in `async fn done(callback: Callback<TodayNews>) -> StatusCode`.
///
/// The body is read within axum's request body limit (2 MB by default, raise it with
/// `DefaultBodyLimit`). GPTBots does not document what a `GET` webhook carries; when it carries
/// no run, resume from the run id stored at submit instead.
impl<S, W> FromRequest<S> for Callback<W>
where
    S: Send + Sync,
    W: Workflow,
    WebhookReceiver: FromRef<S>,
{
    type Rejection = CallbackRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let receiver = WebhookReceiver::from_ref(state);
        if !receiver.authenticates(request.headers()) {
            return Err(CallbackRejection::Unauthenticated);
        }
        if !is_json(request.headers()) {
            return Err(CallbackRejection::NotJson);
        }
        let body = Bytes::from_request(request, state).await.map_err(CallbackRejection::Body)?;
        let callback = Callback::parse(&body).map_err(CallbackRejection::NotARun)?;
        if !receiver.expects(&callback.run_id) {
            return Err(CallbackRejection::UnexpectedRun { run_id: callback.run_id });
        }
        if !receiver.accept_once(&callback.run_id) {
            return Err(CallbackRejection::Replayed { run_id: callback.run_id });
        }
        Ok(callback)
    }
}

/// Why a webhook request could not be turned into a [`Callback`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackRejection {
    /// The secret header is missing, repeated or wrong (401).
    #[error("the webhook call does not carry the receiver's secret in `{WEBHOOK_SECRET_HEADER}`")]
    Unauthenticated,
    /// `Content-Type` is not `application/json` (415).
    #[error("the webhook call is not `Content-Type: application/json`")]
    NotJson,
    /// The body could not be read (too large, connection closed).
    #[error("the webhook body could not be read: {0}")]
    Body(BytesRejection),
    /// The body is not a GPTBots run, or its run id is not GPTBots-shaped (400).
    #[error("the webhook body is not a GPTBots run: {0}")]
    NotARun(Error),
    /// The run is not one the application expects (403).
    #[error("the webhook call is about run `{run_id}`, which this receiver does not expect")]
    UnexpectedRun {
        /// The run the call names (checked to be GPTBots-shaped).
        run_id: String,
    },
    /// A call about this run was already accepted (409).
    #[error("a webhook call about run `{run_id}` was already accepted; this one is refused as a replay")]
    Replayed {
        /// The run the call names.
        run_id: String,
    },
}

impl IntoResponse for CallbackRejection {
    fn into_response(self) -> Response {
        let status = match &self {
            CallbackRejection::Body(rejection) => rejection.status(),
            CallbackRejection::Unauthenticated => StatusCode::UNAUTHORIZED,
            CallbackRejection::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            CallbackRejection::NotARun(_) => StatusCode::BAD_REQUEST,
            CallbackRejection::UnexpectedRun { .. } => StatusCode::FORBIDDEN,
            CallbackRejection::Replayed { .. } => StatusCode::CONFLICT,
        };
        (status, self.to_string()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn only_application_json_is_json() {
        assert!(is_json(&headers(&[("content-type", "application/json")])));
        assert!(is_json(&headers(&[("content-type", " APPLICATION/Json ; charset=utf-8")])));
        for value in ["text/plain", "application/jsonx", "application/json-seq", "multipart/form-data", ""] {
            assert!(!is_json(&headers(&[("content-type", value)])), "{value}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn the_memory_of_accepted_runs_is_bounded_oldest_first() {
        let receiver = WebhookReceiver::new("s");
        for i in 0..=REMEMBERED_RUN_IDS {
            assert!(receiver.accept_once(&format!("run_{i}")));
        }
        let accepted = receiver.inner.accepted.lock().unwrap();
        assert_eq!((accepted.ids.len(), accepted.order.len()), (REMEMBERED_RUN_IDS, REMEMBERED_RUN_IDS));
        drop(accepted);
        assert!(receiver.accept_once("run_0"), "the oldest was forgotten");
        assert!(!receiver.accept_once(&format!("run_{REMEMBERED_RUN_IDS}")), "the newest is remembered");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let receiver = WebhookReceiver::new("hunter2").accept_run_ids(|_| true);
        let shown = format!("{receiver:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("accept_run_ids: true"), "{shown}");
    }
}
