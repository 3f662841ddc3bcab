//! The Hub HTTP client: one paced, retrying `GET`.
//!
//! Transient failures (5xx, 408, timeouts, a connection cut or refused once the Hub has
//! answered, unreadable bodies) are retried with backoff, up to [`ClientConfig::max_retries`];
//! 429s wait as the rate-limit headers say. Failures that no wait cures end the request at
//! once: the name does not resolve, the connection is refused before the Hub has ever
//! answered, TLS fails ([`HubError::Unreachable`]), and HTTP 401/403 ([`HubError::Status`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

use super::ratelimit::{Pacer, RateLimit, RateLimitPolicy, wait_secs};
use super::{Event, EventSink, HubError, Token};

/// The public Hub.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// How the client talks to the Hub.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `HF_ENDPOINT`, without a trailing slash.
    pub endpoint: String,
    pub token: Option<Token>,
    /// Whole-request timeout (connect, headers and body).
    pub timeout: Duration,
    /// Transient failures (5xx, 408, connection errors, timeouts, unreadable bodies) tolerated
    /// per request before the run stops.
    pub max_retries: u32,
    /// 429 responses tolerated per request before the run stops.
    pub max_rate_limited: u32,
    /// The first backoff; it doubles per attempt up to `backoff_max`, with full jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Added to `t` after a 429 and to the estimated reset when the budget is spent.
    pub reset_margin: Duration,
    /// Seed of the jitter (deterministic runs in tests).
    pub jitter_seed: u64,
}

impl ClientConfig {
    /// The defaults for `endpoint`.
    #[must_use]
    pub fn new(endpoint: &str, token: Option<Token>) -> Self {
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            token,
            timeout: Duration::from_mins(1),
            max_retries: 8,
            max_rate_limited: 30,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_mins(2),
            reset_margin: Duration::from_secs(1),
            jitter_seed: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

/// A successful response.
#[derive(Debug)]
pub struct Response<T> {
    /// What the validator made of the body.
    pub value: T,
    pub body: Vec<u8>,
    /// The `rel="next"` target of the `Link` header, absolute.
    pub next: Option<String>,
}

/// Counters of one client's life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    pub requests: u64,
    pub retries: u64,
    pub rate_limited: u64,
    pub rate_limit_waits: u64,
    pub waited: Duration,
    pub quota: Option<u64>,
}

struct Inner {
    pacer: Pacer,
    stats: ClientStats,
    rng: u64,
    /// Whether any response has come back: a refused connection before that is a wrong
    /// address or no server, after it a server restarting.
    answered: bool,
}

/// A paced, retrying client of the Hub API. Cheap to clone (shared pacer and counters).
#[derive(Clone)]
pub struct HubClient {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    inner: Arc<Mutex<Inner>>,
    events: EventSink,
}

/// The outcome of one attempt, before the retry decision.
enum Attempt<T> {
    Done(Response<T>),
    /// Wait this long (or until the pacer allows), then retry; counted as a transient failure.
    Transient(String),
    /// No wait cures it (see [`permanent`]).
    Permanent(String),
    RateLimited {
        wait: Duration,
    },
}

impl HubClient {
    pub fn new(config: ClientConfig, events: EventSink) -> Result<Self, HubError> {
        Self::with_builder(config, events, reqwest::Client::builder())
    }

    /// [`HubClient::new`] on a reqwest builder the caller prepared (tests: a resolver that
    /// fails without sending a query).
    fn with_builder(
        config: ClientConfig,
        events: EventSink,
        builder: reqwest::ClientBuilder,
    ) -> Result<Self, HubError> {
        // reqwest is built with `rustls-no-provider`: install ring once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = builder
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(30)))
            .user_agent(concat!("hubcensus/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(HubError::Client)?;
        let rng = config.jitter_seed | 1;
        Ok(Self {
            http,
            inner: Arc::new(Mutex::new(Inner {
                pacer: Pacer::new(config.reset_margin),
                stats: ClientStats::default(),
                rng,
                answered: false,
            })),
            config: Arc::new(config),
            events,
        })
    }

    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.config.endpoint
    }

