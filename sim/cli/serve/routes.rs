//! The HTTP surface: three pages and their assets (embedded in the binary), the event stream
//! that keeps them live, and a handful of JSON requests that become session commands.
//!
//! | request | who | what |
//! | --- | --- | --- |
//! | `GET /`, `/console`, `/projector`, `/team`, `/assets/NAME` | anyone | the pages (no data) |
//! | `GET /api/events?view=public\|console` | room / facilitator | server-sent events: `state`, `busy` |
//! | `GET /api/state?view=...` | room / facilitator | the same state once, as JSON |
//! | `POST /api/command {"line"}` | facilitator | one command line, as typed at the prompt |
//! | `POST /api/control {"action": "play"\|"pause"\|"reset", "every_s"}` | facilitator | playing and resets |
//! | `POST /api/propose {"team", "decision", "why"}` | room | `propose TEAM DECISION -- WHY` |
//! | `GET /api/debrief/FILE?token=` | facilitator | a file of the latest debrief |
//!
//! A request without the right token or code gets 403, a malformed one a 4xx with a message
//! in JSON, never a crash. Every response carries a content security policy that allows only
//! this server's own scripts and styles, so even text that slipped onto a page as markup could
//! not run.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request as HttpRequest, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};

use super::access::{self, Access, CODE_HEADER, Role, TOKEN_HEADER};
use super::host::{DEBRIEF_FILES, Outcome, Published, Request};
use blastradius_tabletop::commands::{MAX_TEAM_CHARS, MAX_WHY_CHARS, valid_team};

/// Largest request body: a command line or a proposal is a few hundred bytes.
const BODY_LIMIT_BYTES: usize = 16 * 1024;
/// Most event streams open at once (a classroom has a few dozen pages).
const STREAMS_MAX: usize = 256;
/// Longest command line accepted from the console.
const LINE_MAX_CHARS: usize = 2_000;

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    pub access: Arc<Access>,
    pub requests: Sender<Request>,
    pub state: watch::Receiver<Arc<Published>>,
    pub streams: Arc<AtomicUsize>,
    /// A host name the server was told to bind, accepted in `Host` headers.
    pub bound_name: Option<String>,
}

/// A refusal: a status and a message for the page.
pub struct ApiError(StatusCode, String);

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError(status, message.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, [(header::CONTENT_TYPE, "application/json")], json!({"error": self.1}).to_string())
            .into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

const INDEX_HTML: &str = include_str!("assets/index.html");
const CONSOLE_HTML: &str = include_str!("assets/console.html");
const PROJECTOR_HTML: &str = include_str!("assets/projector.html");
const TEAM_HTML: &str = include_str!("assets/team.html");
/// The assets by name, with their content types.
const ASSETS: [(&str, &str, &str); 5] = [
    ("app.css", "text/css; charset=utf-8", include_str!("assets/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("assets/app.js")),
    ("console.js", "text/javascript; charset=utf-8", include_str!("assets/console.js")),
    ("projector.js", "text/javascript; charset=utf-8", include_str!("assets/projector.js")),
    ("team.js", "text/javascript; charset=utf-8", include_str!("assets/team.js")),
];

pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(|| page(INDEX_HTML)))
        .route("/console", get(|| page(CONSOLE_HTML)))
        .route("/projector", get(|| page(PROJECTOR_HTML)))
        .route("/team", get(|| page(TEAM_HTML)))
        .route("/assets/{name}", get(asset))
        .route("/api/events", get(events))
        .route("/api/state", get(state))
        .route("/api/command", axum::routing::post(command))
        .route("/api/control", axum::routing::post(control))
        .route("/api/propose", axum::routing::post(propose))
        .route("/api/debrief/{file}", get(debrief))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Refuses foreign host names, and puts the security headers on every response.
async fn guard(State(app): State<App>, request: HttpRequest, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let mut response = if access::host_allowed(host, app.bound_name.as_deref()) {
        next.run(request).await
    } else {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "this server answers only to its address or localhost, not to a host name",
        )
        .into_response()
    };
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    response
}

