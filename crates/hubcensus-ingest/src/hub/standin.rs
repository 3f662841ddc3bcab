//! A stand-in for the Hub API on loopback, for tests and benchmarks (feature `stand-in`).
//!
//! It serves `/api/models` pages from fixture model objects with `Link` cursors, the rate-limit
//! headers on every response (fixed windows counted from its start), `/api/models/{id}`, and the
//! user/organization overviews; it injects faults by request number and records every request.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// A fault injected at a request number (1-based, counting every request).
#[derive(Clone, Debug)]
pub enum Fault {
    /// 429, with a `Retry-After` in seconds or without one.
    TooManyRequests { retry_after: Option<u64> },
    /// An error status (500, 502, 503, 408, 401...).
    Status(u16),
    /// The response is held this long before being sent.
    Slow(Duration),
    /// 200 with the body cut in half (invalid JSON).
    TruncatedJson,
    /// The connection is cut in the middle of the body (fewer bytes than `Content-Length`).
    ConnectionCut,
    /// Before answering, the models at these two rank positions swap places (the live order
    /// changes between requests).
    Swap(usize, usize),
    /// Before answering, the model at this rank position is renamed (same `_id`, new `id`).
    Rename(usize, String),
    /// Before answering, this model object (JSON text) is inserted at this rank position.
    Insert(usize, String),
    /// Before answering, the model at this rank position is deleted.
    Delete(usize),
    /// 200 with a `Link` header that cannot be read (no angle brackets around the target).
    MalformedLink,
}

/// One request as the stand-in saw it.
#[derive(Clone, Debug)]
pub struct Logged {
    pub at: Instant,
    pub path_and_query: String,
    pub authorization: Option<String>,
    pub status: u16,
    /// For a 429: the earliest instant the Hub allows the next request (`Retry-After`, else the
    /// end of the rate-limit window).
    pub wait_until: Option<Instant>,
}

/// How the stand-in behaves.
#[derive(Clone, Debug, Default)]
pub struct StandInConfig {
    /// Model objects (JSON text) in rank order.
    pub models: Vec<String>,
    /// `(q, w)`: a quota of `q` requests per fixed window of `w`; `None`: unlimited (headers
    /// still sent with a large quota).
    pub quota: Option<(u64, Duration)>,
    pub faults: Vec<(u64, Fault)>,
    pub users: BTreeSet<String>,
    pub organizations: BTreeSet<String>,
    /// Full objects for `/api/models/{id}` (else the listing object is served).
    pub details: BTreeMap<String, String>,
    /// Added to every response (a slow Hub).
    pub latency: Duration,
}

struct Shared {
    models: Vec<String>,
    quota: Option<(u64, Duration)>,
    faults: BTreeMap<u64, Fault>,
    users: BTreeSet<String>,
    organizations: BTreeSet<String>,
    details: BTreeMap<String, String>,
    latency: Duration,
    started: Instant,
    requests: u64,
    window: u64,
    used_in_window: u64,
    log: Vec<Logged>,
    /// `_id`s of models that moved from at or below a listing request's cursor to above it.
    rose_past_cursor: BTreeSet<String>,
}