    #[must_use]
    pub fn stats(&self) -> ClientStats {
        self.lock().stats
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `GET url` (absolute, or a path under the endpoint), paced by the rate-limit headers,
    /// retrying transient failures and 429s. `validate` reads the body (a truncated or malformed
    /// body is a transient failure: it is fetched again). `Ok(None)` is a 404.
    pub async fn get<T>(
        &self,
        url: &str,
        validate: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<Option<Response<T>>, HubError> {
        let url = if url.starts_with("http://") || url.starts_with("https://") {
            url.to_owned()
        } else {
            format!("{}{url}", self.config.endpoint)
        };
        let mut transient = 0u32;
        let mut rate_limited = 0u32;
        loop {
            self.wait_for_pacer().await;
            match self.attempt(&url, &validate).await? {
                Some(Attempt::Done(response)) => return Ok(Some(response)),
                None => return Ok(None),
                Some(Attempt::Permanent(cause)) => {
                    tracing::info!(url, "{cause}; not retried");
                    return Err(HubError::Unreachable { url, cause });
                }
                Some(Attempt::Transient(cause)) => {
                    transient += 1;
                    if transient > self.config.max_retries {
                        return Err(HubError::GaveUp {
                            url,
                            attempts: transient,
                            cause,
                        });
                    }
                    let wait = self.backoff(transient);
                    tracing::warn!(url, attempt = transient, ?wait, "{cause}; retrying");
                    self.events.emit(&Event::Retry {
                        attempt: transient,
                        cause,
                    });
                    let mut inner = self.lock();
                    inner.stats.retries += 1;
                    inner.pacer.block_until(Instant::now() + wait);
                }
                Some(Attempt::RateLimited { wait }) => {
                    rate_limited += 1;
                    if rate_limited > self.config.max_rate_limited {
                        return Err(HubError::GaveUp {
                            url,
                            attempts: rate_limited,
                            cause: "rate limited (429) too many times".to_owned(),
                        });
                    }
                    tracing::warn!(url, ?wait, "rate limited (429); waiting");
                    self.lock().pacer.block_until(Instant::now() + wait);
                }
            }
        }
    }

    async fn wait_for_pacer(&self) {
        let until = self.lock().pacer.not_before();
        let Some(until) = until else { return };
        let now = Instant::now();
        if until <= now {
            return;
        }
        let wait = until - now;
        // Short pacing gaps are not worth reporting; a wait of a second or more is.
        if wait >= Duration::from_secs(1) {
            self.events.emit(&Event::RateLimitWait { wait });
            self.lock().stats.rate_limit_waits += 1;
        }
        self.lock().stats.waited += wait;
        tokio::time::sleep_until(until).await;
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exponential = self
            .config
            .backoff_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.config.backoff_max);
        // Full jitter between half and all of the exponential step (xorshift64).
        let mut inner = self.lock();
        let mut x = inner.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        inner.rng = x;
        let fraction = 0.5 + (x >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
        exponential.mul_f64(fraction)
    }

    async fn attempt<T>(
        &self,
        url: &str,
        validate: &impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<Option<Attempt<T>>, HubError> {
        let mut request = self.http.get(url);
        if let Some(token) = &self.config.token {
            request = request.header(AUTHORIZATION, token.bearer()?);
        }
        self.lock().stats.requests += 1;
        self.events.emit(&Event::Request);
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                let answered = self.lock().answered;
                return Ok(Some(match permanent(&error, answered) {
                    Some(reason) => Attempt::Permanent(format!("{reason} ({})", describe(&error))),
                    None => Attempt::Transient(describe(&error)),
                }));
            }
        };
        self.lock().answered = true;
        let received = Instant::now();
        let status = response.status();
        let headers = response.headers().clone();
        self.observe(received, &headers);
        let request_id = header(&headers, "x-request-id");
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = self.rate_limit_wait(&headers);
            let mut inner = self.lock();
            inner.stats.rate_limited += 1;
            inner.stats.rate_limit_waits += 1;
            drop(inner);
            tracing::warn!(url, request_id, "429 too many requests");
            self.events.emit(&Event::RateLimitWait { wait });
            return Ok(Some(Attempt::RateLimited { wait }));
        }
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            return Ok(Some(Attempt::Transient(format!(
                "HTTP {status} (request id {})",
                request_id.as_deref().unwrap_or("none")
            ))));
        }
        if status == StatusCode::NOT_FOUND {
            tracing::info!(url, request_id, "404 not found");
            return Ok(None);
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let message: String = body.chars().take(300).collect();
            tracing::error!(url, request_id, %status, "request refused");
            return Err(HubError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
                request_id,
                error_code: header(&headers, "x-error-code"),
                message,
            });
        }
        let link = header(&headers, "link");
        let next = link
            .as_deref()
            .and_then(next_link)
            .map(|next| absolute(url, &next));
        // A `Link` that names a next page we cannot read must not end the listing early.
        if next.is_none()
            && let Some(link) = link.filter(|link| link.contains("next"))
        {
            return Ok(Some(Attempt::Transient(format!(
                "unreadable Link header {link:?} (request id {})",
                request_id.as_deref().unwrap_or("none")
            ))));
        }
        let body = match response.bytes().await {
            Ok(body) => Vec::from(body),
            Err(error) => return Ok(Some(Attempt::Transient(describe(&error)))),
        };
        match validate(&body) {
            Ok(value) => Ok(Some(Attempt::Done(Response { value, body, next }))),
            Err(cause) => Ok(Some(Attempt::Transient(format!(
                "unreadable body (request id {}): {cause}",
                request_id.as_deref().unwrap_or("none")
            )))),
        }
    }

    fn observe(&self, received: Instant, headers: &HeaderMap) {
        let limit = header(headers, "ratelimit").and_then(|v| RateLimit::parse(&v));
        let policy = header(headers, "ratelimit-policy").and_then(|v| RateLimitPolicy::parse(&v));
        let mut inner = self.lock();
        if let Some(policy) = policy {
            inner.stats.quota = Some(policy.quota);
        }
        if let Some(limit) = limit {
            inner.pacer.observe(received, limit);
        }
    }

    /// After a 429: `Retry-After` if given, else the window's `t` plus the margin, else backoff.
    fn rate_limit_wait(&self, headers: &HeaderMap) -> Duration {
        // Capped (`wait_secs`): the wait becomes `Instant::now() + wait`, which a huge header
        // would overflow.
        if let Some(seconds) = header(headers, "retry-after").and_then(|v| v.trim().parse().ok()) {
            return wait_secs(seconds);
        }
        if let Some(limit) = header(headers, "ratelimit").and_then(|v| RateLimit::parse(&v)) {
            return wait_secs(limit.reset_secs) + self.config.reset_margin;
        }
        let count = self.lock().stats.rate_limited.max(1) as u32;
        self.backoff(count)
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let name = if name == "retry-after" {
        RETRY_AFTER.as_str()
    } else {
        name
    };
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Why a transport error is one no retry cures, if it is: the name does not resolve, the
/// connection is refused before the Hub has ever answered (`answered`: a wrong address or no
/// server; afterwards, a server restarting, which a wait may cure), or TLS fails (a certificate
/// or protocol error, the same on every attempt).
fn permanent(error: &reqwest::Error, answered: bool) -> Option<&'static str> {
    if error.is_dns() {
        return Some("the name does not resolve");
    }
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        let io = inner.downcast_ref::<std::io::Error>();
        if !answered && io.is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused) {
            return Some("the connection was refused");
        }
        if is_tls(inner) {
            return Some("TLS failed");
        }
        source = inner.source();
    }
    None
}