async fn page(html: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn asset(Path(name): Path<String>) -> ApiResult {
    let (_, kind, text) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no asset named {name:?}")))?;
    Ok(([(header::CONTENT_TYPE, *kind)], *text).into_response())
}

async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("nothing at {method} {}: the pages are /console, /projector and /team", uri.path()),
    )
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("{} does not take {method}", uri.path()))
}

/// A query's value for `key` (tokens and codes need no decoding beyond `+` and `%2D`).
fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| v.replace('+', " ").replace("%2D", "-").replace("%2d", "-"))
    })
}

/// The role a request's header or query gives it.
fn role(app: &App, headers: &HeaderMap, query: Option<&str>) -> Option<Role> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let token = header(TOKEN_HEADER).or_else(|| query_value(query, "token"));
    let code = header(CODE_HEADER).or_else(|| query_value(query, "code"));
    app.access.role(token.as_deref(), code.as_deref())
}

fn require(
    app: &App,
    headers: &HeaderMap,
    query: Option<&str>,
    needed: Role,
) -> Result<(), ApiError> {
    match (role(app, headers, query), needed) {
        (Some(Role::Facilitator), _) | (Some(Role::Room), Role::Room) => Ok(()),
        (Some(Role::Room), Role::Facilitator) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only the facilitator can do this: the console's address carries the facilitator token",
        )),
        (None, _) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "a join code is needed: ask the facilitator, it is on the console and the projector",
        )),
    }
}

/// Which document a page wants, and whether it may have it.
fn view(app: &App, headers: &HeaderMap, query: Option<&str>) -> Result<bool, ApiError> {
    match query_value(query, "view").as_deref() {
        Some("console") => require(app, headers, query, Role::Facilitator).map(|()| true),
        Some("public") | None => require(app, headers, query, Role::Room).map(|()| false),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("no view {other:?}: ask for view=public or view=console"),
        )),
    }
}

async fn state(State(app): State<App>, headers: HeaderMap, RawQuery(q): RawQuery) -> ApiResult {
    let console = view(&app, &headers, q.as_deref())?;
    let p = app.state.borrow().clone();
    let body = if console { Arc::clone(&p.console) } else { Arc::clone(&p.public) };
    Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
}

/// Counts an open stream for as long as it lives.
struct StreamSlot(Arc<AtomicUsize>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn events(State(app): State<App>, headers: HeaderMap, RawQuery(q): RawQuery) -> ApiResult {
    let console = view(&app, &headers, q.as_deref())?;
    if app.streams.fetch_add(1, Ordering::Relaxed) >= STREAMS_MAX {
        app.streams.fetch_sub(1, Ordering::Relaxed);
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{STREAMS_MAX} pages are already connected; close some and try again"),
        ));
    }
    let slot = StreamSlot(Arc::clone(&app.streams));
    let stream = updates(app.state.clone(), console, slot);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// The events a page receives: the state whenever it changes (a page that falls behind gets
/// only the latest), and which command is running. The stream ends when the server stops;
/// when the page goes away it is dropped, and the slot with it.
fn updates(
    rx: watch::Receiver<Arc<Published>>,
    console: bool,
    slot: StreamSlot,
) -> impl Stream<Item = Result<Event, Infallible>> {
    struct Seen {
        rx: watch::Receiver<Arc<Published>>,
        version: Option<u64>,
        busy: Option<Option<String>>,
        _slot: StreamSlot,
    }
    let seen = Seen { rx, version: None, busy: None, _slot: slot };
    stream::unfold(seen, move |mut seen| async move {
        loop {
            let p = Arc::clone(&seen.rx.borrow_and_update());
            if seen.version != Some(p.version) {
                seen.version = Some(p.version);
                let data = if console { &p.console } else { &p.public };
                return Some((Ok(Event::default().event("state").data(&**data)), seen));
            }
            if seen.busy.as_ref() != Some(&p.busy) {
                seen.busy = Some(p.busy.clone());
                let data = json!({"busy": p.busy}).to_string();
                return Some((Ok(Event::default().event("busy").data(data)), seen));
            }
            if seen.rx.changed().await.is_err() {
                return None;
            }
        }
    })
}

/// Parses a JSON object body, refusing anything else with a message.
fn body_object(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim() == "application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as JSON (Content-Type: application/json)",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "the body must be a JSON object")),
        Err(e) => Err(ApiError::new(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}"))),
    }
}

