//! The JSON API under `/api/v1/`: each route calls one query-layer view and answers its typed
//! result, the same JSON as the CLI's `--format json` (the same `schema` names), with a `meta`
//! block added: the snapshots used, source, schema era, population, registry version and a
//! citation line.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hubcensus_analytics::Filter;
use hubcensus_analytics::shares::{Dimension, Origin, Period};
use hubcensus_evals::audit::{AuditQuery, LicensePolicy, SizePolicy};
use hubcensus_evals::discover::DiscoverQuery;
use hubcensus_query::views::churn::{ChurnQuery, churn};
use hubcensus_query::views::derivatives::{DerivativesQuery, derivatives};
use hubcensus_query::views::evidence::{self, AuditView, DiscoverView, Evidence};
use hubcensus_query::views::history::{
    ModelQuery, ModelWeek, SearchView, WorkingSetQuery, model, model_weeks, search, working_set,
};
use hubcensus_query::views::shares::{SharesQuery, shares};
use hubcensus_query::views::top::{TopQuery, top};
use hubcensus_query::views::who::{WhoQuery, WhoView, who};
use hubcensus_query::views::windows::{WindowsQuery, windows};
use serde::Serialize;

use crate::error::AppError;
use crate::params::{Params, check_id};
use crate::respond::{Accepts, JSON, Kind, answer, cached, error_response, json_bytes, with_meta};
use crate::state::{AppState, Loaded, Rendered, blocking};

pub type Pairs = Query<Vec<(String, String)>>;

pub async fn working_set_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/working-set",
        pairs,
        Accepts {
            params: &["as_of", "k"],
            filters: true,
        },
        |loaded, params| async move {
            let view = working_set_view(&loaded, &params).await?;
            with_meta(&view, &loaded.window_meta(&view.population))
        },
    )
    .await
}

/// The working-set view of a request's week, filter and k (the API and the week page).
pub async fn working_set_view(
    loaded: &Arc<Loaded>,
    params: &Params,
) -> Result<hubcensus_query::views::history::WorkingSetView, AppError> {
    let k = params.k(200)?;
    let filter = params.filter()?;
    let as_of = params.as_of()?;
    let history = loaded.history(&filter, k).await?;
    let inner = Arc::clone(loaded);
    blocking(move || working_set(&inner.census, &history, &WorkingSetQuery { as_of })).await
}

pub async fn windows_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/windows",
        pairs,
        Accepts {
            params: &["k"],
            filters: true,
        },
        |loaded, params| async move {
            let view = windows_view(&loaded, &params).await?;
            let population = view.filter.describe();
            with_meta(&view, &loaded.meta(&population, None))
        },
    )
    .await
}

pub async fn windows_view(
    loaded: &Arc<Loaded>,
    params: &Params,
) -> Result<hubcensus_query::views::windows::WindowsView, AppError> {
    let query = WindowsQuery {
        k: params.k(200)?,
        filter: params.filter()?,
        cadence: None,
    };
    let inner = Arc::clone(loaded);
    blocking(move || windows(&inner.census, &query)).await
}

pub async fn shares_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/shares",
        pairs,
        Accepts {
            params: &["by", "origin", "period"],
            filters: true,
        },
        |loaded, params| async move {
            let view = shares_view(&loaded, &params).await?;
            let view = &*view;
            let population = view
                .results
                .last()
                .map_or_else(String::new, |s| s.population.words.clone());
            with_meta(&view, &loaded.meta(&population, None))
        },
    )
    .await
}

/// The shares view a request asks for, computed once per store state and query (the API,
/// Geography and the organization pages share it).
pub async fn shares_view(
    loaded: &Arc<Loaded>,
    params: &Params,
) -> Result<Arc<hubcensus_query::views::shares::SharesView>, AppError> {
    let dimension = match params.choice("by", &["country", "region", "type", "organization"])? {
        "country" => Dimension::Country,
        "region" => Dimension::Region,
        "type" => Dimension::Type,
        _ => Dimension::Organization,
    };
    let origins = match params.choice("origin", &["uploader", "lineage", "both"])? {
        "both" => vec![Origin::Uploader, Origin::Lineage],
        "uploader" => vec![Origin::Uploader],
        _ => vec![Origin::Lineage],
    };
    let period = match params.choice("period", &["week", "month", "quarter", "year"])? {
        "week" => Period::Week,
        "month" => Period::Month,
        "quarter" => Period::Quarter,
        _ => Period::Year,
    };
    let query = SharesQuery {
        dimension,
        origins,
        period,
        filter: params.filter()?,
    };
    let key = format!("{query:?}");
    let inner = Arc::clone(loaded);
    loaded
        .shares
        .get_or_try(key, || async move {
            blocking(move || shares(&inner.census, &query)).await
        })
        .await
}