/// Whether `error` is a rustls error, or an I/O error wrapping one at any depth (an I/O
/// error's `source` skips the error it wraps: its own layers are read with `get_ref`).
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        .is_some_and(|inner| is_tls(inner))
}

/// A transport error in words, without the URL (logged beside it) or anything from the request.
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "body unreadable"
    } else {
        "request failed"
    };
    let mut cause = String::from(kind);
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause.push_str(": ");
        cause.push_str(&inner.to_string());
        source = inner.source();
    }
    cause
}

/// The `rel="next"` target of a `Link` header value.
#[must_use]
pub fn next_link(value: &str) -> Option<String> {
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>')?;
        let target = &rest[open + 1..close];
        let params_end = rest[close..].find('<').map_or(rest.len(), |i| close + i);
        let params = &rest[close + 1..params_end];
        let is_next = params.split(';').any(|param| {
            param
                .trim()
                .trim_end_matches(',')
                .trim()
                .strip_prefix("rel=")
                .is_some_and(|rel| {
                    rel.trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r == "next")
                })
        });
        if is_next {
            return Some(target.to_owned());
        }
        rest = &rest[params_end..];
    }
    None
}

fn absolute(base: &str, target: &str) -> String {
    reqwest::Url::parse(base)
        .and_then(|base| base.join(target))
        .map_or_else(|_| target.to_owned(), String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers() {
        let cases = [
            (
                r#"<https://huggingface.co/api/models?limit=1000&cursor=eyJ>; rel="next""#,
                Some("https://huggingface.co/api/models?limit=1000&cursor=eyJ"),
            ),
            (
                r#"<https://x/a?p=1>; rel="prev", <https://x/a?p=3>; rel="next""#,
                Some("https://x/a?p=3"),
            ),
            (r"<https://x/a,b?p=1>; rel=next", Some("https://x/a,b?p=1")),
            (r#"<https://x/a?p=1>; rel="prev""#, None),
            ("", None),
        ];
        for (value, expected) in cases {
            assert_eq!(next_link(value).as_deref(), expected, "{value}");
        }
        assert_eq!(
            absolute("http://127.0.0.1:9/api/models?x=1", "/api/models?cursor=2"),
            "http://127.0.0.1:9/api/models?cursor=2"
        );
    }
}

/// Failures no retry cures end a request at once; a refused connection after the Hub has
/// answered is retried. Everything on loopback or in process: no traffic leaves the machine.
#[cfg(test)]
mod permanent_failures {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// A budget that would take minutes if these failures were retried: 8 retries from 5 s.
    fn config(endpoint: &str) -> ClientConfig {
        let mut config = ClientConfig::new(endpoint, None);
        config.backoff_base = Duration::from_secs(5);
        config.timeout = Duration::from_secs(5);
        config
    }

    /// A resolver that answers every name with an error, sending no query.
    struct NoNames;

    impl reqwest::dns::Resolve for NoNames {
        fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async { Err("no such host (the test's resolver)".into()) })
        }
    }

    /// A port on 127.0.0.1 nothing listens on.
    fn closed_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// Serves `answers` connections on 127.0.0.1 with `reply` each, then stops listening.
    fn serve(answers: usize, reply: &'static [u8]) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for _ in 0..answers {
                let (mut stream, _) = listener.accept().unwrap();
                let mut request = [0; 4096];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(reply);
            }
        });
        port
    }

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";

    async fn fails_at_once(client: &HubClient, expected: &str) {
        let started = std::time::Instant::now();
        let error = client.get("/api/models", |_| Ok(())).await.unwrap_err();
        assert!(matches!(error, HubError::Unreachable { .. }), "{error}");
        assert!(error.to_string().contains(expected), "{error}");
        assert_eq!((client.stats().requests, client.stats().retries), (1, 0));
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_not_retried() {
        let builder = reqwest::Client::builder().dns_resolver(Arc::new(NoNames));
        let client =
            HubClient::with_builder(config("http://hub.test"), EventSink::default(), builder)
                .unwrap();
        fails_at_once(&client, "the name does not resolve").await;
    }

    #[tokio::test]
    async fn a_refused_first_contact_is_not_retried() {
        let endpoint = format!("http://127.0.0.1:{}", closed_port());
        let client = HubClient::new(config(&endpoint), EventSink::default()).unwrap();
        fails_at_once(&client, "the connection was refused").await;
    }

    #[tokio::test]
    async fn a_tls_failure_is_not_retried() {
        // Plain HTTP where TLS is expected.
        let endpoint = format!("https://127.0.0.1:{}", serve(1, OK));
        let client = HubClient::new(config(&endpoint), EventSink::default()).unwrap();
        fails_at_once(&client, "TLS failed").await;
    }

    #[tokio::test]
    async fn a_refused_connection_after_an_answer_is_retried() {
        let endpoint = format!("http://127.0.0.1:{}", serve(1, OK));
        let mut config = config(&endpoint);
        config.backoff_base = Duration::from_millis(10);
        config.max_retries = 2;
        let client = HubClient::new(config, EventSink::default()).unwrap();
        assert!(
            client
                .get("/api/models", |_| Ok(()))
                .await
                .unwrap()
                .is_some()
        );
        let error = client.get("/api/models", |_| Ok(())).await.unwrap_err();
        assert!(
            matches!(error, HubError::GaveUp { attempts: 3, .. }),
            "{error}"
        );
    }
}