/// A string field of a request, checked for length and line breaks.
fn text_field(
    body: &serde_json::Map<String, Value>,
    key: &str,
    required: bool,
    max_chars: usize,
) -> Result<String, ApiError> {
    let value = match body.get(key) {
        None | Some(Value::Null) if !required => return Ok(String::new()),
        None | Some(Value::Null) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, format!("`{key}` is missing")));
        }
        Some(Value::String(s)) => s.trim().to_string(),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("`{key}` must be a string"),
            ));
        }
    };
    if value.chars().count() > max_chars {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("`{key}` is longer than {max_chars} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, format!("`{key}` must be one line")));
    }
    if required && value.is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, format!("`{key}` is empty")));
    }
    Ok(value)
}

/// Sends a request to the session thread and waits for its outcome.
async fn ask(app: &App, make: impl FnOnce(oneshot::Sender<Outcome>) -> Request) -> ApiResult {
    let (tx, rx) = oneshot::channel();
    app.requests.send(make(tx)).map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the session has stopped; restart the server",
        )
    })?;
    let outcome = rx.await.map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the session stopped while carrying this out",
        )
    })?;
    // A refused command is the user's to fix: 422 with the session's explanation.
    let status = if outcome.ok { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = json!({"ok": outcome.ok, "text": outcome.text});
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
}

async fn command(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult {
    require(&app, &headers, q.as_deref(), Role::Facilitator)?;
    let body = body_object(&headers, &body)?;
    let line = text_field(&body, "line", true, LINE_MAX_CHARS)?;
    ask(&app, |reply| Request::Line { line, reply }).await
}

async fn control(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult {
    require(&app, &headers, q.as_deref(), Role::Facilitator)?;
    let body = body_object(&headers, &body)?;
    match text_field(&body, "action", true, 20)?.as_str() {
        "play" => {
            let every = match body.get("every_s") {
                None => 10,
                Some(v) => v.as_u64().filter(|s| (1..=3_600).contains(s)).ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "`every_s` must be a whole number of seconds from 1 to 3600",
                    )
                })?,
            };
            ask(&app, |reply| Request::Play { every: Duration::from_secs(every), reply }).await
        }
        "pause" => ask(&app, |reply| Request::Pause { reply }).await,
        "reset" => ask(&app, |reply| Request::Reset { reply }).await,
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("no control {other:?}: use play, pause or reset"),
        )),
    }
}

async fn propose(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> ApiResult {
    require(&app, &headers, q.as_deref(), Role::Room)?;
    let body = body_object(&headers, &body)?;
    let team = text_field(&body, "team", true, MAX_TEAM_CHARS)?;
    if !valid_team(&team) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{team:?} is not a team name: one word of letters, digits, `-` or `_`"),
        ));
    }
    let decision = text_field(&body, "decision", true, 400)?;
    let why = text_field(&body, "why", false, MAX_WHY_CHARS)?;
    // The team's words go after `propose TEAM`; the session parses them as a decision and a
    // reason, so they cannot become another command.
    if decision.contains(" -- ") || decision.ends_with(" --") {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "the decision cannot contain ` -- `"));
    }
    let line = if why.is_empty() {
        format!("propose {team} {decision}")
    } else {
        format!("propose {team} {decision} -- {why}")
    };
    ask(&app, |reply| Request::Line { line, reply }).await
}

async fn debrief(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    Path(file): Path<String>,
) -> ApiResult {
    require(&app, &headers, q.as_deref(), Role::Facilitator)?;
    let Some(name) = DEBRIEF_FILES.iter().find(|f| **f == file) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no debrief file {file:?}: there are {}", DEBRIEF_FILES.join(", ")),
        ));
    };
    let dir = app.state.borrow().debrief_dir.clone().ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "no debrief yet: `end` the session first")
    })?;
    // A few hundred kilobytes at most, read at once.
    let bytes = std::fs::read(dir.join(name)).map_err(|e| {
        ApiError::new(StatusCode::NOT_FOUND, format!("{name} could not be read: {e}"))
    })?;
    let kind = if name.ends_with(".html") {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut response = Response::new(Body::from(bytes));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