pub async fn top_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/top",
        pairs,
        Accepts {
            params: &["as_of", "k", "family"],
            filters: true,
        },
        |loaded, params| async move {
            let view = top_view(&loaded, &params).await?;
            with_meta(&view, &loaded.window_meta(&view.population))
        },
    )
    .await
}

pub async fn top_view(
    loaded: &Arc<Loaded>,
    params: &Params,
) -> Result<hubcensus_query::views::top::TopView, AppError> {
    let query = TopQuery {
        k: params.k(200)?,
        as_of: params.as_of()?,
        family: params.switch("family")?,
        filter: params.filter()?,
    };
    let inner = Arc::clone(loaded);
    blocking(move || top(&inner.census, &query)).await
}

pub async fn churn_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/churn",
        pairs,
        Accepts {
            params: &["as_of", "k"],
            filters: true,
        },
        |loaded, params| async move {
            let query = ChurnQuery {
                k: params.k(200)?,
                as_of: params.as_of()?,
                filter: params.filter()?,
            };
            let inner = Arc::clone(&loaded);
            let view = blocking(move || churn(&inner.census, &query)).await?;
            with_meta(
                &view,
                &loaded.meta(
                    &view.population.words,
                    Some(&[view.previous_population.from, view.population.to]),
                ),
            )
        },
    )
    .await
}

pub async fn derivatives_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/derivatives",
        pairs,
        Accepts {
            params: &["as_of", "top"],
            filters: true,
        },
        |loaded, params| async move {
            let view = derivatives_view(&loaded, &params).await?;
            with_meta(&view, &loaded.meta(&view.population, Some(&[view.as_of])))
        },
    )
    .await
}

pub async fn derivatives_view(
    loaded: &Arc<Loaded>,
    params: &Params,
) -> Result<hubcensus_query::views::derivatives::DerivativesView, AppError> {
    let query = DerivativesQuery {
        top: params.bounded("top", 20, 1, 1_000)? as usize,
        as_of: params.as_of()?,
        filter: params.filter()?,
    };
    let inner = Arc::clone(loaded);
    blocking(move || derivatives(&inner.census, &query)).await
}

pub async fn model_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(pairs): Pairs,
) -> Response {
    if let Err(error) = check_id("id", &id) {
        return error_response(&error, Kind::Json);
    }
    let route = format!("/api/v1/model/{id}");
    answer(
        Kind::Json,
        &state,
        &headers,
        &route,
        pairs,
        Accepts {
            params: &["limit"],
            filters: false,
        },
        |loaded, params| async move {
            let view = model_view(&loaded, &params, id).await?;
            with_meta(&view, &loaded.meta(&view.population.words, None))
        },
    )
    .await
}

pub async fn model_view(
    loaded: &Arc<Loaded>,
    params: &Params,
    id: String,
) -> Result<hubcensus_query::views::history::ModelView, AppError> {
    let limit = params.bounded("limit", 20, 1, crate::params::MAX_LIMIT as u64)? as usize;
    let history = loaded
        .history(&hubcensus_analytics::Filter::default(), 200)
        .await?;
    let inner = Arc::clone(loaded);
    blocking(move || model(&inner.census, &history, &ModelQuery { id, limit })).await
}

pub async fn who_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(pairs): Pairs,
) -> Response {
    if let Err(error) = check_id("name", &name) {
        return error_response(&error, Kind::Json);
    }
    let route = format!("/api/v1/who/{name}");
    answer(
        Kind::Json,
        &state,
        &headers,
        &route,
        pairs,
        Accepts {
            params: &[],
            filters: false,
        },
        |loaded, _| async move {
            let view = who_view(&loaded, name).await?;
            with_meta(
                &view,
                &loaded.meta("attribution by the embedded registry", None),
            )
        },
    )
    .await
}

