//! The dashboard's pages, the Atom feed and the badges. Each page calls the same views as the
//! API (through `api::*_view`) and lays their typed results out as blocks of one askama
//! template (`templates/page.html`), which escapes every string; only the SVG charts drawn by
//! hubcensus-report's `svg` module (which escapes its own text) are marked safe. Links to
//! models percent-encode the id. Filter state lives in the URL (plain GET forms).

use std::fmt::Write as _;
use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hubcensus_analytics::Filter;
use hubcensus_analytics::shares::Shares;
use hubcensus_query::views::derivatives::DerivativesView;
use hubcensus_query::views::history::{
    ModelWeek, NamespaceDerivatives, WorkingSetQuery, model_weeks, namespace_derivatives,
    working_set,
};
use hubcensus_query::views::shares::group_series;
use hubcensus_query::views::who::WhoView;
use hubcensus_report::format;
use hubcensus_report::svg::{self, NARROW, WIDE};
use hubcensus_report::{Population as ChartPopulation, Series, SeriesGroup, Unit};

use crate::api::{self, Pairs};
use crate::error::{AppError, ErrorBody};
use crate::params::{Params, check_id, encode, encode_path};
use crate::respond::{ATOM, Accepts, HTML, Kind, SVG, answer, cached, error_response};
use crate::state::{AppState, Loaded, Rendered, blocking};

/// The navigation: path and label.
const NAV: [(&str, &str); 10] = [
    ("/", "Overview"),
    ("/week", "This week"),
    ("/geography", "Geography"),
    ("/contributors", "Contributors"),
    ("/concentration", "Concentration"),
    ("/families", "Families"),
    ("/compare", "Compare"),
    ("/audit", "Audit"),
    ("/discover", "Discover"),
    ("/quality", "Data quality"),
];

/// The template's `dates` filter: escapes text and keeps its dates on one line, as the
/// report's (`hubcensus_report::escape::html_keeping_dates`).
// The wrapper askama's `filter_fn` generates trips these pedantic lints (as in the report).
#[allow(clippy::inline_always, clippy::unused_self, clippy::unnecessary_wraps)]
mod filters {
    use askama::filters::Safe;

    #[askama::filter_fn]
    pub fn dates(text: impl ToString, _: &dyn askama::Values) -> askama::Result<Safe<String>> {
        Ok(Safe(hubcensus_report::escape::html_keeping_dates(
            &text.to_string(),
        )))
    }
}

#[derive(Template)]
#[template(path = "page.html")]
struct PageTemplate<'a> {
    page: &'a Page,
}

#[derive(Default)]
pub struct Page {
    title: String,
    active: &'static str,
    /// (partial?, text)
    banners: Vec<(bool, String)>,
    citation: String,
    form: Option<Form>,
    blocks: Vec<Block>,
}

pub struct Form {
    action: String,
    fields: Vec<Field>,
}

pub enum Field {
    Select {
        name: &'static str,
        label: &'static str,
        /// (value, label, selected)
        options: Vec<(String, String, bool)>,
    },
    Text {
        name: &'static str,
        label: &'static str,
        value: String,
        placeholder: &'static str,
    },
    Check {
        name: &'static str,
        label: &'static str,
        checked: bool,
    },
}

pub enum Block {
    Heading {
        text: String,
    },
    Para {
        text: String,
    },
    Population {
        text: String,
    },
    /// (label, value, caption)
    Cards {
        cards: Vec<(String, String, String)>,
    },
    /// SVG drawn by hubcensus-report (escaped there): the wide and narrow drawings.
    Chart {
        caption: String,
        svgs: Vec<String>,
    },
    Table {
        table: Table,
    },
    Facts {
        facts: Vec<(String, Cell)>,
    },
    /// (text, href)
    Links {
        links: Vec<(String, String)>,
    },
    Code {
        text: String,
    },
}

pub struct Table {
    caption: String,
    population: String,
    id: &'static str,
    /// (header, numeric)
    headers: Vec<(&'static str, bool)>,
    rows: Vec<Vec<Cell>>,
}

#[derive(Default)]
pub struct Cell {
    text: String,
    href: Option<String>,
    numeric: bool,
    /// The value a column sort uses (numbers), when not the text.
    sort: Option<String>,
}

impl Cell {
    fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    fn number(text: impl Into<String>, value: Option<f64>) -> Self {
        Self {
            text: text.into(),
            numeric: true,
            sort: Some(value.map_or_else(|| "-1".to_owned(), |v| v.to_string())),
            ..Self::default()
        }
    }

    fn count(value: u64) -> Self {
        Self::number(format::grouped(value), Some(value as f64))
    }

    /// The text of a link, cut where a line may break (an id: after each `/`, `-`, `_`, `.`;
    /// the template joins the pieces with `<wbr>`, as the report does).
    fn pieces(&self) -> Vec<&str> {
        hubcensus_report::escape::id_pieces(&self.text)
    }

    fn model(id: &str) -> Self {
        Self {
            text: id.to_owned(),
            href: Some(model_href(id)),
            ..Self::default()
        }
    }
}

fn model_href(id: &str) -> String {
    format!("/model/{}", encode_path(id))
}

impl Page {
    fn new(loaded: &Loaded, title: impl Into<String>, active: &'static str) -> Self {
        let meta = loaded.meta("", None);
        let mut banners = Vec::new();
        if meta.synthetic {
            banners.push((
                false,
                "Synthetic demo data: these figures describe a made-up world (hubcensus demo), \
                 not the Hugging Face Hub."
                    .to_owned(),
            ));
        }
        if meta.partial {
            banners.push((
                true,
                "Partial data: some snapshots are top-N or otherwise incomplete listings; \
                 shares and counts cover only what they list."
                    .to_owned(),
            ));
        }
        Self {
            title: title.into(),
            active,
            banners,
            citation: format!("Cite as: {}", meta.citation),
            ..Self::default()
        }
    }

    fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    fn heading(&mut self, text: impl Into<String>) {
        self.push(Block::Heading { text: text.into() });
    }

    fn para(&mut self, text: impl Into<String>) {
        self.push(Block::Para { text: text.into() });
    }

    fn population(&mut self, text: impl Into<String>) {
        self.push(Block::Population { text: text.into() });
    }

    fn chart(&mut self, caption: impl Into<String>, svgs: Vec<String>) {
        self.push(Block::Chart {
            caption: caption.into(),
            svgs,
        });
    }

    fn table(&mut self, table: Table) {
        self.push(Block::Table { table });
    }

    fn render(&self) -> Result<Rendered, AppError> {
        let html = PageTemplate { page: self }
            .render()
            .map_err(|error| AppError::Internal(format!("cannot render a page: {error}")))?;
        Ok(Rendered {
            content_type: HTML,
            body: Bytes::from(html),
            filename: None,
        })
    }
}

/// A page for an error body (the JSON error's message and hint, escaped by the template).
pub fn error_page(body: &ErrorBody) -> String {
    let mut page = Page {
        title: format!("Error {}", body.error.status),
        ..Page::default()
    };
    page.para(body.error.message.clone());
    if let Some(parameter) = &body.error.parameter {
        page.para(format!("Parameter: {parameter}"));
    }
    if let Some(hint) = &body.error.hint {
        page.para(format!("Hint: {hint}"));
    }
    PageTemplate { page: &page }
        .render()
        .unwrap_or_else(|_| "error".to_owned())
}

/// A chart's population in the report's words.
fn chart_population(words: &str) -> ChartPopulation {
    ChartPopulation {
        models: words.to_owned(),
        downloads: String::new(),
        window: String::new(),
        attribution: String::new(),
        coverage: None,
    }
}

/// A line chart (or stacked bands) drawn wide and narrow.
fn series_chart(series: &Series, id: &str, stacked: bool) -> Vec<String> {
    [WIDE, NARROW]
        .iter()
        .map(|canvas| {
            if stacked {
                svg::stacked_area(series, id, canvas)
            } else {
                svg::line_chart(series, id, canvas)
            }
        })
        .collect()
}

fn date(t: hubcensus_model::Timestamp) -> String {
    t.date_string()
}

fn share(value: Option<f64>) -> String {
    format::percent(value, 2)
}

/// Links downloading the table behind a chart as CSV and Parquet (`/api/v1/export/<table>`),
/// with the page's filters and `extra` parameters.
fn downloads(table: &str, params: &Params, extra: &[(&str, String)]) -> Block {
    let mut query: Vec<String> = extra
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    for name in crate::params::FILTERS {
        if let Some(value) = params.get(name) {
            query.push(format!("{name}={}", encode(value)));
        }
    }
    let query: String = query.iter().flat_map(|q| ["&", q.as_str()]).collect();
    Block::Links {
        links: ["csv", "parquet"]
            .iter()
            .map(|format| {
                (
                    format!("Download this table ({table}) as {}", format.to_uppercase()),
                    format!("/api/v1/export/{table}?format={format}{query}"),
                )
            })
            .collect(),
    }
}

/// Links downloading the weekly series of `models` (`/api/v1/series`) as CSV and Parquet.
fn series_downloads<'a>(models: impl Iterator<Item = &'a str>) -> Block {
    let models: Vec<&str> = models.collect();
    let models = encode(&models.join(","));
    Block::Links {
        links: ["csv", "parquet"]
            .iter()
            .map(|format| {
                (
                    format!("Download this series as {}", format.to_uppercase()),
                    format!("/api/v1/series?models={models}&format={format}"),
                )
            })
            .collect(),
    }
}