/// A running stand-in; stops when dropped.
pub struct StandIn {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Shared_ = Arc<Mutex<Shared>>;

fn lock(shared: &Shared_) -> std::sync::MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl StandIn {
    /// Starts serving on 127.0.0.1 (a free port) in the current tokio runtime.
    pub async fn start(config: StandInConfig) -> std::io::Result<Self> {
        let shared = Arc::new(Mutex::new(Shared {
            models: config.models,
            quota: config.quota,
            faults: config.faults.into_iter().collect(),
            users: config.users,
            organizations: config.organizations,
            details: config.details,
            latency: config.latency,
            started: Instant::now(),
            requests: 0,
            window: 0,
            used_in_window: 0,
            log: Vec::new(),
            rose_past_cursor: BTreeSet::new(),
        }));
        let app = Router::new()
            .route("/api/models", get(listing))
            .route("/api/models/{*id}", get(model))
            .route("/api/users/{name}/overview", get(user))
            .route("/api/organizations/{name}/overview", get(organization))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, shared, task })
    }

    /// `http://127.0.0.1:<port>`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    #[must_use]
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.shared).log.clone()
    }

    /// When the stand-in started (its rate-limit windows count from here).
    #[must_use]
    pub fn started(&self) -> Instant {
        lock(&self.shared).started
    }

    /// The models as they are now (after swaps and renames), in rank order.
    #[must_use]
    pub fn models(&self) -> Vec<String> {
        lock(&self.shared).models.clone()
    }

    /// Takes the `_id`s of the models that rose past a listing request's cursor (a swap or a
    /// deletion above the cursor moved them from the unlisted part to the listed part).
    #[must_use]
    pub fn take_rose_past_cursor(&self) -> BTreeSet<String> {
        std::mem::take(&mut lock(&self.shared).rose_past_cursor)
    }

    /// Drops the faults not injected yet.
    pub fn clear_faults(&self) {
        lock(&self.shared).faults.clear();
    }

    /// Adds faults at request numbers counted from now on.
    pub fn add_faults(&self, faults: Vec<(u64, Fault)>) {
        let mut shared = lock(&self.shared);
        let base = shared.requests;
        for (n, fault) in faults {
            shared.faults.insert(base + n, fault);
        }
    }
}

/// Counts the request, applies data faults, and returns the rate-limit headers and the
/// response fault (if any), or a 429 response when the window's quota is spent.
fn admit(shared: &Shared_, path_and_query: String, headers: &HeaderMap) -> Admission {
    let mut state = lock(shared);
    state.requests += 1;
    let number = state.requests;
    let now = Instant::now();
    let (quota, window) = state.quota.unwrap_or((1_000_000, Duration::from_mins(5)));
    let elapsed = now.duration_since(state.started);
    let current = (elapsed.as_nanos() / window.as_nanos()) as u64;
    if current != state.window {
        state.window = current;
        state.used_in_window = 0;
    }
    state.used_in_window += 1;
    let window_end = window.mul_f64((current + 1) as f64);
    let reset = window_end.saturating_sub(elapsed).as_secs_f64().ceil() as u64;
    let over = state.used_in_window > quota;
    let remaining = quota.saturating_sub(state.used_in_window);
    let mut rate_headers = HeaderMap::new();
    let limit = format!("\"api\";r={remaining};t={reset}");
    let policy = format!("\"fixed window\";\"api\";q={quota};w={}", window.as_secs());
    rate_headers.insert("ratelimit", HeaderValue::from_str(&limit).expect("ascii"));
    rate_headers.insert(
        "ratelimit-policy",
        HeaderValue::from_str(&policy).expect("ascii"),
    );
    rate_headers.insert(
        "x-request-id",
        HeaderValue::from_str(&format!("standin-{number}")).expect("ascii"),
    );
    let mut fault = state.faults.remove(&number);
    // The listing request's cursor (models above it are already listed).
    let cursor = path_and_query
        .strip_prefix("/api/models?")
        .map(cursor_offset);
    match &fault {
        Some(Fault::Swap(a, b)) => {
            let (a, b) = ((*a).min(*b), (*a).max(*b));
            if b < state.models.len() {
                if cursor.is_some_and(|cursor| a < cursor && cursor <= b) {
                    let risen = object_id(&state.models[b]);
                    state.rose_past_cursor.insert(risen);
                }
                state.models.swap(a, b);
            }
            fault = None;
        }
        Some(Fault::Insert(position, text)) => {
            let position = (*position).min(state.models.len());
            state.models.insert(position, text.clone());
            fault = None;
        }
        Some(Fault::Delete(position)) => {
            let position = *position;
            if position < state.models.len() {
                if let Some(cursor) = cursor
                    && position < cursor
                    && let Some(text) = state.models.get(cursor)
                {
                    let risen = object_id(text);
                    state.rose_past_cursor.insert(risen);
                }
                state.models.remove(position);
            }
            fault = None;
        }
        Some(Fault::Rename(position, new_id)) => {
            if let Some(text) = state.models.get_mut(*position)
                && let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text)
            {
                value["id"] = serde_json::Value::String(new_id.clone());
                *text = value.to_string();
            }
            fault = None;
        }
        _ => {}
    }
    let wait_until = if over {
        Some(state.started + window_end)
    } else {
        match &fault {
            Some(Fault::TooManyRequests {
                retry_after: Some(seconds),
            }) => Some(now + Duration::from_secs(*seconds)),
            Some(Fault::TooManyRequests { retry_after: None }) => Some(state.started + window_end),
            _ => None,
        }
    };
    let status = if over {
        429
    } else {
        match &fault {
            Some(Fault::TooManyRequests { .. }) => 429,
            Some(Fault::Status(code)) => *code,
            _ => 200,
        }
    };
    state.log.push(Logged {
        at: now,
        path_and_query,
        authorization: headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        status,
        wait_until,
    });
    if over {
        return Admission::Refused(
            (StatusCode::TOO_MANY_REQUESTS, rate_headers, "rate limited").into_response(),
        );
    }
    Admission::Go {
        headers: rate_headers,
        fault,
        latency: state.latency,
    }
}