pub async fn who_view(loaded: &Arc<Loaded>, name: String) -> Result<WhoView, AppError> {
    let inner = Arc::clone(loaded);
    blocking(move || {
        let now = inner
            .census
            .latest()
            .unwrap_or(hubcensus_model::Timestamp::from_millis(0));
        who(
            Some(&inner.census),
            &WhoQuery {
                name,
                at: None,
                snapshot: None,
                now,
            },
        )
    })
    .await
}

/// The parameters of an audit (the API and the page).
pub const AUDIT_PARAMS: [&str; 6] = [
    "model",
    "workload",
    "max_params",
    "license",
    "include_base",
    "as_of",
];

/// The parameters of discover (the API and the page).
pub const DISCOVER_PARAMS: [&str; 5] = ["task", "contributor", "since", "min_downloads", "as_of"];

/// The snapshots up to `as_of` (all when `None`): what evidence ending there may have used.
fn snapshots_until(
    loaded: &Loaded,
    as_of: Option<hubcensus_model::Timestamp>,
) -> Vec<hubcensus_model::Timestamp> {
    loaded
        .snapshots
        .iter()
        .map(|s| s.as_of)
        .filter(|t| as_of.is_none_or(|as_of| *t <= as_of))
        .collect()
}

pub async fn audit_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/audit",
        pairs,
        Accepts {
            params: &AUDIT_PARAMS,
            filters: false,
        },
        |loaded, params| async move {
            let view = audit_view(&loaded, &params).await?;
            let used = snapshots_until(&loaded, view.audit.as_of);
            with_meta(&view, &loaded.meta(&view.audit.provenance, Some(&used)))
        },
    )
    .await
}

/// The audit a request asks for, by `evidence::audit` over the store (as `hubcensus audit`).
/// A model in none of the snapshots is a 404.
pub async fn audit_view(loaded: &Arc<Loaded>, params: &Params) -> Result<AuditView, AppError> {
    let id = params.required("model", "e.g. model=org/name")?;
    check_id("model", id)?;
    let model = hubcensus_model::ModelId::new(id).map_err(|error| {
        AppError::bad(
            "model",
            format!("{id:?} is not a model id: {error}"),
            "ids look like org/name",
        )
    })?;
    let workloads = evidence::workloads(None)?;
    let names = workloads.names().collect::<Vec<_>>().join(", ");
    let workload = params.required("workload", &format!("workloads: {names}"))?;
    let benchmarks = workloads
        .benchmarks(workload)
        .map_err(|_| {
            AppError::bad(
                "workload",
                format!("no workload {workload:?}"),
                format!("workloads: {names}"),
            )
        })?
        .to_vec();
    let query = AuditQuery {
        model,
        workload: workload.to_owned(),
        benchmarks,
        size: SizePolicy {
            max_params: params.size("max_params")?,
            ..SizePolicy::default()
        },
        license: match params.choice("license", &["any", "permissive"])? {
            "permissive" => LicensePolicy::Permissive,
            _ => LicensePolicy::Any,
        },
        include_base: params.switch("include_base")?,
    };
    let as_of = params.as_of()?;
    let dir = loaded.census.dir().to_path_buf();
    blocking(move || {
        let source = Evidence::open(None, &dir)?;
        evidence::audit(&source, &dir, &query, as_of.as_ref())
    })
    .await
    .map_err(|error| match error {
        // The id was checked above: what the audit says of the model is that it is absent.
        AppError::BadParameter {
            parameter,
            message,
            hint,
        } if parameter == "model" => AppError::NotFound { message, hint },
        error => error,
    })
}

pub async fn discover_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/discover",
        pairs,
        Accepts {
            params: &DISCOVER_PARAMS,
            filters: false,
        },
        |loaded, params| async move {
            let view = discover_view(&loaded, &params).await?;
            let used = snapshots_until(&loaded, view.discover.as_of);
            with_meta(&view, &loaded.meta(&view.discover.provenance, Some(&used)))
        },
    )
    .await
}

