//! hubcensus-server: `hubcensus serve`, the local web dashboard and its JSON API.
//!
//! It is the only crate that knows HTTP. Every figure comes from a hubcensus-query view, the
//! same function the CLI calls, so the page, the API and the terminal cannot disagree; this
//! crate parses requests, memoizes answers per store state, and renders (askama templates with
//! auto-escaping, the report crate's SVG charts). It opens the store read-only and never writes
//! anything; it reads no token; it fetches nothing from anywhere (every asset is compiled in, and
//! the Content-Security-Policy forbids any other origin).
//!
//! It does not compute figures (hubcensus-query and the engine crates do), parse argv or print
//! (the binary does).

mod api;
mod error;
mod memo;
pub mod openapi;
mod pages;
mod params;
mod respond;
mod state;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::{MethodRouter, get};

pub use crate::respond::CONTENT_SECURITY_POLICY;
pub use crate::state::AppState;

/// The handler of a documented API route.
fn api_handler(path: &str) -> MethodRouter<AppState> {
    match path {
        "/api/v1/working-set" => get(api::working_set_route),
        "/api/v1/windows" => get(api::windows_route),
        "/api/v1/shares" => get(api::shares_route),
        "/api/v1/top" => get(api::top_route),
        "/api/v1/churn" => get(api::churn_route),
        "/api/v1/derivatives" => get(api::derivatives_route),
        "/api/v1/model/{id}" => get(api::model_route),
        "/api/v1/who/{name}" => get(api::who_route),
        "/api/v1/snapshots" => get(api::snapshots_route),
        "/api/v1/search" => get(api::search_api_route),
        "/api/v1/series" => get(api::series_route),
        "/api/v1/audit" => get(api::audit_route),
        "/api/v1/discover" => get(api::discover_route),
        "/api/v1/openapi.json" => get(api::openapi_route),
        "/api/v1/export/{table}" => get(api::export_route),
        other => panic!("bug: the API route {other} has no handler"),
    }
}

/// Every route: the pages, the feed, the badges, the assets and the API.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in openapi::ROUTES {
        router = router.route(route.axum_path, api_handler(route.path));
    }
    router
        .route("/api/{*rest}", get(api::not_found))
        .route("/", get(pages::overview))
        .route("/week", get(pages::week))
        .route("/week/{date}", get(pages::week_of))
        .route("/model/{*id}", get(pages::model_page))
        .route("/geography", get(pages::geography))
        .route("/concentration", get(pages::concentration))
        .route("/families", get(pages::families))
        .route("/org/{namespace}", get(pages::organization))
        .route("/compare", get(pages::compare))
        .route("/search", get(pages::search_route))
        .route("/quality", get(pages::quality))
        .route("/contributors", get(pages::contributors))
        .route("/audit", get(pages::audit))
        .route("/discover", get(pages::discover))
        .route("/feeds/working-set.atom", get(pages::feed))
        .route("/badge/{*id}", get(pages::badge))
        .route("/static/app.css", get(pages::stylesheet))
        .route("/static/app.js", get(pages::script))
        .fallback(pages::not_found)
        .layer(axum::middleware::map_response(respond::security_headers))
        .with_state(state)
}

/// Whether `addr` is reachable only from this machine.
#[must_use]
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Serves `state` on `listener` until the process ends, warming the default views in the
/// background and watching the store for new snapshots.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    tokio::spawn(state.clone().warm());
    tokio::spawn(state.clone().watch());
    axum::serve(listener, router(state)).await
}