enum Admission {
    Refused(Response),
    Go {
        headers: HeaderMap,
        fault: Option<Fault>,
        latency: Duration,
    },
}

async fn respond(admission: Admission, body: Option<String>, link: Option<String>) -> Response {
    let (mut headers, fault) = match admission {
        Admission::Refused(response) => return response,
        Admission::Go {
            headers,
            fault,
            latency,
        } => {
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            (headers, fault)
        }
    };
    match fault {
        Some(Fault::TooManyRequests { retry_after }) => {
            if let Some(seconds) = retry_after {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            return (StatusCode::TOO_MANY_REQUESTS, headers, "slow down").into_response();
        }
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, headers, "{\"error\":\"injected\"}").into_response();
        }
        Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
        _ => {}
    }
    let Some(mut body) = body else {
        headers.insert("x-error-code", HeaderValue::from_static("RepoNotFound"));
        return (StatusCode::NOT_FOUND, headers, "{\"error\":\"not found\"}").into_response();
    };
    if let Some(link) = link {
        let value = if matches!(fault, Some(Fault::MalformedLink)) {
            format!("{link}; rel=\"next\"")
        } else {
            format!("<{link}>; rel=\"next\"")
        };
        headers.insert(
            header::LINK,
            HeaderValue::from_str(&value).expect("ascii link"),
        );
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    match fault {
        Some(Fault::TruncatedJson) => {
            let mut cut = body.len() / 2;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
        }
        Some(Fault::ConnectionCut) => {
            // Promise the full length, send half: the connection ends mid-body.
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            let mut cut = body.len() / 2;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            return (StatusCode::OK, headers, Body::from(body)).into_response();
        }
        _ => {}
    }
    (StatusCode::OK, headers, body).into_response()
}

fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

async fn listing(
    State(shared): State<Shared_>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let admission = admit(&shared, format!("/api/models?{query}"), &headers);
    let limit: usize = query_value(&query, "limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let offset = cursor_offset(&query);
    let (body, link) = {
        let state = lock(&shared);
        let end = (offset + limit).min(state.models.len());
        let start = offset.min(end);
        let mut body = String::with_capacity((end - start) * 1024 + 2);
        body.push('[');
        for (i, text) in state.models[start..end].iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(text);
        }
        body.push(']');
        let link = (end < state.models.len()).then(|| {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|pair| !pair.starts_with("cursor="))
                .collect();
            let cursor: String = radix36(end).chars().rev().collect();
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("127.0.0.1");
            format!(
                "http://{host}/api/models?{}&cursor=c{cursor}",
                kept.join("&")
            )
        });
        (body, link)
    };
    respond(admission, Some(body), link).await
}

/// The offset a listing query's cursor stands for. The cursor is opaque to the client: `c` and
/// the offset in base 36, backwards.
fn cursor_offset(query: &str) -> usize {
    query_value(query, "cursor")
        .and_then(|c| c.strip_prefix('c'))
        .and_then(|c| usize::from_str_radix(&c.chars().rev().collect::<String>(), 36).ok())
        .unwrap_or(0)
}