/// What discover finds for a request, by `evidence::discover` over the store (as `hubcensus
/// discover`).
pub async fn discover_view(
    loaded: &Arc<Loaded>,
    params: &Params,
) -> Result<DiscoverView, AppError> {
    let task = params.required("task", "e.g. task=text-generation")?;
    let names: Vec<&str> = params
        .get("contributor")
        .unwrap_or(evidence::DEFAULT_CONTRIBUTORS)
        .split(',')
        .collect();
    let (contributors, include_unknown) =
        evidence::contributor_types(&names).map_err(|message| {
            AppError::bad("contributor", message, evidence::CONTRIBUTOR_TYPES_HINT)
        })?;
    if contributors.is_empty() && !include_unknown {
        return Err(AppError::bad(
            "contributor",
            "contributor names no type",
            evidence::CONTRIBUTOR_TYPES_HINT,
        ));
    }
    let since_days = params
        .get("since")
        .map(|text| {
            hubcensus_query::units::parse_days(text)
                .map_err(|message| AppError::bad("since", message, "e.g. since=90d or since=13w"))
        })
        .transpose()?;
    let defaults = DiscoverQuery::new(task);
    let query = DiscoverQuery {
        contributors,
        include_unknown,
        since_days: since_days.unwrap_or(defaults.since_days),
        min_weekly_downloads: params.bounded(
            "min_downloads",
            defaults.min_weekly_downloads,
            0,
            1_000_000_000_000,
        )?,
        ..defaults
    };
    let as_of = params.as_of()?;
    let dir = loaded.census.dir().to_path_buf();
    blocking(move || {
        let source = Evidence::open(None, &dir)?;
        evidence::discover(&source, &dir, &query, as_of.as_ref())
    })
    .await
}

/// How many ids `/api/v1/search` lists at most (`limit`).
pub const MAX_SEARCH: u64 = 200;

pub async fn search_api_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/search",
        pairs,
        Accepts {
            params: &["q", "limit"],
            filters: false,
        },
        |loaded, params| async move {
            let view = search_view(&loaded, &params, 50).await?;
            let population = format!(
                "current ids of the store's models containing the text (case-insensitive): \
                 {} matched, {} listed; namespaces containing it (at most 20)",
                view.matched,
                view.models.len()
            );
            with_meta(&view, &loaded.meta(&population, None))
        },
    )
    .await
}

/// The model ids and namespaces containing `q` (the API and the search page): `history::search`
/// over the weekly history's ids, at most `limit` (default `default_limit`, 1 to
/// [`MAX_SEARCH`]) models listed.
pub async fn search_view(
    loaded: &Arc<Loaded>,
    params: &Params,
    default_limit: u64,
) -> Result<SearchView, AppError> {
    let query = params
        .required("q", "e.g. q=llama (part of a model id or namespace)")?
        .to_owned();
    let limit = params.bounded("limit", default_limit, 1, MAX_SEARCH)? as usize;
    let history = loaded.history(&Filter::default(), 200).await?;
    blocking(move || Ok(search(&history, &query, limit))).await
}

/// `/api/v1/series?models=a,b`: the weekly series of up to five models (the model page's and
/// the comparison's chart) as a file, laid out by hubcensus-query's export API
/// (`export::series_batch`) and written as `/api/v1/export/<table>` writes: `format` parquet
/// (the default), csv or json (JSON Lines). An unknown model is a 404.
pub async fn series_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    use hubcensus_query::export::{self, Format};
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/series",
        pairs,
        Accepts {
            params: &["models", "format"],
            filters: false,
        },
        |loaded, params| async move {
            let format = match params.choice("format", &["parquet", "csv", "json"])? {
                "csv" => Format::Csv,
                "json" => Format::Json,
                _ => Format::Parquet,
            };
            let series = series_of(&loaded, &params).await?;
            export_file("series", format, move || export::series_batch(&series)).await
        },
    )
    .await
}

/// The weekly series (current id, weeks) of the models `models` names, in its order: one
/// `history::model_weeks` each (the compare page and `/api/v1/series`).
pub async fn series_of(
    loaded: &Arc<Loaded>,
    params: &Params,
) -> Result<Vec<(String, Vec<ModelWeek>)>, AppError> {
    let models = params.models()?;
    let history = loaded.history(&Filter::default(), 200).await?;
    let inner = Arc::clone(loaded);
    blocking(move || {
        models
            .iter()
            .map(|id| model_weeks(&inner.census, &history, id))
            .collect()
    })
    .await
}

/// The store's snapshots as their manifests record them.
#[derive(Serialize)]
struct SnapshotsView<'a> {
    schema: &'static str,
    snapshots: &'a [hubcensus_model::SnapshotInfo],
}

pub async fn snapshots_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/snapshots",
        pairs,
        Accepts {
            params: &[],
            filters: false,
        },
        |loaded, _| async move {
            let view = SnapshotsView {
                schema: "hubcensus.snapshots/v1",
                snapshots: &loaded.snapshots,
            };
            with_meta(&view, &loaded.meta("every snapshot in the store", None))
        },
    )
    .await
}

