//! The API's routes under `/v1/`: the calls, the agent, and the event stream.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use switchboard_core::desk::DeskError;
use switchboard_core::{AgentError, Presence, Source};
use switchboard_runtime::{Error, Handle};
use tokio::sync::broadcast::error::RecvError;

use crate::guard::{Guard, Refusal};

/// Longest request body read, in bytes.
const MAX_BODY: usize = 16 * 1024;

#[derive(Debug)]
struct Api {
    handle: Handle,
    guard: Arc<Guard>,
    /// Becomes `true` when the API stops: open event streams close then.
    stopped: tokio::sync::watch::Receiver<bool>,
}

type Shared = Arc<Api>;

/// An answer that went wrong: its status and `{"error": code, "message": ...}`.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    code: String,
    message: String,
    field: Option<String>,
}

impl Failure {
    fn bad(code: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: code.to_owned(),
            message: message.into(),
            field: None,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.code, "message": self.message });
        if let Some(field) = self.field {
            body["field"] = json!(field);
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let status = match &error {
            Error::Number(_) | Error::Plan(_) | Error::InvalidField { .. } => {
                StatusCode::BAD_REQUEST
            }
            Error::Agent(AgentError::ReasonRequired(_)) => StatusCode::BAD_REQUEST,
            Error::Agent(_) => StatusCode::CONFLICT,
            Error::Desk(DeskError::NoSuchLine) => StatusCode::NOT_FOUND,
            Error::Desk(_) => StatusCode::CONFLICT,
            Error::PhoneNotStarted | Error::NoAccount => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let report = error.report();
        Self {
            status,
            code: report.code,
            message: report.message,
            field: report.field,
        }
    }
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        Self {
            status: refusal.status(),
            code: refusal.code().to_owned(),
            message: refusal.message(),
            field: None,
        }
    }
}

/// Reads a JSON body, every problem a 400 that says what is wrong.
fn body<T: DeserializeOwned>(headers: &HeaderMap, bytes: &Bytes) -> Result<T, Failure> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Err(Failure::bad(
            "bad_content_type",
            "send the body as JSON (Content-Type: application/json)",
        ));
    }
    if bytes.len() > MAX_BODY {
        return Err(Failure::bad("too_large", "the body is larger than 16 KiB"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        Failure::bad(
            "bad_json",
            format!("the body is not the JSON expected: {e}"),
        )
    })
}

#[derive(Deserialize)]
struct DialBody {
    /// The number or address to call.
    to: String,
    /// The caller ID of this call and the next ones (as the window's menu chooses it).
    #[serde(default)]
    caller_id: Option<switchboard_runtime::CallerIdChoice>,
}

#[derive(Deserialize)]
struct AgentBody {
    /// `ready`, `not_ready`, `wrap_up`, `do_not_disturb` or `offline`.
    state: String,
    /// The Not-ready reason.
    #[serde(default)]
    reason: Option<String>,
}

pub(crate) fn router(
    handle: Handle,
    guard: Arc<Guard>,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let api = Arc::new(Api {
        handle,
        guard,
        stopped,
    });
    Router::new()
        .route("/v1", get(about))
        .route("/v1/calls", get(calls).post(dial))
        .route("/v1/calls/{id}/{action}", post(act))
        .route("/v1/agent", get(agent).put(set_agent))
        .route("/v1/events", get(events))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(api.clone(), gate))
        .with_state(api)
}

/// Every request: the preflight of an allowed page, or the guard's checks; the CORS headers
/// of an allowed page on the answer.
async fn gate(State(api): State<Shared>, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    if request.method() == Method::OPTIONS {
        return preflight(&api.guard, &headers);
    }
    let query_token = (request.uri().path() == "/v1/events")
        .then(|| request.uri().query())
        .flatten()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("access_token=")))
        .map(str::to_owned);
    let mut response = match api.guard.admit(&headers, query_token.as_deref()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            if let Refusal::Origin = refusal {
                tracing::warn!(
                    origin = api.guard.origin(&headers).unwrap_or(""),
                    "CTI request from a page not allowed"
                );
            }
            let retry = match refusal {
                Refusal::Rate(s) => Some(s),
                _ => None,
            };
            let mut response = Failure::from(refusal).into_response();
            if let Some(s) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
                response.headers_mut().insert(header::RETRY_AFTER, s);
            }
            if refusal == Refusal::Token {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"switchboard\""),
                );
            }
            response
        }
    };
    for (name, value) in api.guard.cors(&headers) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A browser asks whether its page may call: only from an allowed origin.