/// The population filter fields of a form.
fn filter_fields(params: &Params) -> Vec<Field> {
    let text = |name, label, placeholder| Field::Text {
        name,
        label,
        value: params.get(name).unwrap_or_default().to_owned(),
        placeholder,
    };
    vec![
        text("task", "Task", "text-generation"),
        text("library", "Library", "transformers"),
        text("license", "Licence", "apache-2.0"),
        text("min_params", "Min size", "1B"),
        text("max_params", "Max size", "8B"),
        Field::Check {
            name: "new_models",
            label: "New models only",
            checked: params.switch("new_models").unwrap_or(false),
        },
    ]
}

/// The periods `shares --period` offers, the first the default.
const PERIODS: [&str; 4] = ["week", "month", "quarter", "year"];

/// The period picker of Geography and Contributors (`period`, kept in the URL).
fn period_select(current: &str) -> Field {
    let periods = [
        ("week", "Week"),
        ("month", "Month"),
        ("quarter", "Quarter"),
        ("year", "Year"),
    ]
    .map(|(a, b)| (a.to_owned(), b.to_owned()));
    select("period", "Period", &periods, Some(current))
}

fn select(
    name: &'static str,
    label: &'static str,
    choices: &[(String, String)],
    current: Option<&str>,
) -> Field {
    Field::Select {
        name,
        label,
        options: choices
            .iter()
            .map(|(value, text)| {
                (
                    value.clone(),
                    text.clone(),
                    current.is_some_and(|c| c == value),
                )
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Overview

pub async fn overview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/",
        pairs,
        Accepts {
            params: &[],
            filters: false,
        },
        |loaded, params| async move {
            let windows = api::windows_view(&loaded, &params).await?;
            let mut page = Page::new(&loaded, "The open-model ecosystem, week by week", "/");
            if let Some(latest) = windows.windows.last() {
                page.push(Block::Cards {
                    cards: vec![
                        (
                            "Downloads in the latest window".to_owned(),
                            format::compact(latest.total_downloads),
                            format!("{} models counted", format::grouped(latest.models)),
                        ),
                        (
                            format!("Share held by the top {}", windows.k),
                            share(latest.working_set_share),
                            "the working set's share of the window's downloads".to_owned(),
                        ),
                        (
                            "Models holding half the downloads (N50)".to_owned(),
                            format::count(latest.n50),
                            "fewest models whose downloads reach 50%".to_owned(),
                        ),
                        (
                            "Working-set churn".to_owned(),
                            share(latest.churn),
                            "entries into the top k, as a share of k".to_owned(),
                        ),
                    ],
                });
                page.population(latest.population.words.clone());
            }
            let periods: Vec<String> = windows.windows.iter().map(|w| date(w.to)).collect();
            let words = windows
                .windows
                .last()
                .map_or_else(String::new, |w| w.population.words.clone());
            let totals = Series {
                title: "Downloads per window".to_owned(),
                unit: Unit::Downloads,
                population: chart_population(&words),
                periods: periods.clone(),
                groups: vec![SeriesGroup {
                    name: "downloads".to_owned(),
                    values: windows
                        .windows
                        .iter()
                        .map(|w| Some(w.total_downloads as f64))
                        .collect(),
                }],
            };
            page.chart(
                "Downloads per window (all counted models)",
                series_chart(&totals, "overview-downloads", false),
            );
            page.heading("Snapshot timeline");
            page.para(
                "Each snapshot as its manifest records it. Schema era: all-time downloads \
             (windows are differences of downloadsAllTime) or 30-day only (each figure is a \
             30-day window).",
            );
            page.table(Table {
                caption: "Snapshots".to_owned(),
                population: "every snapshot in the store".to_owned(),
                id: "snapshots",
                headers: vec![
                    ("Taken at", false),
                    ("Source", false),
                    ("Schema era", false),
                    ("Models", true),
                    ("Partial", false),
                    ("Synthetic", false),
                ],
                rows: loaded
                    .snapshots
                    .iter()
                    .map(|s| {
                        vec![
                            Cell::text(s.as_of.to_string()),
                            Cell::text(crate::state::source_name(s.source)),
                            Cell::text(crate::state::era_name(s.era())),
                            Cell::count(s.models),
                            Cell::text(if s.partial { "yes" } else { "no" }),
                            Cell::text(if s.synthetic { "yes" } else { "no" }),
                        ]
                    })
                    .collect(),
            });
            page.push(downloads("snapshots", &params, &[]));
            page.push(Block::Links {
                links: vec![
                    ("This week's working set".to_owned(), "/week".to_owned()),
                    ("Geography".to_owned(), "/geography".to_owned()),
                    ("Concentration".to_owned(), "/concentration".to_owned()),
                    (
                        "Families and derivatives".to_owned(),
                        "/families".to_owned(),
                    ),
                ],
            });
            page.render()
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// This week

const WEEK_PARAMS: [&str; 4] = ["as_of", "k", "family", "view"];

pub async fn week(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/week",
        pairs,
        Accepts {
            params: &WEEK_PARAMS,
            filters: true,
        },
        week_page,
    )
    .await
}

pub async fn week_of(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(date): Path<String>,
    Query(mut pairs): Pairs,
) -> Response {
    if pairs.iter().any(|(name, _)| name == "as_of") {
        return error_response(
            &AppError::bad(
                "as_of",
                "the week is in the path",
                "use /week?as_of=... or /week/<date>",
            ),
            Kind::Html,
        );
    }
    pairs.push(("as_of".to_owned(), date));
    answer(
        Kind::Html,
        &state,
        &headers,
        "/week",
        pairs,
        Accepts {
            params: &WEEK_PARAMS,
            filters: true,
        },
        week_page,
    )
    .await
}

async fn week_page(loaded: Arc<Loaded>, params: Params) -> Result<Rendered, AppError> {
    let family = params.switch("family")?;
    let view = api::working_set_view(&loaded, &params).await?;
    let mut page = Page::new(
        &loaded,
        format!("The working set: week ending {}", date(view.population.to)),
        "/week",
    );
    let weeks: Vec<(String, String)> = view
        .weeks
        .iter()
        .rev()
        .map(|w| (date(*w), format!("week ending {}", date(*w))))
        .collect();
    let current = date(view.population.to);
    let mut fields = vec![select("as_of", "Week", &weeks, Some(&current))];
    fields.extend(filter_fields(&params));
    fields.push(Field::Check {
        name: "family",
        label: "Families",
        checked: family,
    });
    page.form = Some(Form {
        action: "/week".to_owned(),
        fields,
    });
    page.push(Block::Cards {
        cards: vec![
            (
                format!("Share held by the top {}", view.k),
                share(view.share_held),
                format!(
                    "{} of {} downloads",
                    format::compact(view.held),
                    format::compact(view.population.total_downloads)
                ),
            ),
            (
                "Entries".to_owned(),
                view.models
                    .iter()
                    .filter(|m| m.previous_rank.is_none())
                    .count()
                    .to_string(),
                "models not in last week's set".to_owned(),
            ),
            (
                "Churn".to_owned(),
                share(view.churn),
                "entries as a share of k".to_owned(),
            ),
        ],
    });
    page.population(view.population.words.clone());
    let bars: Vec<(String, f64)> = view
        .models
        .iter()
        .take(15)
        .map(|m| (m.id.clone(), m.downloads as f64))
        .collect();
    page.chart(
        format!("The top {} by window downloads", bars.len()),
        [WIDE, NARROW]
            .iter()
            .map(|canvas| {
                svg::bar_chart(
                    "Window downloads",
                    &bars,
                    Unit::Downloads,
                    "week-top",
                    canvas,
                )
            })
            .collect(),
    );
    if family {
        let top = api::top_view(&loaded, &params).await?;
        page.table(Table {
            caption: format!("Top {} families", top.k),
            population: top.population.words.clone(),
            id: "working-set",
            headers: vec![
                ("Rank", true),
                ("Family base", false),
                ("Window downloads", true),
                ("Share", true),
            ],
            rows: top
                .models
                .iter()
                .map(|row| {
                    vec![
                        Cell::count(row.rank),
                        Cell::model(&row.id),
                        Cell::count(row.downloads),
                        Cell::number(share(row.share), row.share),
                    ]
                })
                .collect(),
        });
    } else {
        page.table(Table {
            caption: format!("Top {} models by window downloads", view.k),
            population: view.population.words.clone(),
            id: "working-set",
            headers: vec![
                ("Rank", true),
                ("Model", false),
                ("Window downloads", true),
                ("Share", true),
                ("Change", true),
                ("Weeks in set", true),
                ("Status", false),
            ],
            rows: view
                .models
                .iter()
                .map(|row| {
                    let change = match (row.previous_rank, row.change) {
                        (None, _) if view.previous_population.is_some() => "entry".to_owned(),
                        (_, Some(0)) => "=".to_owned(),
                        (_, Some(change)) if change > 0 => format!("up {change}"),
                        (_, Some(change)) => format!("down {}", -change),
                        _ => String::new(),
                    };
                    vec![
                        Cell::count(row.rank),
                        Cell::model(&row.id),
                        Cell::count(row.downloads),
                        Cell::number(share(row.share), row.share),
                        Cell::number(change, row.change.map(|c| c as f64)),
                        Cell::count(row.tenure),
                        Cell::text(match row.status {
                            hubcensus_analytics::window::Status::New => "new",
                            _ => "",
                        }),
                    ]
                })
                .collect(),
        });
        page.push(downloads(
            "working-set",
            &params,
            &[("as_of", current.clone()), ("k", view.k.to_string())],
        ));
        page.table(Table {
            caption: "Exits: in last week's set, not this week's".to_owned(),
            population: view
                .previous_population
                .as_ref()
                .map_or_else(String::new, |p| p.words.clone()),
            id: "exits",
            headers: vec![
                ("Last week's rank", true),
                ("Model", false),
                ("This week's downloads", true),
            ],
            rows: view
                .exits
                .iter()
                .map(|exit| {
                    vec![
                        Cell::count(exit.previous_rank),
                        Cell::model(&exit.id),
                        exit.downloads
                            .map_or_else(|| Cell::number("not counted", None), Cell::count),
                    ]
                })
                .collect(),
        });
    }
    page.render()
}

// ---------------------------------------------------------------------------------------------
// Model page, badge, compare

pub async fn model_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(pairs): Pairs,
) -> Response {
    if let Err(error) = check_id("id", &id) {
        return error_response(&error, Kind::Html);
    }
    let route = format!("/model/{id}");
    answer(
        Kind::Html,
        &state,
        &headers,
        &route,
        pairs,
        Accepts {
            params: &["limit"],
            filters: false,
        },
        |loaded, params| async move {
            let view = api::model_view(&loaded, &params, id).await?;
            let mut page = Page::new(&loaded, view.id.clone(), "");
            let latest = view.weeks.last();
            page.push(Block::Cards {
                cards: vec![
                    (
                        "Downloads in the latest window".to_owned(),
                        latest
                            .and_then(|w| w.downloads)
                            .map_or_else(|| "not counted".to_owned(), format::compact),
                        latest.map_or_else(String::new, |w| format!("week ending {}", date(w.to))),
                    ),
                    (
                        format!("Rank in the top {}", view.k),
                        latest
                            .and_then(|w| w.rank)
                            .map_or_else(|| "outside".to_owned(), |r| format!("#{r}")),
                        "by window downloads".to_owned(),
                    ),
                    (
                        "Weeks in the working set".to_owned(),
                        view.weeks
                            .iter()
                            .filter(|w| w.rank.is_some())
                            .count()
                            .to_string(),
                        format!("of {} windows", view.weeks.len()),
                    ),
                ],
            });
            page.population(view.population.words.clone());
            let series = Series {
                title: format!("Window downloads of {}", view.id),
                unit: Unit::Downloads,
                population: chart_population(&view.population.words),
                periods: view.weeks.iter().map(|w| date(w.to)).collect(),
                groups: vec![SeriesGroup {
                    name: view.id.clone(),
                    values: view
                        .weeks
                        .iter()
                        .map(|w| w.downloads.map(|d| d as f64))
                        .collect(),
                }],
            };
            page.chart(
                "Downloads per window",
                series_chart(&series, "model-downloads", false),
            );
            page.table(weeks_table(&view.weeks, &view.population.words));
            page.push(series_downloads(std::iter::once(view.id.as_str())));
            page.heading("Lineage");
            page.population(view.lineage.population.clone());
            let mut facts = vec![
                (
                    "Relation".to_owned(),
                    Cell::text(view.lineage.relation.map_or_else(
                        || "none (a base)".to_owned(),
                        |r| format!("{r:?}").to_lowercase(),
                    )),
                ),
                ("Root".to_owned(), Cell::model(&view.lineage.root)),
                ("Family base".to_owned(), Cell::model(&view.lineage.family)),
                (
                    "Descendants".to_owned(),
                    Cell::text(format::grouped(view.lineage.descendants)),
                ),
            ];
            for parent in &view.lineage.parents {
                facts.push(("Parent".to_owned(), Cell::model(parent)));
            }
            page.push(Block::Facts { facts });
            if !view.lineage.children.is_empty() {
                page.push(Block::Links {
                    links: view
                        .lineage
                        .children
                        .iter()
                        .map(|c| (c.clone(), model_href(c)))
                        .collect(),
                });
            }
            page.heading("Attribution");
            let who = &view.who;
            let describe = |a: &hubcensus_query::views::who::AttributionFacts| {
                format!(
                    "{}; {}; {}",
                    a.organization.as_deref().unwrap_or("organization unknown"),
                    a.country.as_deref().unwrap_or("country unknown"),
                    a.contributor.unwrap_or("type unknown"),
                )
            };
            let mut facts = vec![
                (
                    "Uploader origin".to_owned(),
                    Cell::text(describe(&who.origin.uploader)),
                ),
                (
                    "Lineage origin".to_owned(),
                    Cell::text(format!(
                        "{} ({})",
                        who.origin
                            .lineage
                            .attribution
                            .as_ref()
                            .map_or_else(|| "unknown".to_owned(), describe),
                        who.origin.lineage.mode
                    )),
                ),
                (
                    "Registry version".to_owned(),
                    Cell::text(who.registry_version.clone()),
                ),
            ];
            if let Some(uploader) = &who.uploader {
                facts.push((
                    "Uploader namespace".to_owned(),
                    Cell {
                        text: uploader.name.clone(),
                        href: Some(format!("/org/{}", encode(&uploader.name))),
                        ..Cell::default()
                    },
                ));
                if let Some(entry) = &uploader.entry {
                    for (label, source) in [
                        ("Country source", &entry.sources.country),
                        ("Type source", &entry.sources.contributor),
                        ("Namespace source", &entry.sources.namespace),
                    ] {
                        if let Some(source) = source {
                            facts.push((label.to_owned(), Cell::text(source.clone())));
                        }
                    }
                }
            }
            page.push(Block::Facts { facts });
            page.heading("Badge");
            page.para(
                "An SVG badge with this model's weekly rank and downloads, for a model card:",
            );
            page.push(Block::Code {
                text: format!(
                    "![hubcensus](http://127.0.0.1:8080/badge/{}.svg)",
                    encode_path(&view.id)
                ),
            });
            page.render()
        },
    )
    .await
}

fn weeks_table(weeks: &[ModelWeek], population: &str) -> Table {
    Table {
        caption: "Weekly downloads and rank".to_owned(),
        population: population.to_owned(),
        id: "weeks",
        headers: vec![
            ("Window", false),
            ("Downloads", true),
            ("Share of the window", true),
            ("Rank", true),
        ],
        rows: weeks
            .iter()
            .map(|w| {
                vec![
                    Cell::text(format!("{} to {}", date(w.from), date(w.to))),
                    w.downloads
                        .map_or_else(|| Cell::number("not counted", None), Cell::count),
                    Cell::number(format::percent(w.share, 4), w.share),
                    w.rank
                        .map_or_else(|| Cell::number("outside", None), Cell::count),
                ]
            })
            .collect(),
    }
}

/// `/badge/<model id>.svg`: the latest weekly rank and downloads, for a model card.
pub async fn badge(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(path): Path<String>,
    Query(pairs): Pairs,
) -> Response {
    let Some(id) = path.strip_suffix(".svg").map(str::to_owned) else {
        return error_response(
            &AppError::bad(
                "id",
                "a badge's path ends in .svg",
                "e.g. /badge/org/name.svg",
            ),
            Kind::Json,
        );
    };
    if let Err(error) = check_id("id", &id) {
        return error_response(&error, Kind::Json);
    }
    let params = match Params::parse(pairs, &[], false) {
        Ok(params) => params,
        Err(error) => return error_response(&error, Kind::Json),
    };
    drop(params);
    let key = format!("/badge/{id}");
    cached(&state, &headers, key, Kind::Json, |loaded| async move {
        let history = loaded.history(&Filter::default(), 200).await?;
        let inner = Arc::clone(&loaded);
        let (id, weeks) = blocking(move || model_weeks(&inner.census, &history, &id)).await?;
        let latest = weeks.last();
        let value = match latest {
            Some(ModelWeek {
                rank: Some(rank),
                downloads: Some(downloads),
                ..
            }) => format!("#{rank} · {}/wk", format::compact(*downloads)),
            Some(ModelWeek {
                downloads: Some(downloads),
                ..
            }) => format!("{}/wk", format::compact(*downloads)),
            _ => "not counted".to_owned(),
        };
        Ok(Rendered {
            content_type: SVG,
            body: Bytes::from(badge_svg(&id, "hubcensus", &value)),
            filename: None,
        })
    })
    .await
}

/// A flat two-part badge; every text escaped.
fn badge_svg(id: &str, label: &str, value: &str) -> String {
    let left = svg::text_width(label, 11.0).ceil() + 12.0;
    let right = svg::text_width(value, 11.0).ceil() + 12.0;
    let width = left + right;
    let label = hubcensus_report::escape::xml(label);
    let value = hubcensus_report::escape::xml(value);
    let title =
        hubcensus_report::escape::xml(&format!("{id}: weekly rank and downloads (hubcensus)"));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"20\" role=\"img\" \
         aria-label=\"{title}\"><title>{title}</title>\
         <rect width=\"{left}\" height=\"20\" fill=\"#555\"/>\
         <rect x=\"{left}\" width=\"{right}\" height=\"20\" fill=\"#365c8d\"/>\
         <g fill=\"#fff\" font-family=\"DejaVu Sans,Verdana,sans-serif\" font-size=\"11\">\
         <text x=\"6\" y=\"14\">{label}</text><text x=\"{}\" y=\"14\">{value}</text></g></svg>",
        left + 6.0
    )
}

pub async fn compare(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/compare",
        pairs,
        Accepts {
            params: &["models"],
            filters: false,
        },
        |loaded, params| async move {
            let mut page = Page::new(&loaded, "Compare models", "/compare");
            page.form = Some(Form {
                action: "/compare".to_owned(),
                fields: vec![Field::Text {
                    name: "models",
                    label: "Model ids, separated by commas (up to 5)",
                    value: params.get("models").unwrap_or_default().to_owned(),
                    placeholder: "org/a,org/b",
                }],
            });
            if params.get("models").is_none() {
                page.para("Name up to five models to see their weekly downloads on one chart.");
                return page.render();
            }
            let series = api::series_of(&loaded, &params).await?;
            let periods: Vec<String> = series
                .first()
                .map(|(_, weeks)| weeks.iter().map(|w| date(w.to)).collect())
                .unwrap_or_default();
            let chart = Series {
                title: "Window downloads".to_owned(),
                unit: Unit::Downloads,
                population: chart_population("all counted models"),
                periods,
                groups: series
                    .iter()
                    .map(|(id, weeks)| SeriesGroup {
                        name: id.clone(),
                        values: weeks
                            .iter()
                            .map(|w| w.downloads.map(|d| d as f64))
                            .collect(),
                    })
                    .collect(),
            };
            page.chart(
                "Downloads per window",
                series_chart(&chart, "compare", false),
            );
            for (id, weeks) in &series {
                page.heading(id.clone());
                page.table(weeks_table(weeks, "all counted models"));
            }
            page.push(series_downloads(series.iter().map(|(id, _)| id.as_str())));
            page.render()
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Geography, concentration, families

pub async fn geography(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/geography",
        pairs,
        Accepts {
            params: &["period"],
            filters: true,
        },
        |loaded, params| async move {
            let mut page = Page::new(
                &loaded,
                "Geography: where downloaded models come from",
                "/geography",
            );
            let mut fields = vec![period_select(params.choice("period", &PERIODS)?)];
            fields.extend(filter_fields(&params));
            page.form = Some(Form {
                action: "/geography".to_owned(),
                fields,
            });
            page.para(
                "Uploader origin: the country of the account that uploaded the model. Lineage \
             origin: the country of the maker of the model's lineage root. Downloads nobody \
             can attribute stay in every denominator, as the unattributed row.",
            );
            let with = |by: &str| {
                let mut pairs: Vec<(String, String)> = vec![
                    ("by".to_owned(), by.to_owned()),
                    ("origin".to_owned(), "both".to_owned()),
                ];
                for name in [
                    "period",
                    "task",
                    "library",
                    "license",
                    "min_params",
                    "max_params",
                    "new_models",
                ] {
                    if let Some(value) = params.get(name) {
                        pairs.push((name.to_owned(), value.to_owned()));
                    }
                }
                Params::parse(pairs, &["by", "origin", "period"], true)
            };
            let regions = api::shares_view(&loaded, &with("region")?).await?;
            let countries = api::shares_view(&loaded, &with("country")?).await?;
            for origin in ["uploader", "lineage"] {
                let results: Vec<&Shares> = regions
                    .results
                    .iter()
                    .filter(|s| s.origin.as_str() == origin)
                    .collect();
                if let Some(series) = share_series(
                    &results,
                    &format!("Share of downloads by region, {origin} origin"),
                ) {
                    page.chart(
                        format!("Share of downloads by region ({origin} origin)"),
                        series_chart(&series, &format!("regions-{origin}"), true),
                    );
                }
            }
            for origin in ["uploader", "lineage"] {
                if let Some(latest) = countries
                    .results
                    .iter()
                    .rfind(|s| s.origin.as_str() == origin)
                {
                    page.table(share_table(
                        latest,
                        &format!("Countries, {origin} origin, {}", latest.period),
                        "countries",
                    ));
                }
            }
            let period = params.choice("period", &["week", "month", "quarter", "year"])?;
            page.push(downloads(
                "shares",
                &params,
                &[
                    ("by", "region,country".to_owned()),
                    ("origin", "both".to_owned()),
                    ("period", period.to_owned()),
                ],
            ));
            page.render()
        },
    )
    .await
}

/// A stacked-share series over the periods of `results` (one origin).
fn share_series(results: &[&Shares], title: &str) -> Option<Series> {
    let last = results.last()?;
    let mut names: Vec<String> = last.rows.iter().map(|r| r.group.clone()).collect();
    for result in results {
        for row in &result.rows {
            if !names.contains(&row.group) {
                names.push(row.group.clone());
            }
        }
    }
    Some(Series {
        title: title.to_owned(),
        unit: Unit::Share,
        population: chart_population(&last.population.words),
        periods: results.iter().map(|r| r.period.clone()).collect(),
        groups: names
            .iter()
            .map(|name| SeriesGroup {
                name: name.clone(),
                values: results
                    .iter()
                    .map(|r| {
                        r.rows
                            .iter()
                            .find(|row| &row.group == name)
                            .and_then(|row| row.share)
                            .or(Some(0.0))
                    })
                    .collect(),
            })
            .collect(),
    })
}

fn share_table(shares: &Shares, caption: &str, id: &'static str) -> Table {
    Table {
        caption: caption.to_owned(),
        population: shares.population.words.clone(),
        id,
        headers: vec![
            ("Group", false),
            ("Models", true),
            ("Downloads", true),
            ("Share", true),
        ],
        rows: shares
            .rows
            .iter()
            .map(|row| {
                vec![
                    Cell::text(row.group.clone()),
                    Cell::count(row.models),
                    Cell::count(row.downloads),
                    Cell::number(share(row.share), row.share),
                ]
            })
            .collect(),
    }
}

pub async fn concentration(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(Kind::Html, &state, &headers, "/concentration", pairs, Accepts { params: &["k"], filters: true }, |loaded, params| async move {
        let view = api::windows_view(&loaded, &params).await?;
        let mut page = Page::new(&loaded, "Concentration of downloads", "/concentration");
        let mut fields = filter_fields(&params);
        fields.insert(0, Field::Text { name: "k", label: "Top k", value: view.k.to_string(), placeholder: "200" });
        page.form = Some(Form { action: "/concentration".to_owned(), fields });
        let periods: Vec<String> = view.windows.iter().map(|w| date(w.to)).collect();
        let words = view.windows.last().map_or_else(String::new, |w| w.population.words.clone());
        page.population(words.clone());
        let line = |name: &str, values: Vec<Option<f64>>| SeriesGroup { name: name.to_owned(), values };
        let shares = Series {
            title: "Concentration".to_owned(),
            unit: Unit::Share,
            population: chart_population(&words),
            periods: periods.clone(),
            groups: vec![
                line(&format!("top {} share", view.k), view.windows.iter().map(|w| w.top_k_share).collect()),
                line("long-tail share", view.windows.iter().map(|w| w.long_tail_share).collect()),
            ],
        };
        page.chart(format!("Share of downloads held by the top {} models, and by the long tail", view.k), series_chart(&shares, "concentration-shares", false));
        let hhi = Series {
            title: "HHI".to_owned(),
            unit: Unit::Hhi,
            population: chart_population(&words),
            periods,
            groups: vec![
                line("author", view.windows.iter().map(|w| w.hhi_author).collect()),
                line("organization", view.windows.iter().map(|w| w.hhi_org).collect()),
                line("country", view.windows.iter().map(|w| w.hhi_country).collect()),
            ],
        };
        page.chart("Herfindahl-Hirschman index (0 to 10,000) by author, organization and country (uploader origin)", series_chart(&hhi, "concentration-hhi", false));
        if let Some(latest) = view.windows.last() {
            let points: Vec<[f64; 2]> = latest.lorenz.iter().map(|p| [p.models, p.downloads]).collect();
            page.chart(
                format!("Lorenz curve, week ending {}", date(latest.to)),
                vec![svg::lorenz(&points, "Lorenz curve of window downloads", "lorenz")],
            );
        }
        page.table(Table {
            caption: "Concentration per window".to_owned(),
            population: words,
            id: "concentration",
            headers: vec![
                ("Week ending", false),
                ("Top-k share", true),
                ("N50", true),
                ("N80", true),
                ("N90", true),
                ("Gini", true),
                ("Gini (nonzero)", true),
                ("HHI author", true),
                ("HHI org.", true),
                ("HHI org. unknown share", true),
                ("HHI country", true),
                ("HHI country unknown share", true),
            ],
            rows: view
                .windows
                .iter()
                .map(|w| {
                    let hhi = |v: Option<f64>| Cell::number(format::value(v, Unit::Hhi), v);
                    vec![
                        Cell::text(date(w.to)),
                        Cell::number(share(w.top_k_share), w.top_k_share),
                        Cell::number(format::count(w.n50), w.n50.map(|v| v as f64)),
                        Cell::number(format::count(w.n80), w.n80.map(|v| v as f64)),
                        Cell::number(format::count(w.n90), w.n90.map(|v| v as f64)),
                        Cell::number(format::coefficient(w.gini), w.gini),
                        Cell::number(format::coefficient(w.gini_nonzero), w.gini_nonzero),
                        hhi(w.hhi_author),
                        hhi(w.hhi_org),
                        Cell::number(share(w.hhi_org_unknown_share), w.hhi_org_unknown_share),
                        hhi(w.hhi_country),
                        Cell::number(share(w.hhi_country_unknown_share), w.hhi_country_unknown_share),
                    ]
                })
                .collect(),
        });
        page.push(downloads("windows", &params, &[("k", view.k.to_string())]));
        page.render()
    })
    .await
}

pub async fn families(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/families",
        pairs,
        Accepts {
            params: &["as_of"],
            filters: true,
        },
        |loaded, params| async move {
            let view = api::derivatives_view(&loaded, &params).await?;
            let mut page = Page::new(&loaded, "Families and derivatives", "/families");
            page.form = Some(Form {
                action: "/families".to_owned(),
                fields: filter_fields(&params),
            });
            page.population(view.population.clone());
            let bars: Vec<(String, f64)> = view
                .bases
                .iter()
                .map(|b| (b.id.clone(), b.descendants as f64))
                .collect();
            page.chart(
                "Base models by number of descendants",
                [WIDE, NARROW]
                    .iter()
                    .map(|canvas| {
                        svg::bar_chart(
                            "Descendants per base model",
                            &bars,
                            Unit::Count,
                            "bases",
                            canvas,
                        )
                    })
                    .collect(),
            );
            page.table(Table {
                caption: "Top bases".to_owned(),
                population: view.population.clone(),
                id: "bases",
                headers: vec![
                    ("Rank", true),
                    ("Base", false),
                    ("Fine-tunes", true),
                    ("Adapters", true),
                    ("Quantized", true),
                    ("Merges", true),
                    ("Descendants", true),
                ],
                rows: view
                    .bases
                    .iter()
                    .map(|b| {
                        vec![
                            Cell::count(b.rank),
                            Cell::model(&b.id),
                            Cell::count(b.direct.finetune),
                            Cell::count(b.direct.adapter),
                            Cell::count(b.direct.quantized),
                            Cell::count(b.direct.merge),
                            Cell::count(b.descendants),
                        ]
                    })
                    .collect(),
            });
            derivative_shares(&mut page, &view);
            page.table(Table {
                caption: format!(
                    "Relation mix of {} lineage edges",
                    format::grouped(view.relation_mix.edges)
                ),
                population: view.population.clone(),
                id: "relations",
                headers: vec![("Relation", false), ("Share of edges", true)],
                rows: view
                    .relation_mix
                    .shares
                    .iter()
                    .map(|(relation, value)| {
                        vec![
                            Cell::text(format!("{relation:?}").to_lowercase()),
                            Cell::number(share(*value), *value),
                        ]
                    })
                    .collect(),
            });
            page.push(downloads("derivatives", &params, &[]));
            page.render()
        },
    )
    .await
}

/// The share of each base's family downloads that goes to its derivatives (the derivatives
/// view's `downloads`, computed by hubcensus-analytics' `ecosystem_downloads`): a chart and
/// its table, with the window it counts.
fn derivative_shares(page: &mut Page, view: &DerivativesView) {
    let Some(window) = &view.downloads_population else {
        page.para(
            "No window ends at this snapshot: the downloads of bases and derivatives are not \
             known (the store's first snapshot has no window)."
                .to_owned(),
        );
        return;
    };
    let population = format!(
        "{window}; per base: its own downloads and its descendants' (at any depth, whatever \
         the filter), the share that goes to the descendants; blank when both are 0"
    );
    let bars: Vec<(String, f64)> = view
        .bases
        .iter()
        .filter_map(|b| Some((b.id.clone(), b.downloads?.derivative_share?)))
        .collect();
    page.chart(
        "Share of each family's downloads that goes to its derivatives",
        [WIDE, NARROW]
            .iter()
            .map(|canvas| {
                svg::bar_chart(
                    "Derivatives' share of family downloads",
                    &bars,
                    Unit::Share,
                    "derivative-share",
                    canvas,
                )
            })
            .collect(),
    );
    page.population(population.clone());
    let count = |value: Option<u64>| value.map_or_else(|| Cell::text(""), Cell::count);
    page.table(Table {
        caption: "Downloads of the base and of its derivatives".to_owned(),
        population,
        id: "derivative-share",
        headers: vec![
            ("Base", false),
            ("Base itself", true),
            ("Quantized", true),
            ("Adapters", true),
            ("Fine-tunes", true),
            ("Merges", true),
            ("Unknown", true),
            ("To derivatives", true),
        ],
        rows: view
            .bases
            .iter()
            .map(|b| {
                let d = b.downloads;
                let share_of = d.and_then(|d| d.derivative_share);
                vec![
                    Cell::model(&b.id),
                    count(d.map(|d| d.base)),
                    count(d.map(|d| d.derivatives.quantized)),
                    count(d.map(|d| d.derivatives.adapter)),
                    count(d.map(|d| d.derivatives.finetune)),
                    count(d.map(|d| d.derivatives.merge)),
                    count(d.map(|d| d.derivatives.unknown)),
                    Cell::number(share(share_of), share_of),
                ]
            })
            .collect(),
    });
}

// ---------------------------------------------------------------------------------------------
// Organization, search, data quality

pub async fn organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(namespace): Path<String>,
    Query(pairs): Pairs,
) -> Response {
    if let Err(error) = check_id("namespace", &namespace) {
        return error_response(&error, Kind::Html);
    }
    let route = format!("/org/{namespace}");
    answer(
        Kind::Html,
        &state,
        &headers,
        &route,
        pairs,
        Accepts {
            params: &[],
            filters: false,
        },
        |loaded, _| async move {
            let view = api::who_view(&loaded, namespace.clone()).await?;
            let WhoView::Namespace(answer) = view else {
                return Err(AppError::NotFound {
                    message: format!("{namespace:?} is a model id, not a namespace"),
                    hint: format!("see {}", model_href(&namespace)),
                });
            };
            let mut page = Page::new(&loaded, format!("Organization: {namespace}"), "");
            let facts = &answer.namespace;
            let mut rows = vec![
                (
                    "In the registry".to_owned(),
                    Cell::text(if facts.in_registry { "yes" } else { "no" }),
                ),
                (
                    "Organization".to_owned(),
                    Cell::text(
                        facts
                            .attribution
                            .organization
                            .clone()
                            .unwrap_or_else(|| "unknown".to_owned()),
                    ),
                ),
                (
                    "Country".to_owned(),
                    Cell::text(
                        facts
                            .attribution
                            .country
                            .clone()
                            .unwrap_or_else(|| "unknown".to_owned()),
                    ),
                ),
                (
                    "Type".to_owned(),
                    Cell::text(facts.attribution.contributor.unwrap_or("unknown")),
                ),
                (
                    "Registry version".to_owned(),
                    Cell::text(answer.registry_version.clone()),
                ),
            ];
            if let Some(entry) = &facts.entry {
                for (label, source) in [
                    ("Country source", &entry.sources.country),
                    ("Type source", &entry.sources.contributor),
                    ("Namespace source", &entry.sources.namespace),
                ] {
                    if let Some(source) = source {
                        rows.push((label.to_owned(), Cell::text(source.clone())));
                    }
                }
            }
            page.push(Block::Facts { facts: rows });
            let history = loaded.history(&Filter::default(), 200).await?;
            let inner = Arc::clone(&loaded);
            let week =
                blocking(move || working_set(&inner.census, &history, &WorkingSetQuery::default()))
                    .await?;
            let prefix = format!("{namespace}/");
            page.table(Table {
                caption: format!("Its models in this week's top {}", week.k),
                population: week.population.words.clone(),
                id: "org-models",
                headers: vec![
                    ("Rank", true),
                    ("Model", false),
                    ("Window downloads", true),
                    ("Share", true),
                ],
                rows: week
                    .models
                    .iter()
                    .filter(|m| m.id.starts_with(&prefix))
                    .map(|m| {
                        vec![
                            Cell::count(m.rank),
                            Cell::model(&m.id),
                            Cell::count(m.downloads),
                            Cell::number(share(m.share), m.share),
                        ]
                    })
                    .collect(),
            });
            organization_share(
                &mut page,
                &loaded,
                facts.attribution.organization.as_deref(),
            )
            .await?;
            let history = loaded.history(&Filter::default(), 200).await?;
            let inner = Arc::clone(&loaded);
            let derived =
                blocking(move || namespace_derivatives(&inner.census, &history, &namespace, 10))
                    .await?;
            organization_derivatives(&mut page, &derived);
            page.render()
        },
    )
    .await
}

/// The organization's share of window downloads per week (uploader origin): its row of the
/// `shares` view by organization (`views::shares::group_series`), as a chart and its table.
async fn organization_share(
    page: &mut Page,
    loaded: &Arc<Loaded>,
    organization: Option<&str>,
) -> Result<(), AppError> {
    page.heading("Share of downloads over time");
    let Some(organization) = organization else {
        page.para(
            "The registry does not name this namespace's organization: its models' downloads \
             count in the unattributed row of the shares by organization.",
        );
        return Ok(());
    };
    let pairs = [
        ("by", "organization"),
        ("origin", "uploader"),
        ("period", "week"),
    ]
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .to_vec();
    let params = Params::parse(pairs, &["by", "origin", "period"], false)?;
    let view = api::shares_view(loaded, &params).await?;
    let points = group_series(&view, organization);
    let population = format!(
        "{organization}'s share of each window's downloads, uploader origin (the organization's \
         namespaces as the registry links them); {}",
        view.results
            .last()
            .map_or_else(String::new, |s| s.population.words.clone())
    );
    let chart = Series {
        title: format!("{organization}: share of window downloads"),
        unit: Unit::Share,
        population: chart_population(&population),
        periods: points.iter().map(|p| p.period.clone()).collect(),
        groups: vec![SeriesGroup {
            name: organization.to_owned(),
            values: points.iter().map(|p| p.share).collect(),
        }],
    };
    page.chart(
        format!("{organization}: share of downloads per window"),
        series_chart(&chart, "org-share", false),
    );
    page.table(Table {
        caption: format!("{organization}: downloads and share per window"),
        population,
        id: "org-share",
        headers: vec![
            ("Window ending", false),
            ("Models counted", true),
            ("Downloads", true),
            ("All downloads", true),
            ("Share", true),
        ],
        rows: points
            .iter()
            .map(|p| {
                vec![
                    Cell::text(p.period.clone()),
                    Cell::count(p.models),
                    Cell::count(p.downloads),
                    Cell::count(p.total),
                    Cell::number(share(p.share), p.share),
                ]
            })
            .collect(),
    });
    page.push(downloads(
        "shares",
        &params,
        &[
            ("by", "organization".to_owned()),
            ("origin", "uploader".to_owned()),
            ("period", "week".to_owned()),
        ],
    ));
    Ok(())
}

/// Other namespaces' models whose lineage root is one of the namespace's models
/// (`history::namespace_derivatives`): how many, their downloads, the first few.
fn organization_derivatives(page: &mut Page, derived: &NamespaceDerivatives) {
    page.heading("Derivatives of its models");
    page.population(format!(
        "models of other namespaces whose lineage root is one of {}'s models; {}; downloads: {}",
        derived.namespace, derived.lineage, derived.population
    ));
    page.push(Block::Cards {
        cards: vec![
            (
                "Derivatives".to_owned(),
                format::grouped(derived.count),
                "models of other namespaces".to_owned(),
            ),
            (
                "Their downloads".to_owned(),
                format::grouped(derived.downloads),
                "in the latest window".to_owned(),
            ),
        ],
    });
    if derived.top.is_empty() {
        return;
    }
    page.table(Table {
        caption: format!("The {} most downloaded", derived.top.len()),
        population: derived.population.clone(),
        id: "org-derivatives",
        headers: vec![
            ("Model", false),
            ("Relation", false),
            ("Root", false),
            ("Window downloads", true),
        ],
        rows: derived
            .top
            .iter()
            .map(|d| {
                vec![
                    Cell::model(&d.id),
                    Cell::text(
                        d.relation.map_or_else(
                            || "unknown".to_owned(),
                            |r| format!("{r:?}").to_lowercase(),
                        ),
                    ),
                    Cell::model(&d.root),
                    optional_count(d.downloads),
                ]
            })
            .collect(),
    });
}

pub async fn search_page(loaded: Arc<Loaded>, params: Params) -> Result<Rendered, AppError> {
    let mut page = Page::new(&loaded, "Search", "");
    let query = params.get("q").unwrap_or_default().to_owned();
    page.form = Some(Form {
        action: "/search".to_owned(),
        fields: vec![Field::Text {
            name: "q",
            label: "Model or organization id",
            value: query.clone(),
            placeholder: "org/name",
        }],
    });
    if query.is_empty() {
        return page.render();
    }
    let view = api::search_view(&loaded, &params, 50).await?;
    page.table(Table {
        caption: format!("Models whose id contains {:?}", view.query),
        population: format!("{} of {} matches shown", view.models.len(), view.matched),
        id: "search-models",
        headers: vec![("Model", false)],
        rows: view.models.iter().map(|m| vec![Cell::model(m)]).collect(),
    });
    page.push(Block::Links {
        links: view
            .namespaces
            .iter()
            .map(|n| (format!("Organization {n}"), format!("/org/{}", encode(n))))
            .collect(),
    });
    page.render()
}

pub async fn search_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/search",
        pairs,
        Accepts {
            params: &["q"],
            filters: false,
        },
        search_page,
    )
    .await
}