pub async fn openapi_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Json,
        &state,
        &headers,
        "/api/v1/openapi.json",
        pairs,
        Accepts {
            params: &[],
            filters: false,
        },
        |_, _| async move {
            Ok(Rendered {
                content_type: JSON,
                body: json_bytes(&crate::openapi::document()),
                filename: None,
            })
        },
    )
    .await
}

/// Any other path under `/api/`: a JSON 404.
pub async fn not_found() -> Response {
    error_response(
        &AppError::NotFound {
            message: "no such API route".to_owned(),
            hint: "the routes are listed at /api/v1/openapi.json".to_owned(),
        },
        Kind::Json,
    )
}

/// `/api/v1/export/<table>`: the table behind a chart as a file, written by the export API of
/// hubcensus-query (`hubcensus export`'s tables, columns and parameters), in `format` parquet
/// (the default), csv or json (JSON Lines).
pub async fn export_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(table): Path<String>,
    Query(pairs): Pairs,
) -> Response {
    use hubcensus_query::export::{self, Format, Table};
    let table: Table = match table.parse() {
        Ok(table) => table,
        Err(error) => {
            let error = AppError::from(error);
            let AppError::BadParameter { message, hint, .. } = error else {
                return error_response(&error, Kind::Json);
            };
            return error_response(&AppError::NotFound { message, hint }, Kind::Json);
        }
    };
    let mut format = Format::Parquet;
    let mut rest: Vec<(String, String)> = Vec::new();
    for (name, value) in pairs {
        if name == "format" && value.trim().is_empty() {
            // A blank value is no value, as for every parameter.
        } else if name == "format" {
            match Format::ALL.into_iter().find(|f| f.name() == value) {
                Some(chosen) => format = chosen,
                None => {
                    return error_response(
                        &AppError::bad(
                            "format",
                            format!("format must be parquet, csv or json, not {value:?}"),
                            "e.g. format=csv",
                        ),
                        Kind::Json,
                    );
                }
            }
        } else if !export::PARAM_KEYS.contains(&name.as_str()) {
            return error_response(
                &AppError::bad(
                    &name.chars().take(60).collect::<String>(),
                    format!(
                        "unknown export parameter {:?}",
                        name.chars().take(60).collect::<String>()
                    ),
                    format!("parameters: format, {}", export::PARAM_KEYS.join(", ")),
                ),
                Kind::Json,
            );
        } else if !value.trim().is_empty() {
            rest.push((name, value));
        }
    }
    let params =
        match export::Params::from_pairs(rest.iter().map(|(a, b)| (a.as_str(), b.as_str()))) {
            Ok(params) => params,
            Err(error) => return error_response(&AppError::from(error), Kind::Json),
        };
    if let Err(error) = params.check(table) {
        return error_response(&AppError::from(error), Kind::Json);
    }
    rest.sort();
    let key = format!(
        "/api/v1/export/{}?format={}&{}",
        table.name(),
        format.name(),
        rest.iter()
            .map(|(a, b)| format!("{a}={b}"))
            .collect::<Vec<_>>()
            .join("&")
    );
    cached(&state, &headers, key, Kind::Json, |loaded| async move {
        export_file(table.name(), format, move || {
            export::batch(&loaded.census, table, &params)
        })
        .await
    })
    .await
}

/// A table laid out by `batch` (on the blocking pool) and written by hubcensus-query's export
/// writer in `format`, as the file `hubcensus-<name>.<ext>`.
async fn export_file(
    name: &str,
    format: hubcensus_query::export::Format,
    batch: impl FnOnce() -> Result<hubcensus_query::export::RecordBatch, hubcensus_query::QueryError>
    + Send
    + 'static,
) -> Result<Rendered, AppError> {
    let body = blocking(move || {
        let batch = batch()?;
        let mut out = Vec::new();
        hubcensus_query::export::write(&batch, format, &mut out).map_err(|error| {
            hubcensus_query::QueryError::Bug(format!("cannot write an export: {error}"))
        })?;
        Ok(out)
    })
    .await?;
    Ok(Rendered {
        content_type: format.media_type(),
        body: axum::body::Bytes::from(body),
        filename: Some(format!("hubcensus-{name}.{}", format.extension())),
    })
}
