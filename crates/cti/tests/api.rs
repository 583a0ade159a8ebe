//! The CTI API as a CRM page or a script uses it: refused without the token, from a foreign
//! origin, with a malformed body or too often; and a whole call driven through it — dialled,
//! answered by a baresip, followed on the WebSocket, hung up — plus an incoming call popped
//! on the stream and answered through it.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use switchboard_cti::{Cti, CtiConfig, CtiError, RateLimit};
use switchboard_e2e::baresip::{Answer, Baresip};
use switchboard_e2e::kamailio::Kamailio;
use switchboard_e2e::Started;
use switchboard_runtime::{
    AccountConfig, Handle, OpenOptions, PhoneEvent, PhoneOptions, SipEvent, Transport,
};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const CRM: &str = "https://crm.example.com";
const WAIT: Duration = Duration::from_secs(20);

fn config(rate: RateLimit) -> CtiConfig {
    CtiConfig {
        listen: "127.0.0.1:0".parse().expect("addr"),
        token: TOKEN.into(),
        origins: vec![CRM.into()],
        rate,
    }
}

async fn open(dir: &std::path::Path) -> Handle {
    Handle::open(&dir.join("agent.db"), OpenOptions::default())
        .await
        .expect("database")
}

/// Sends a request; returns the status, the JSON body (or null) and the headers.
async fn send(
    cti: &Cti,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = Client::new().request(method, format!("http://{}{path}", cti.local_addr()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("the API answers");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, value, headers)
}

const AUTH: (&str, &str) = ("Authorization", "Bearer 0123456789abcdef0123456789abcdef");

#[tokio::test(flavor = "multi_thread")]
async fn without_the_token_from_a_foreign_page_or_with_a_bad_body_nothing_happens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = open(dir.path()).await;
    let cti = Cti::start(handle.clone(), config(RateLimit::default()))
        .await
        .expect("started");

    let (status, body, headers) = send(&cti, Method::GET, "/v1/agent", &[], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized", "{body}");
    assert!(headers.contains_key("www-authenticate"));
    let wrong = ("Authorization", "Bearer 0123456789abcdef0123456789abcdee");
    let (status, ..) = send(&cti, Method::GET, "/v1/agent", &[wrong], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "one character off");

    // A page elsewhere cannot use the phone, even holding the token.
    let evil = ("Origin", "https://evil.example");
    let (status, body, _) = send(
        &cti,
        Method::POST,
        "/v1/calls",
        &[AUTH, evil],
        Some(r#"{"to":"0899123456"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden_origin");
    let (status, ..) = send(&cti, Method::OPTIONS, "/v1/calls", &[evil], None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no preflight for it either");
    assert!(
        handle.history(10).await.expect("history").is_empty(),
        "nothing dialled"
    );

    // The CRM's page may, and its browser is told so.
    let crm = ("Origin", CRM);
    let (status, _, headers) = send(
        &cti,
        Method::OPTIONS,
        "/v1/calls",
        &[crm, ("Access-Control-Request-Method", "POST")],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(headers["access-control-allow-origin"], CRM);
    let (status, body, headers) = send(&cti, Method::GET, "/v1/agent", &[AUTH, crm], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["presence"], "ready", "{body}");
    assert_eq!(headers["access-control-allow-origin"], CRM);

    // Bad bodies get 400 with what is wrong.
    let (status, body, _) = send(&cti, Method::POST, "/v1/calls", &[AUTH], Some("{\"to\":")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_json");
    assert!(
        body["message"].as_str().unwrap_or("").contains("EOF"),
        "{body}"
    );
    let (status, body, _) = send(
        &cti,
        Method::POST,
        "/v1/calls",
        &[AUTH],
        Some("{\"number\":\"1\"}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap_or("").contains("`to`"),
        "{body}"
    );
    let (status, body, _) = send(
        &cti,
        Method::POST,
        "/v1/calls",
        &[AUTH],
        Some(r#"{"to":"06 CALL ME"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").starts_with("number_"),
        "{body}"
    );
    let (status, body, _) = send(
        &cti,
        Method::PUT,
        "/v1/agent",
        &[AUTH],
        Some(r#"{"state":"lunch"}"#),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_state"))
    );
    // The caller ID of the call comes with it; one not in the agent's list is refused.
    let (status, body, _) = send(
        &cti,
        Method::POST,
        "/v1/calls",
        &[AUTH],
        Some(r#"{"to":"0144556677","caller_id":{"as":"number","number":"0899123456"}}"#),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("caller_id")),
        "{body}"
    );
    let (status, body, _) = send(
        &cti,
        Method::POST,
        "/v1/calls",
        &[AUTH],
        Some(r#"{"to":"0144556677","caller_id":{"as":"anonymous"}}"#),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "no phone here: {body}"
    );
    assert_eq!(
        handle.caller_id().choice,
        switchboard_runtime::CallerIdChoice::Anonymous,
        "chosen for this call and the next ones"
    );
    let (status, body, _) = send(&cti, Method::GET, "/v1/nothing", &[AUTH], None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    // The agent's state through the API is the app's state.
    let (status, body, _) = send(
        &cti,
        Method::PUT,
        "/v1/agent",
        &[AUTH],
        Some(r#"{"state":"do_not_disturb"}"#),
    )
    .await;
    assert_eq!(
        (status, body["presence"].as_str()),
        (StatusCode::OK, Some("do_not_disturb"))
    );
    assert_eq!(
        handle.agent().presence,
        switchboard_core::Presence::DoNotDisturb
    );
    cti.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_beyond_the_rate_are_refused_with_retry_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = open(dir.path()).await;
    let rate = RateLimit {
        per_minute: 1,
        burst: 3,
    };
    let cti = Cti::start(handle, config(rate)).await.expect("started");
    for _ in 0..3 {
        let (status, ..) = send(&cti, Method::GET, "/v1/agent", &[AUTH], None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body, headers) = send(&cti, Method::GET, "/v1/agent", &[AUTH], None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let retry: u64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    cti.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stopping_the_api_closes_the_open_event_streams() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = open(dir.path()).await;
    let cti = Cti::start(handle, config(RateLimit::default()))
        .await
        .expect("started");
    let url = format!("ws://{}/v1/events?access_token={TOKEN}", cti.local_addr());
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the stream opens");
    until(&mut socket, "hello", |e| e["event"] == "hello").await;
    // Without the token, requests do not use up the rate: the CRM's own still pass.
    let strict = config(RateLimit {
        per_minute: 1,
        burst: 1,
    });
    let dir2 = tempfile::tempdir().expect("tempdir");
    let other = Cti::start(open(dir2.path()).await, strict)
        .await
        .expect("started");
    for _ in 0..5 {
        let (status, ..) = send(&other, Method::GET, "/v1/agent", &[], None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, ..) = send(&other, Method::GET, "/v1/agent", &[AUTH], None).await;
    assert_eq!(status, StatusCode::OK);
    other.stop().await;

    cti.stop().await;
    let end = tokio::time::timeout(WAIT, socket.next())
        .await
        .expect("the stream ends in time");
    assert!(
        matches!(end, None | Some(Ok(Message::Close(_))) | Some(Err(_))),
        "the stream is closed: {end:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_loopback_and_a_real_token_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = open(dir.path()).await;
    let mut open_to_all = config(RateLimit::default());
    open_to_all.listen = "0.0.0.0:0".parse().expect("addr");
    let refused = Cti::start(handle.clone(), open_to_all).await;
    assert!(
        matches!(refused, Err(CtiError::NotLoopback(_))),
        "{refused:?}"
    );
    let mut weak = config(RateLimit::default());
    weak.token = "1234".into();
    assert!(matches!(
        Cti::start(handle.clone(), weak).await,
        Err(CtiError::WeakToken)
    ));
    let mut page = config(RateLimit::default());
    page.origins = vec!["https://crm.example.com/app".into()];
    assert!(matches!(
        Cti::start(handle, page).await,
        Err(CtiError::BadOrigin(_))
    ));
}

/// Reads the stream until an event satisfies `wanted`; returns it.
async fn until(
    socket: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let mut seen = Vec::new();
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {what} on the stream; saw {seen:?}"))
            .expect("open")
            .expect("message");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            if wanted(&value) {
                return value;
            }
            seen.push(value["event"].clone());
        }
    }
}

/// `POST /v1/calls/{call}/{action}` with the token; returns the status and the body.
async fn act(cti: &Cti, call: &str, action: &str) -> (StatusCode, Value) {
    let (status, body, _) = send(
        cti,
        Method::POST,
        &format!("/v1/calls/{call}/{action}"),
        &[AUTH],
        None,
    )
    .await;
    (status, body)
}

fn line_state(event: &Value, line: &str, state: &str) -> bool {
    event["line"] == line && event["state"] == state
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_dialled_answered_and_hung_up_through_the_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut started = Started::default();
    let kamailio = Kamailio::start(
        &mut started,
        dir.path(),
        &[("1001", "pw1001"), ("1002", "pw1002")],
    );
    let mut colleague = Baresip::start(
        &mut started,
        dir.path(),
        &kamailio,
        "1002",
        "pw1002",
        Answer::Manual,
    );
    let handle = open(dir.path()).await;
    let mut events = handle
        .start_phone(
            "127.0.0.1:0".parse().expect("addr"),
            PhoneOptions::default(),
        )
        .await
        .expect("phone");
    let account = AccountConfig {
        registrar: format!("sip:{}", kamailio.hostport()),
        user: "1001".into(),
        auth_user: None,
        password: "pw1001".into(),
        display_name: None,
        transport: Transport::Udp,
        expires: 600,
        outbound_proxy: None,
        tls_ca: None,
    };
    let phone = handle.phone().expect("phone");
    phone.add_account("main", account).await.expect("account");
    while !matches!(
        tokio::time::timeout(WAIT, events.recv())
            .await
            .expect("in time"),
        Some(PhoneEvent::Sip(SipEvent::Registered { .. }))
    ) {}
    let cti = Cti::start(handle.clone(), config(RateLimit::default()))
        .await
        .expect("started");

    // The stream, as a page opens it: the token in the address.
    let url = format!("ws://{}/v1/events?access_token={TOKEN}", cti.local_addr());
    let mut request = url.into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Origin", CRM.parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the stream opens");
    let hello = until(&mut socket, "hello", |e| e["event"] == "hello").await;
    assert_eq!(hello["agent"]["presence"], "ready");
    assert_eq!(hello["calls"], json!([]));

    let (status, body, _) = send(
        &cti,
        Method::POST,
        "/v1/calls",
        &[AUTH],
        Some(r#"{"to":"1002"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let call = body["call"].as_str().expect("the new call").to_owned();
    colleague.wait_event("CALL_INCOMING", WAIT);
    until(&mut socket, "ringing", |e| {
        line_state(e, &call, "ringing_out")
    })
    .await;
    let (status, body, _) = send(&cti, Method::GET, "/v1/calls", &[AUTH], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["calls"][0]["line"], call.as_str(), "{body}");
    assert_eq!(body["calls"][0]["number"], "1002");

    colleague.command("accept", "");
    until(&mut socket, "connected", |e| {
        line_state(e, &call, "connected")
    })
    .await;
    assert_eq!(act(&cti, &call, "hold").await.0, StatusCode::NO_CONTENT);
    until(&mut socket, "on hold", |e| line_state(e, &call, "on_hold")).await;
    assert_eq!(act(&cti, &call, "resume").await.0, StatusCode::NO_CONTENT);
    until(&mut socket, "resumed", |e| {
        line_state(e, &call, "connected")
    })
    .await;
    assert_eq!(act(&cti, &call, "hangup").await.0, StatusCode::NO_CONTENT);
    until(&mut socket, "the end", |e| line_state(e, &call, "ended")).await;
    colleague.wait_event("CALL_CLOSED", WAIT);
    let (status, body) = act(&cti, &call, "hangup").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("desk_no_such_line"))
    );

    // A call coming in is popped on the stream and answered through the API.
    colleague.command("dial", &format!("sip:1001@{}", kamailio.hostport()));
    let pop = until(&mut socket, "the pop", |e| e["event"] == "pop").await;
    let incoming = pop["call"].as_str().expect("call").to_owned();
    assert_eq!(pop["caller"]["kind"], "internal", "{pop}");
    assert_eq!(
        act(&cti, &incoming, "answer").await.0,
        StatusCode::NO_CONTENT
    );
    colleague.wait_event("CALL_ESTABLISHED", WAIT);
    assert_eq!(
        act(&cti, &incoming, "hangup").await.0,
        StatusCode::NO_CONTENT
    );
    colleague.wait_event("CALL_CLOSED", WAIT);
    let history = handle.history(5).await.expect("history");
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(history.iter().all(|r| r.answered_at.is_some()));

    cti.stop().await;
    phone.shutdown().await;
}