fn preflight(guard: &Guard, headers: &HeaderMap) -> Response {
    let allowed = guard.origin(headers).is_some_and(|o| guard.allows(o));
    if !allowed {
        return Failure::from(Refusal::Origin).into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    for (name, value) in guard.cors(headers) {
        out.insert(name, value);
    }
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT"),
    );
    out.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Authorization, Content-Type"),
    );
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    // Chrome's Private Network Access: a public page reaching the loopback asks first.
    if headers.contains_key("access-control-request-private-network") {
        out.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    response
}

async fn not_found() -> Failure {
    Failure {
        status: StatusCode::NOT_FOUND,
        code: "not_found".into(),
        message: "no such resource under /v1/ (see docs/cti-api.md)".into(),
        field: None,
    }
}

async fn about() -> Json<serde_json::Value> {
    Json(json!({ "name": "switchboard", "api": 1 }))
}

async fn calls(State(api): State<Shared>) -> Result<Json<serde_json::Value>, Failure> {
    Ok(Json(json!({ "calls": api.handle.board()? })))
}

async fn dial(
    State(api): State<Shared>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Failure> {
    let DialBody { to, caller_id } = body(&headers, &bytes)?;
    if let Some(choice) = caller_id {
        // A number that cannot be dialled changes nothing.
        api.handle.normalize(&to, Source::DialBox)?;
        api.handle.choose_caller_id(choice).await?;
    }
    let call = api.handle.dial(&to, Source::DialBox)?;
    tracing::info!(call, "dialled through the CTI API");
    Ok((StatusCode::CREATED, Json(json!({ "call": call }))).into_response())
}

async fn act(
    State(api): State<Shared>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<StatusCode, Failure> {
    let phone = api.handle.phone()?;
    match action.as_str() {
        "answer" => phone.answer(&id)?,
        "hangup" => phone.hangup(&id)?,
        "hold" => phone.hold(&id)?,
        "resume" => phone.resume(&id)?,
        "transfer" => {
            let DialBody { to, .. } = body(&headers, &bytes)?;
            api.handle.transfer(&id, &to, Source::DialBox)?;
        }
        _ => {
            return Err(Failure {
                status: StatusCode::NOT_FOUND,
                code: "no_such_action".into(),
                message: format!("{action:?} is not answer, hangup, hold, resume or transfer"),
                field: None,
            })
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn agent(State(api): State<Shared>) -> Json<switchboard_runtime::AgentView> {
    Json(api.handle.agent())
}

async fn set_agent(
    State(api): State<Shared>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<switchboard_runtime::AgentView>, Failure> {
    let AgentBody { state, reason } = body(&headers, &bytes)?;
    let presence = Presence::from_code(&state).ok_or_else(|| {
        Failure::bad(
            "bad_state",
            format!("{state:?} is not ready, not_ready, wrap_up, do_not_disturb or offline"),
        )
    })?;
    Ok(Json(
        api.handle
            .set_agent_state(presence, reason.as_deref())
            .await?,
    ))
}

async fn events(State(api): State<Shared>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| stream(api, socket))
}

/// The event stream: a `hello` with the agent and the calls now, then every event as it
/// happens, each a JSON text message with its `event` name.
async fn stream(api: Shared, mut socket: WebSocket) {
    let mut events = api.handle.subscribe();
    let mut stopped = api.stopped.clone();
    if *stopped.borrow_and_update() {
        return;
    }
    let hello = json!({
        "event": "hello",
        "api": 1,
        "agent": api.handle.agent(),
        "calls": api.handle.board().unwrap_or_default(),
    });
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            event = events.recv() => {
                let text = match event {
                    Ok(event) => match serde_json::to_string(&event) {
                        Ok(text) => text,
                        Err(e) => {
                            tracing::warn!("event not sent to a CTI client: {e}");
                            continue;
                        }
                    },
                    Err(RecvError::Lagged(missed)) => {
                        json!({ "event": "lagged", "missed": missed }).to_string()
                    }
                    Err(RecvError::Closed) => break,
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            // The API stops (turned off, a new token): the stream ends with it.
            _ = stopped.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
            incoming = socket.recv() => match incoming {
                // The stream is one way; a client's messages are read and ignored.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
}
