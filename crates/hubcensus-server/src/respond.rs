//! Every response goes out through here: computed once per store state and request (the memo),
//! with an `ETag` from the store's state and the request, `304 Not Modified` when the client has
//! it, and the security headers on everything (a strict Content-Security-Policy: only this
//! server's own script, style and images; nothing fetched from anywhere else).

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::params::Params;
use crate::state::{AppState, Loaded, Meta, Rendered};

pub const JSON: &str = "application/json";
pub const HTML: &str = "text/html; charset=utf-8";
pub const SVG: &str = "image/svg+xml";
pub const ATOM: &str = "application/atom+xml";

/// The policy every response carries: nothing but this origin's script, style and images; no
/// frames, no form targets elsewhere, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

/// What a route accepts: its own query parameters, and the population filters when `filters`.
#[derive(Clone, Copy)]
pub struct Accepts<'a> {
    pub params: &'a [&'a str],
    pub filters: bool,
}

/// How an error is shown: a JSON body (the API, feeds, badges) or a page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Json,
    Html,
}

/// Parses a request's query pairs (those `accepts` names), then answers from the memo or `compute`, keyed by the route and the canonical
/// parameters; a bad parameter is a 400 shown as `kind` says. Every API route and page goes
/// through here.
pub async fn answer<F, Fut>(
    kind: Kind,
    state: &AppState,
    headers: &HeaderMap,
    route: &str,
    pairs: Vec<(String, String)>,
    accepts: Accepts<'_>,
    compute: F,
) -> Response
where
    F: FnOnce(Arc<Loaded>, Params) -> Fut,
    Fut: Future<Output = Result<Rendered, AppError>>,
{
    let params = match Params::parse(pairs, accepts.params, accepts.filters) {
        Ok(params) => params,
        Err(error) => return error_response(&error, kind),
    };
    let key = format!("{route}?{}", params.canonical());
    cached(state, headers, key, kind, |loaded| compute(loaded, params)).await
}

/// The response for `key` (the route and its canonical parameters): from the memo, or
/// computed by `compute` over the store's current state.
pub async fn cached<F, Fut>(
    state: &AppState,
    request_headers: &HeaderMap,
    key: String,
    kind: Kind,
    compute: F,
) -> Response
where
    F: FnOnce(Arc<Loaded>) -> Fut,
    Fut: Future<Output = Result<Rendered, AppError>>,
{
    let loaded = state.loaded();
    let etag = etag(&loaded.tag, &key);
    if request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        })
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        set_validators(response.headers_mut(), &etag);
        return response;
    }
    let inner = Arc::clone(&loaded);
    match loaded.responses.get_or_try(key, || compute(inner)).await {
        Ok(rendered) => {
            let mut response = (StatusCode::OK, rendered.body.clone()).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(rendered.content_type),
            );
            set_validators(headers, &etag);
            if let Some(filename) = &rendered.filename
                && let Ok(value) =
                    HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
            {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) => error_response(&error, kind),
    }
}

fn set_validators(headers: &mut HeaderMap, etag: &str) {
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    // Revalidate every time: a new snapshot changes the answer, and a 304 costs nothing.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

/// `"<store state>-<request>"`, both hashed short.
fn etag(tag: &str, key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let request = hex(&digest[..8]);
    format!("\"{}-{request}\"", &tag[..16])
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// An error as the client sees it: a JSON body, or a small page saying the same.
pub fn error_response(error: &AppError, kind: Kind) -> Response {
    if let AppError::Internal(text) = error {
        tracing::error!("{text}");
    }
    let status = error.status();
    let body = error.body();
    match kind {
        Kind::Json => {
            let mut response = (status, json_bytes(&body)).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
            response
        }
        Kind::Html => {
            let page = crate::pages::error_page(&body);
            let mut response = (status, page).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(HTML));
            response
        }
    }
}

/// Pretty JSON with a final newline, as the CLI's `--format json`.
pub fn json_bytes(value: &impl Serialize) -> Bytes {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_else(|_| b"null".to_vec());
    bytes.push(b'\n');
    Bytes::from(bytes)
}

/// A view's JSON (the CLI's `--format json`, fields in the same order) with the `meta` block
/// added as its last top-level field.
pub fn with_meta(view: &impl Serialize, meta: &Meta) -> Result<Rendered, AppError> {
    let view = serde_json::to_string_pretty(view)
        .map_err(|error| AppError::Internal(format!("cannot serialize a view: {error}")))?;
    let meta = serde_json::to_string_pretty(meta)
        .map_err(|error| AppError::Internal(format!("cannot serialize meta: {error}")))?;
    let meta = meta.replace('\n', "\n  ");
    let body = match view.strip_suffix('}') {
        Some(open) if view.starts_with('{') && open.trim_end().len() > 1 => {
            format!("{},\n  \"meta\": {meta}\n}}\n", open.trim_end())
        }
        Some(_) if view.starts_with('{') => format!("{{\n  \"meta\": {meta}\n}}\n"),
        _ => format!("{{\n  \"data\": {view},\n  \"meta\": {meta}\n}}\n"),
    };
    Ok(Rendered {
        content_type: JSON,
        body: Bytes::from(body),
        filename: None,
    })
}

/// Adds the security headers to every response (a `map_response` layer).
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