/// A model object's `_id` (else its `id`).
fn object_id(text: &str) -> String {
    let value = serde_json::from_str::<serde_json::Value>(text).unwrap_or_default();
    value["_id"]
        .as_str()
        .or_else(|| value["id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn radix36(mut n: usize) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(digits[n % 36]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

async fn model(
    State(shared): State<Shared_>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let admission = admit(
        &shared,
        format!("/api/models/{id}?{}", query.unwrap_or_default()),
        &headers,
    );
    let body = {
        let state = lock(&shared);
        state.details.get(&id).cloned().or_else(|| {
            state
                .models
                .iter()
                .find(|text| {
                    serde_json::from_str::<serde_json::Value>(text)
                        .is_ok_and(|v| v["id"].as_str() == Some(id.as_str()))
                })
                .cloned()
        })
    };
    respond(admission, body, None).await
}

async fn user(
    State(shared): State<Shared_>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let admission = admit(&shared, format!("/api/users/{name}/overview"), &headers);
    let found = lock(&shared).users.contains(&name);
    let body = found.then(|| format!("{{\"user\":\"{name}\",\"type\":\"user\"}}"));
    respond(admission, body, None).await
}

async fn organization(
    State(shared): State<Shared_>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let admission = admit(
        &shared,
        format!("/api/organizations/{name}/overview"),
        &headers,
    );
    let found = lock(&shared).organizations.contains(&name);
    let body = found.then(|| format!("{{\"name\":\"{name}\",\"type\":\"org\"}}"));
    respond(admission, body, None).await
}

/// `n` realistic listing objects (every expanded field), ranked by downloads, deterministic in
/// `seed`. About 900 bytes each, like the Hub's.
#[must_use]
pub fn fixture_models(n: usize, seed: u64) -> Vec<String> {
    let libraries = [
        "transformers",
        "diffusers",
        "gguf",
        "sentence-transformers",
        "peft",
    ];
    let pipelines = [
        "text-generation",
        "feature-extraction",
        "text-to-image",
        "automatic-speech-recognition",
        "image-classification",
    ];
    let licenses = ["apache-2.0", "mit", "llama3.1", "other", "cc-by-4.0"];
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|rank| {
            let r = next();
            let org = format!("org{}", r % 997);
            let id = format!("{org}/model-{rank}-{}", r % 10_000);
            let downloads = 50_000_000 / (rank as u64 + 1);
            let parameters = 1_000_000 * (1 + r % 70_000);
            let library = libraries[(r % 5) as usize];
            let pipeline = pipelines[((r >> 8) % 5) as usize];
            let license = licenses[((r >> 16) % 5) as usize];
            let base = format!("org{}/base-{}", (r >> 24) % 50, (r >> 32) % 20);
            let gated = match (r >> 40) % 10 {
                0 => "\"manual\"",
                1 => "\"auto\"",
                _ => "false",
            };
            format!(
                concat!(
                    "{{\"_id\":\"{:024x}\",\"id\":\"{}\",\"author\":\"{}\",",
                    "\"gated\":{},\"lastModified\":\"2026-0{}-1{}T08:1{}:00.000Z\",",
                    "\"likes\":{},\"trendingScore\":{},\"private\":false,",
                    "\"downloads\":{},\"downloadsAllTime\":{},",
                    "\"tags\":[\"{}\",\"safetensors\",\"{}\",\"conversational\",\"en\",",
                    "\"base_model:{}\",\"base_model:finetune:{}\",\"license:{}\",",
                    "\"text-generation-inference\",\"endpoints_compatible\",\"region:us\"],",
                    "\"pipeline_tag\":\"{}\",\"library_name\":\"{}\",",
                    "\"createdAt\":\"2025-0{}-0{}T12:00:00.000Z\",",
                    "\"safetensors\":{{\"parameters\":{{\"BF16\":{}}},\"total\":{}}},",
                    "\"modelId\":\"{}\"}}"
                ),
                (seed << 32) ^ rank as u64,
                id,
                org,
                gated,
                1 + r % 9,
                r % 10,
                r % 10,
                r % 5000,
                r % 50,
                downloads,
                downloads * 12,
                library,
                pipeline,
                base,
                base,
                license,
                pipeline,
                library,
                1 + (r >> 4) % 9,
                1 + (r >> 6) % 9,
                parameters,
                parameters,
                id
            )
        })
        .collect()
}