pub async fn quality(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/quality",
        pairs,
        Accepts {
            params: &[],
            filters: false,
        },
        |loaded, params| async move {
            let view = api::windows_view(&loaded, &params).await?;
            let mut page = Page::new(&loaded, "Data quality and methods", "/quality");
            page.para(
                "What each window could and could not count. A model counts in a window when it is \
             in both snapshots (matched) or first appears and was created inside the window \
             (new); unmatched, disappeared and unmeasured models are reported, never guessed. \
             A negative difference counts as zero and is listed. The definitions are in \
             docs/methodology.md.",
            );
            page.table(Table {
                caption: "Counting per window".to_owned(),
                population: view.filter.describe(),
                id: "quality",
                headers: vec![
                    ("Window", false),
                    ("Days", true),
                    ("Matched", true),
                    ("New", true),
                    ("Unmatched", true),
                    ("Disappeared", true),
                    ("Unmeasured", true),
                    ("Negative", true),
                    ("Clamped downloads", true),
                ],
                rows: view
                    .windows
                    .iter()
                    .map(|w| {
                        vec![
                            Cell::text(format!("{} to {}", date(w.from), date(w.to))),
                            Cell::number(format::decimal(Some(w.days), 1), Some(w.days)),
                            Cell::count(w.matched),
                            Cell::count(w.new),
                            Cell::count(w.unmatched),
                            Cell::count(w.disappeared),
                            Cell::count(w.unmeasured),
                            Cell::count(w.negative),
                            Cell::count(w.clamped_downloads),
                        ]
                    })
                    .collect(),
            });
            page.push(downloads("windows", &params, &[]));
            let mut columns = String::new();
            for snapshot in &loaded.snapshots {
                let _ = writeln!(
                    columns,
                    "{}: {}",
                    snapshot.as_of,
                    snapshot.columns.join(", ")
                );
            }
            page.heading("Columns each snapshot carried");
            page.push(Block::Code { text: columns });
            page.render()
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Contributors

/// A series as a long table: one row per period and group.
fn series_table(series: &Series, id: &'static str, value: &'static str, unit: Unit) -> Table {
    Table {
        caption: series.title.clone(),
        population: format::population(&series.population),
        id,
        headers: vec![
            ("Period", false),
            ("Contributor type", false),
            (value, true),
        ],
        rows: series
            .periods
            .iter()
            .enumerate()
            .flat_map(|(i, period)| {
                series.groups.iter().map(move |group| {
                    let v = group.values.get(i).copied().flatten();
                    vec![
                        Cell::text(period.clone()),
                        Cell::text(group.name.clone()),
                        Cell::number(format::value(v, unit), v),
                    ]
                })
            })
            .collect(),
    }
}

pub async fn contributors(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/contributors",
        pairs,
        Accepts {
            params: &["k", "period"],
            filters: true,
        },
        |loaded, params| async move {
            let mut page = Page::new(
                &loaded,
                "Contributors: who builds what is used",
                "/contributors",
            );
            let period = params.choice("period", &PERIODS)?;
            let mut fields = vec![
                period_select(period),
                Field::Text {
                    name: "k",
                    label: "Working set (k)",
                    value: params.get("k").unwrap_or_default().to_owned(),
                    placeholder: "200",
                },
            ];
            fields.extend(filter_fields(&params));
            page.form = Some(Form {
                action: "/contributors".to_owned(),
                fields,
            });
            let query = hubcensus_query::views::report::ReportQuery {
                k: params.k(200)?,
                filter: params.filter()?,
                origins: vec![hubcensus_analytics::shares::Origin::Uploader],
                ..hubcensus_query::views::report::ReportQuery::default()
            };
            let inner = Arc::clone(&loaded);
            let view =
                blocking(move || hubcensus_query::views::report::builders(&inner.census, &query))
                    .await?;
            page.para(
                "Contributor types of the uploading namespace (individual, community, academic, \
                 nonprofit, government, industry; organizations the registry does not know are \
                 unclassified), as the report's \"Who builds\" section. A credible release is a \
                 model that entered a weekly working set within 90 days of its creation \
                 (docs/methodology.md).",
            );
            // Types over time per the chosen period: the shares view by type (uploader
            // origin), as `hubcensus shares --by type --period ...` and the download below.
            let mut pairs = vec![
                ("by".to_owned(), "type".to_owned()),
                ("origin".to_owned(), "uploader".to_owned()),
                ("period".to_owned(), period.to_owned()),
            ];
            for name in crate::params::FILTERS {
                if let Some(value) = params.get(name) {
                    pairs.push((name.to_owned(), value.to_owned()));
                }
            }
            let by_type = api::shares_view(
                &loaded,
                &Params::parse(pairs, &["by", "origin", "period"], true)?,
            )
            .await?;
            let results: Vec<&Shares> = by_type.results.iter().collect();
            if let Some(over_time) = share_series(
                &results,
                &format!("Share of downloads by contributor type, per {period}"),
            ) {
                page.chart(
                    over_time.title.clone(),
                    series_chart(&over_time, "contributor-types", true),
                );
                page.table(series_table(
                    &over_time,
                    "contributor-types-over-time",
                    "Share",
                    over_time.unit,
                ));
            }
            let latest = &view.types;
            page.table(Table {
                caption: format!("{} shares of the latest window", latest.dimension),
                population: format::population(&latest.population),
                id: "contributor-types",
                headers: vec![
                    ("Contributor type", false),
                    ("Models", true),
                    ("Downloads", true),
                    ("Share", true),
                ],
                rows: latest
                    .rows
                    .iter()
                    .map(|row| {
                        vec![
                            Cell::text(row.group.clone()),
                            Cell::count(row.models),
                            Cell::count(row.downloads),
                            Cell::number(share(row.share), row.share),
                        ]
                    })
                    .collect(),
            });
            if view.credible_releases.periods.is_empty() {
                page.heading(view.credible_releases.title.clone());
                page.para("No model entered a working set within 90 days of its creation.");
            } else {
                page.chart(
                    view.credible_releases.title.clone(),
                    series_chart(&view.credible_releases, "credible-releases", false),
                );
            }
            page.table(series_table(
                &view.credible_releases,
                "credible-releases",
                "Releases",
                view.credible_releases.unit,
            ));
            page.push(downloads(
                "shares",
                &params,
                &[
                    ("by", "type".to_owned()),
                    ("origin", "uploader".to_owned()),
                    ("period", period.to_owned()),
                ],
            ));
            page.render()
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Audit and discover

fn optional_count(value: Option<u64>) -> Cell {
    value.map_or_else(|| Cell::number("n/a", None), Cell::count)
}

fn optional_text(value: Option<&str>) -> Cell {
    Cell::text(value.unwrap_or("n/a"))
}

fn parameters(value: Option<u64>) -> Cell {
    value.map_or_else(
        || Cell::number("n/a", None),
        |v| Cell::number(format::compact(v), Some(v as f64)),
    )
}

fn rank(value: Option<u32>) -> Cell {
    value.map_or_else(
        || Cell::number("not in the set", None),
        |r| Cell::number(format!("#{r}"), Some(f64::from(r))),
    )
}

pub async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/audit",
        pairs,
        Accepts {
            params: &api::AUDIT_PARAMS,
            filters: false,
        },
        audit_page,
    )
    .await
}

async fn audit_page(loaded: Arc<Loaded>, params: Params) -> Result<Rendered, AppError> {
    let mut page = Page::new(&loaded, "Audit a default model", "/audit");
    let workloads = hubcensus_query::views::evidence::workloads(None)?;
    let choices: Vec<(String, String)> = workloads
        .names()
        .map(|name| (name.to_owned(), name.to_owned()))
        .collect();
    let text = |name, label, placeholder| Field::Text {
        name,
        label,
        value: params.get(name).unwrap_or_default().to_owned(),
        placeholder,
    };
    page.form = Some(Form {
        action: "/audit".to_owned(),
        fields: vec![
            text("model", "Model id", "org/name"),
            select(
                "workload",
                "Workload",
                &choices,
                Some(params.get("workload").unwrap_or("reasoning")),
            ),
            text("max_params", "Max size", "14B"),
            select(
                "license",
                "Licences",
                &[
                    ("any".to_owned(), "Any".to_owned()),
                    ("permissive".to_owned(), "Permissive only".to_owned()),
                ],
                params.get("license"),
            ),
            Field::Check {
                name: "include_base",
                label: "Include base models",
                checked: params.switch("include_base").unwrap_or(false),
            },
        ],
    });
    if params.get("model").is_none() {
        page.para(
            "Whether a default model is still the right baseline for a workload: same-task, \
             same-size candidates from the working set and the model's family, compared on the \
             workload's benchmarks, with the adoption evidence (rank, downloads, trend). The \
             same audit as `hubcensus audit`; the method is in docs/evals.md.",
        );
        return page.render();
    }
    let view = api::audit_view(&loaded, &params).await?;
    let audit = &view.audit;
    page.population(audit.provenance.clone());
    page.push(Block::Cards {
        cards: vec![
            (
                "Verdict".to_owned(),
                audit.verdict.to_string(),
                format!("for the {} workload", audit.workload),
            ),
            (
                "Rank now".to_owned(),
                audit
                    .default
                    .rank_now
                    .map_or_else(|| "not in the set".to_owned(), |r| format!("#{r}")),
                format!("in the top {} of the last week", audit.working_set_size),
            ),
            (
                "Downloads last week".to_owned(),
                format::count(audit.default.downloads_last_week),
                "window downloads".to_owned(),
            ),
            (
                "Candidates".to_owned(),
                audit.candidates.len().to_string(),
                "same task and size".to_owned(),
            ),
        ],
    });
    page.heading("Why");
    for reason in &audit.reasons {
        page.para(reason.clone());
    }
    if !audit.missing.is_empty() {
        page.heading("Missing evidence");
        for missing in &audit.missing {
            page.para(missing.clone());
        }
    }
    let default = &audit.default;
    page.heading("The default");
    page.push(Block::Facts {
        facts: vec![
            ("Model".to_owned(), Cell::model(default.id.as_str())),
            (
                "Organization".to_owned(),
                optional_text(default.organization.as_deref()),
            ),
            (
                "Contributor type".to_owned(),
                Cell::text(
                    default
                        .contributor
                        .map_or_else(|| "unknown".to_owned(), |c| c.to_string()),
                ),
            ),
            ("Task".to_owned(), optional_text(default.task.as_deref())),
            ("Parameters".to_owned(), parameters(default.parameters)),
            (
                "Licence".to_owned(),
                optional_text(default.license.as_deref()),
            ),
            (
                "Change over 4 weeks".to_owned(),
                Cell::text(
                    default
                        .change_4w
                        .map_or_else(|| "n/a".to_owned(), |c| format::percent(Some(c), 1)),
                ),
            ),
            (
                "Trend".to_owned(),
                Cell::text(default.trend.as_ref().map_or_else(
                    || "n/a".to_owned(),
                    |t| {
                        format!(
                            "{} over {} weeks",
                            format::percent(Some(t.change), 1),
                            t.weeks
                        )
                    },
                )),
            ),
            (
                "Share of its task".to_owned(),
                Cell::text(share(default.task_share)),
            ),
            (
                "Successor".to_owned(),
                default
                    .new_version
                    .as_ref()
                    .map_or_else(|| Cell::text("none known"), |id| Cell::model(id.as_str())),
            ),
        ],
    });
    page.table(Table {
        caption: format!(
            "Benchmark scores of the default on the {} workload ({})",
            audit.workload,
            audit.benchmarks.join(", ")
        ),
        population: "the evals store's records".to_owned(),
        id: "audit-scores",
        headers: vec![
            ("Benchmark", false),
            ("Metric", false),
            ("Value", true),
            ("Source", false),
            ("Date", false),
        ],
        rows: default
            .scores
            .iter()
            .map(|score| {
                vec![
                    Cell::text(score.benchmark.clone()),
                    Cell::text(score.metric.clone()),
                    Cell::number(format::decimal(Some(score.value), 2), Some(score.value)),
                    Cell::text(score.source.clone()),
                    optional_text(score.date.as_deref()),
                ]
            })
            .collect(),
    });
    page.table(Table {
        caption: "Candidates".to_owned(),
        population: format!(
            "left out: {} of another task, {} of unknown size, {} of another size, {} by licence, {} base models",
            audit.excluded.other_task,
            audit.excluded.unknown_size,
            audit.excluded.other_size,
            audit.excluded.license,
            audit.excluded.base
        ),
        id: "audit-candidates",
        headers: vec![
            ("Model", false),
            ("Why a candidate", false),
            ("Parameters", true),
            ("Licence", false),
            ("Rank now", true),
            ("Downloads last week", true),
            ("Better on", true),
            ("Worse on", true),
            ("Shared series", true),
        ],
        rows: audit
            .candidates
            .iter()
            .map(|candidate| {
                let report = &candidate.report;
                vec![
                    Cell::model(report.id.as_str()),
                    Cell::text(candidate.origin.clone()),
                    parameters(report.parameters),
                    optional_text(report.license.as_deref()),
                    rank(report.rank_now),
                    optional_count(report.downloads_last_week),
                    Cell::count(candidate.wins as u64),
                    Cell::count(candidate.losses as u64),
                    Cell::count(candidate.shared as u64),
                ]
            })
            .collect(),
    });
    page.push(Block::Links {
        links: vec![(
            "This audit as JSON".to_owned(),
            format!("/api/v1/audit?{}", params.canonical()),
        )],
    });
    page.render()
}

pub async fn discover(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    answer(
        Kind::Html,
        &state,
        &headers,
        "/discover",
        pairs,
        Accepts {
            params: &api::DISCOVER_PARAMS,
            filters: false,
        },
        discover_page,
    )
    .await
}

async fn discover_page(loaded: Arc<Loaded>, params: Params) -> Result<Rendered, AppError> {
    let mut page = Page::new(&loaded, "Discover credible releases", "/discover");
    let text = |name, label, value: &str, placeholder| Field::Text {
        name,
        label,
        value: params.get(name).unwrap_or(value).to_owned(),
        placeholder,
    };
    page.form = Some(Form {
        action: "/discover".to_owned(),
        fields: vec![
            text("task", "Task", "", "text-generation"),
            text(
                "contributor",
                "Contributor types",
                hubcensus_query::views::evidence::DEFAULT_CONTRIBUTORS,
                "individual,community",
            ),
            text("since", "Since", "90d", "90d or 13w"),
            text("min_downloads", "Min weekly downloads", "1000", "1000"),
        ],
    });
    if params.get("task").is_none() {
        page.para(
            "Models of a task by small teams and individuals that entered the weekly working \
             set, or whose weekly downloads grew at least twofold, in the window. The same \
             search as `hubcensus discover`; contributor types: individual, community, academic, \
             nonprofit, government, industry, unclassified, unknown.",
        );
        return page.render();
    }
    let view = api::discover_view(&loaded, &params).await?;
    let found = &view.discover;
    page.population(format!(
        "{}; {} models of the task in the evidence, {} of other contributor types and {} of unknown type left out",
        found.provenance, found.models_in_task, found.other_contributors, found.unknown_contributor
    ));
    for missing in &found.missing {
        page.para(missing.clone());
    }
    page.table(Table {
        caption: format!(
            "Credible releases of {} since {}",
            found.task,
            found.baseline.map_or_else(|| "n/a".to_owned(), date)
        ),
        population: format!(
            "contributor types: {}",
            found
                .contributors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        id: "discover",
        headers: vec![
            ("Model", false),
            ("How", false),
            ("Organization", false),
            ("Contributor type", false),
            ("Parameters", true),
            ("Licence", false),
            ("Rank now", true),
            ("Weekly downloads then", true),
            ("Weekly downloads now", true),
            ("Growth", true),
        ],
        rows: found
            .found
            .iter()
            .map(|riser| {
                vec![
                    Cell::model(riser.id.as_str()),
                    Cell::text(match riser.rise {
                        hubcensus_evals::discover::Rise::EnteredWorkingSet => {
                            "entered the working set"
                        }
                        hubcensus_evals::discover::Rise::Grew => "grew",
                    }),
                    optional_text(riser.organization.as_deref()),
                    Cell::text(
                        riser
                            .contributor
                            .map_or_else(|| "unknown".to_owned(), |c| c.to_string()),
                    ),
                    parameters(riser.parameters),
                    optional_text(riser.license.as_deref()),
                    rank(riser.rank_now),
                    optional_count(riser.downloads_baseline),
                    optional_count(riser.downloads_now),
                    Cell::number(
                        riser
                            .growth
                            .map_or_else(|| "n/a".to_owned(), |g| format!("×{g:.1}")),
                        riser.growth,
                    ),
                ]
            })
            .collect(),
    });
    page.push(Block::Links {
        links: vec![(
            "These releases as JSON".to_owned(),
            format!("/api/v1/discover?{}", params.canonical()),
        )],
    });
    page.render()
}

// ---------------------------------------------------------------------------------------------
// Feed, assets, fallback

/// `/feeds/working-set.atom`: one entry per week, listing the models that entered the working
/// set that week.
pub async fn feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(pairs): Pairs,
) -> Response {
    let params = match Params::parse(pairs, &[], false) {
        Ok(params) => params,
        Err(error) => return error_response(&error, Kind::Json),
    };
    drop(params);
    cached(&state, &headers, "/feeds/working-set.atom".to_owned(), Kind::Json, |loaded| async move {
        let history = loaded.history(&Filter::default(), 200).await?;
        let inner = Arc::clone(&loaded);
        let weeks = blocking(move || {
            history
                .weeks()
                .iter()
                .map(|week| {
                    working_set(
                        &inner.census,
                        &history,
                        &WorkingSetQuery { as_of: Some((*week).into()) },
                    )
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
        let escape = hubcensus_report::escape::xml;
        let updated = weeks.last().map_or_else(String::new, |w| w.population.to.to_string());
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
             <title>hubcensus: entries into the weekly working set</title>\n\
             <id>urn:hubcensus:{}:working-set</id>\n<updated>{updated}</updated>\n\
             <link rel=\"alternate\" href=\"/week\"/>\n",
            &loaded.tag[..16]
        );
        for week in weeks.iter().rev() {
            let entries: Vec<&str> = week
                .models
                .iter()
                .filter(|m| m.previous_rank.is_none())
                .map(|m| m.id.as_str())
                .collect();
            if week.previous_population.is_none() {
                continue;
            }
            let day = date(week.population.to);
            let mut summary = format!("{} models entered the top {}: ", entries.len(), week.k);
            summary.push_str(&entries.join(", "));
            let _ = write!(
                xml,
                "<entry>\n<title>Week ending {day}: {} entries into the top {}</title>\n\
                 <id>urn:hubcensus:{}:week:{day}</id>\n<updated>{}</updated>\n\
                 <link rel=\"alternate\" href=\"/week/{day}\"/>\n<summary>{}</summary>\n</entry>\n",
                entries.len(),
                week.k,
                &loaded.tag[..16],
                week.population.to,
                escape(&summary),
            );
        }
        xml.push_str("</feed>\n");
        Ok(Rendered { content_type: ATOM, body: Bytes::from(xml),
            filename: None, })
    })
    .await
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// The report's styles, then the dashboard's own (one source for both: `hubcensus_report::STYLE`).
pub async fn stylesheet() -> Response {
    static STYLESHEET: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{}{}",
            hubcensus_report::STYLE,
            include_str!("../assets/app.css")
        )
    });
    asset("text/css; charset=utf-8", STYLESHEET.as_str())
}

pub async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    )
}

pub async fn not_found() -> Response {
    error_response(
        &AppError::NotFound {
            message: "no such page".to_owned(),
            hint: "start at / (the overview)".to_owned(),
        },
        Kind::Html,
    )
}
