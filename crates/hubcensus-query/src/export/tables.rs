//! Each table: its columns (declared once, see `columns.rs`) over rows taken from a view's typed
//! result. Nothing here computes a figure: the views do; this only lays their values out flat.

use hubcensus_analytics::Population;
use hubcensus_analytics::shares::{Dimension, GroupKind, Origin, Period};
use hubcensus_analytics::window::Status;
use hubcensus_evals::EvalRecord;
use hubcensus_model::{ContributorType, Era, Region, Timestamp};
use hubcensus_registry::Registry;

use super::columns::{Columns, int};
use crate::views::churn::{ChurnQuery, churn};
use crate::views::derivatives::{Base, DerivativesQuery, derivatives};
use crate::views::lineage::Edge;
use crate::views::shares::shares_of;
use crate::views::top::{TopQuery, TopRow, top, top_with_graph};
use crate::views::windows::{WindowRow, WindowsQuery, windows};
use crate::{AsOf, Census, QueryError};

use super::Params;

const POPULATION: &str = "the population the row counts, in words (filters, window, measure)";

// ---------------------------------------------------------------------------------------------
// windows

pub(super) fn windows_columns<'a>() -> Columns<'a, WindowRow> {
    Columns::new()
        .time("window_from", "the window's start (exclusive): the previous snapshot", |w: &WindowRow| w.from)
        .time("window_to", "the window's end (inclusive): the snapshot it ends at", |w| w.to)
        .text(
            "measure",
            "all_time_difference (downloadsAllTime differenced) or thirty_day (the Hub's 30-day count)",
            |w| w.measure.as_str().to_owned(),
        )
        .number("days", "the window's length in days", |w| w.days)
        .flag("longer_than_cadence", "longer than the planned spacing (a missed snapshot)", |w| w.longer_than_cadence)
        .flag("partial", "a snapshot of the window was a top-N or otherwise incomplete listing", |w| w.population.partial)
        .flag("synthetic", "synthetic demo data", |w| w.population.synthetic)
        .count("total_downloads", "downloads in the window, negative per-model differences counted as 0 (the denominator of every share in the row)", |w| w.total_downloads)
        .count("models", "models counted (matched plus new; present for a 30-day window)", |w| w.models)
        .count("matched", "models in both snapshots", |w| w.matched)
        .count("new", "models only in the end snapshot, created after the window's start (their downloads are their all-time count)", |w| w.new)
        .count("unmatched", "models only in the end snapshot created at or before the window's start, or at an unknown time: not counted", |w| w.unmatched)
        .count("disappeared", "models only in the start snapshot: not counted", |w| w.disappeared)
        .count("unmeasured", "models present without the download field the measure needs: not counted", |w| w.unmeasured)
        .count("negative", "counted models whose all-time count fell: counted as 0 in every aggregate", |w| w.negative)
        .count("clamped_downloads", "the sum of the fall over those negative models", |w| w.clamped_downloads)
        .count("k", "the working-set size and top-k of the row", |w| w.k)
        .count("top_k_downloads", "downloads of the top k models (the numerator of top_k_share)", |w| w.top_k_downloads)
        .float("top_k_share", "top_k_downloads / total_downloads (0-1)", |w| w.top_k_share)
        .int("n50", "fewest models holding 50% of total_downloads", |w| w.n50.map(int))
        .int("n80", "fewest models holding 80% of total_downloads", |w| w.n80.map(int))
        .int("n90", "fewest models holding 90% of total_downloads", |w| w.n90.map(int))
        .float("gini", "Gini coefficient (0-1) over counted models", |w| w.gini)
        .float("gini_nonzero", "Gini coefficient (0-1) over counted models with downloads > 0", |w| w.gini_nonzero)
        .float("hhi_author", "HHI over author namespaces, 0-10,000 (shares in percent, squared, summed)", |w| w.hhi_author)
        .float("hhi_author_unknown_share", "fraction (0-1) of total_downloads in no namespace (legacy ids)", |w| w.hhi_author_unknown_share)
        .float("hhi_org", "HHI over organizations (uploader origin), 0-10,000", |w| w.hhi_org)
        .float("hhi_org_unknown_share", "fraction (0-1) of total_downloads with no organization", |w| w.hhi_org_unknown_share)
        .float("hhi_country", "HHI over countries (uploader origin), 0-10,000", |w| w.hhi_country)
        .float("hhi_country_unknown_share", "fraction (0-1) of total_downloads with no country", |w| w.hhi_country_unknown_share)
        .float("long_tail_share", "fraction (0-1) of counted models with under 200 all-time downloads at the window's end; null for the 30-day measure", |w| w.long_tail_share)
        .count("working_set_size", "models in the working set (at most k; the working-set table lists them)", |w| w.working_set.len() as u64)
        .count("working_set_downloads", "downloads the working set holds (the numerator of working_set_share)", |w| w.working_set_downloads)
        .float("working_set_share", "working_set_downloads / total_downloads (0-1)", |w| w.working_set_share)
        .int("entries", "models entering the working set against the previous window; null for the first window", |w| w.entries.as_ref().map(|e| int(e.len() as u64)))
        .int("exits", "models leaving the working set; null for the first window", |w| w.exits.as_ref().map(|e| int(e.len() as u64)))
        .float("churn", "entries / k; null for the first window", |w| w.churn)
        .count("family_working_set_size", "families in the family working set", |w| w.family_working_set.len() as u64)
        .int("family_working_set_downloads", "downloads the family working set holds (the numerator of family_working_set_share); null without lineage", |w| w.family_working_set_downloads.map(int))
        .float("family_working_set_share", "family_working_set_downloads / total_downloads (0-1)", |w| w.family_working_set_share)
        .text("population", POPULATION, |w| w.population.words.clone())
}

pub(super) fn windows_rows(census: &Census, params: &Params) -> Result<Vec<WindowRow>, QueryError> {
    let view = windows(
        census,
        &WindowsQuery {
            k: params.k(),
            filter: params.filter.clone(),
            cadence: params.cadence,
        },
    )?;
    let mut rows = view.windows;
    if let Some(as_of) = &params.as_of {
        let end = census.times()[census.position(Some(as_of))?];
        rows.retain(|w| w.to == end);
        if rows.is_empty() {
            return Err(no_window_at(end));
        }
    }
    Ok(rows)
}

fn no_window_at(end: Timestamp) -> QueryError {
    QueryError::invalid(
        "as_of",
        format!(
            "no window ends at {end}: it is the store's first snapshot, which only starts the first window"
        ),
        "choose a later snapshot (`hubcensus snapshots` lists them), or leave --as-of out for every window",
    )
}

/// The store positions windows end at: every snapshot but a first one that only starts the
/// first window (as `windows` computes them), or the one `as_of` names.
fn window_ends(census: &Census, as_of: Option<&AsOf>) -> Result<Vec<usize>, QueryError> {
    let times = census.times();
    let first_alone = times.len() == 1
        || census
            .info(times[0])
            .is_some_and(|info| info.era() == Era::ThirtyDayOnly);
    let first = usize::from(!first_alone);
    match as_of {
        Some(as_of) => {
            let position = census.position(Some(as_of))?;
            if position < first {
                return Err(no_window_at(times[position]));
            }
            Ok(vec![position])
        }
        None => Ok((first..times.len()).collect()),
    }
}

// ---------------------------------------------------------------------------------------------
// working set and families: the `top` view of each window

/// One ranked model (or family) of one window.
pub(super) struct RankedRow {
    /// The lineage the families are folded with (families only).
    lineage_as_of: Timestamp,
    from: Timestamp,
    to: Timestamp,
    measure: &'static str,
    total: u64,
    k: u64,
    partial: bool,
    synthetic: bool,
    row: TopRow,
}

pub(super) fn ranked_columns<'a>(family: bool) -> Columns<'a, RankedRow> {
    let columns = Columns::new()
        .time(
            "window_from",
            "the window's start (exclusive)",
            |r: &RankedRow| r.from,
        )
        .time("window_to", "the window's end (inclusive)", |r| r.to)
        .text("measure", "all_time_difference or thirty_day", |r| {
            r.measure.to_owned()
        })
        .count("k", "the working-set size asked for", |r| r.k)
        .count(
            "rank",
            "1 = most downloads in the window (ties: id ascending)",
            |r| r.row.rank,
        );
    let columns = if family {
        columns
            .time(
                "lineage_as_of",
                "the snapshot whose lineage folds the families: the store's latest, for every window (as windows and the report fold them)",
                |r| r.lineage_as_of,
            )
            .text(
            "family_id",
            "the family's base model id (quantized and adapter derivatives folded in)",
            |r| r.row.id.clone(),
        )
    } else {
        columns.text("model_id", "the model's id at the window's end", |r| {
            r.row.id.clone()
        })
    };
    let columns = columns
        .count(
            "downloads",
            if family {
                "the family's downloads in the window (the numerator of share)"
            } else {
                "the model's downloads in the window (the numerator of share)"
            },
            |r| r.row.downloads,
        )
        .count(
            "window_downloads",
            "all downloads in the window (the denominator of share)",
            |r| r.total,
        )
        .float(
            "share",
            "downloads / window_downloads (0-1); null when the window has none",
            |r| r.row.share,
        );
    let columns = if family {
        columns
    } else {
        columns.text(
            "status",
            "matched (in both snapshots) or new (first seen in the window)",
            |r| {
                match r.row.status {
                    Some(Status::New) => "new",
                    _ => "matched",
                }
                .to_owned()
            },
        )
    };
    columns
        .flag("partial", "a snapshot of the window was incomplete", |r| {
            r.partial
        })
        .flag("synthetic", "synthetic demo data", |r| r.synthetic)
}

pub(super) fn ranked_rows(
    census: &Census,
    params: &Params,
    family: bool,
) -> Result<Vec<RankedRow>, QueryError> {
    // Families are folded with the latest lineage for every window, as in `windows` and the
    // report (the family working set's share there is what these rows sum to).
    let latest = census.latest().ok_or_else(|| QueryError::NoSnapshots {
        dir: census.dir().to_path_buf(),
    })?;
    let graph = if family {
        Some(census.graph(latest, false)?)
    } else {
        None
    };
    let mut rows = Vec::new();
    for position in window_ends(census, params.as_of.as_ref())? {
        let query = TopQuery {
            k: params.k(),
            as_of: Some(AsOf::from(census.times()[position])),
            family,
            filter: params.filter.clone(),
        };
        let view = match &graph {
            Some(graph) => top_with_graph(census, &query, Some(graph))?,
            None => top(census, &query)?,
        };
        let population: &Population = &view.population;
        rows.extend(view.models.iter().map(|row| RankedRow {
            lineage_as_of: latest,
            from: population.from,
            to: population.to,
            measure: population.measure.as_str(),
            total: population.total_downloads,
            k: view.k,
            partial: population.partial,
            synthetic: population.synthetic,
            row: row.clone(),
        }));
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// churn: the `churn` view of each window after the first

pub(super) struct MoveRow {
    previous_to: Timestamp,
    to: Timestamp,
    k: u64,
    kind: &'static str,
    id: String,
    previous_rank: Option<u64>,
    rank: Option<u64>,
    change: Option<i64>,
    entries: u64,
    churn: f64,
}

pub(super) fn churn_columns<'a>() -> Columns<'a, MoveRow> {
    Columns::new()
        .time(
            "previous_window_to",
            "the end of the previous window",
            |m: &MoveRow| m.previous_to,
        )
        .time("window_to", "the end of the window", |m| m.to)
        .count("k", "the working-set size", |m| m.k)
        .text(
            "move",
            "entry (joined the working set), exit (left it) or stay",
            |m| m.kind.to_owned(),
        )
        .text("model_id", "the model's id", |m| m.id.clone())
        .int(
            "previous_rank",
            "rank in the previous window's working set; null for an entry",
            |m| m.previous_rank.map(int),
        )
        .int(
            "rank",
            "rank in this window's working set; null for an exit",
            |m| m.rank.map(int),
        )
        .int(
            "change",
            "previous_rank - rank (positive: climbed); null unless a stay",
            |m| m.change,
        )
        .count(
            "entries",
            "entries of the window (the numerator of churn)",
            |m| m.entries,
        )
        .number("churn", "entries / k (0-1), the window's churn", |m| {
            m.churn
        })
}

pub(super) fn churn_rows(census: &Census, params: &Params) -> Result<Vec<MoveRow>, QueryError> {
    let ends = window_ends(census, None)?;
    let positions: Vec<usize> = match &params.as_of {
        Some(as_of) => {
            let position = census.position(Some(as_of))?;
            if ends.first().is_none_or(|&first| position <= first) {
                return Err(QueryError::NeedsTwoWindows {
                    end: census.times()[position],
                });
            }
            vec![position]
        }
        None => ends.into_iter().skip(1).collect(),
    };
    let mut rows = Vec::new();
    for position in positions {
        let view = churn(
            census,
            &ChurnQuery {
                k: params.k(),
                as_of: Some(AsOf::from(census.times()[position])),
                filter: params.filter.clone(),
            },
        )?;
        let entries = view.entries.len() as u64;
        for (kind, moves) in [
            ("entry", &view.entries),
            ("exit", &view.exits),
            ("stay", &view.stayers),
        ] {
            rows.extend(moves.iter().map(|m| MoveRow {
                previous_to: view.previous_population.to,
                to: view.population.to,
                k: view.k,
                kind,
                id: m.id.clone(),
                previous_rank: m.previous_rank,
                rank: m.rank,
                change: m.change,
                entries,
                churn: view.churn,
            }));
        }
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// shares: each dimension, each origin, each period

pub(super) struct ShareLine {
    dimension: Dimension,
    origin: Origin,
    period_kind: Period,
    period: String,
    from: Timestamp,
    to: Timestamp,
    windows: u64,
    total: u64,
    group: String,
    group_kind: &'static str,
    models: u64,
    downloads: u64,
    share: Option<f64>,
    coverage_country: Option<f64>,
    coverage_type: Option<f64>,
    hhi: Option<f64>,
    hhi_unknown_share: Option<f64>,
    partial: bool,
    synthetic: bool,
    registry_version: String,
}

pub(super) const fn period_name(period: Period) -> &'static str {
    match period {
        Period::Week => "week",
        Period::Month => "month",
        Period::Quarter => "quarter",
        Period::Year => "year",
    }
}

pub(super) fn shares_columns<'a>() -> Columns<'a, ShareLine> {
    Columns::new()
        .text("dimension", "country, region, type (contributor type) or organization", |s: &ShareLine| s.dimension.as_str().to_owned())
        .text("origin", "uploader (the author's attribution) or lineage (the lineage root's)", |s| s.origin.as_str().to_owned())
        .text("period_kind", "week, month, quarter or year (weekly windows summed by their end)", |s| period_name(s.period_kind).to_owned())
        .text("period", "the period's label: 2026-08-23 (week ending), 2026-08, 2026-Q3, 2026", |s| s.period.clone())
        .time("period_from", "the start of the period's first window (exclusive)", |s| s.from)
        .time("period_to", "the end of the period's last window (inclusive)", |s| s.to)
        .count("windows", "windows summed into the period", |s| s.windows)
        .count("total_downloads", "all downloads of the period (the denominator of share)", |s| s.total)
        .text("group", "the group: a country code, region, type or organization; `unattributed`, `legacy, unnamespaced` or `mixed` otherwise", |s| s.group.clone())
        .text("group_kind", "known, unattributed, legacy or mixed", |s| s.group_kind.to_owned())
        .count("models", "counted models in the group (summed over the period's windows)", |s| s.models)
        .count("downloads", "the group's downloads (the numerator of share)", |s| s.downloads)
        .float("share", "downloads / total_downloads (0-1); null when total_downloads is 0", |s| s.share)
        .float("coverage_country", "fraction (0-1) of total_downloads whose attribution has a country", |s| s.coverage_country)
        .float("coverage_type", "fraction (0-1) of total_downloads whose attribution has a contributor type", |s| s.coverage_type)
        .float("hhi", "HHI over the known groups of the period, 0-10,000", |s| s.hhi)
        .float("hhi_unknown_share", "fraction (0-1) of total_downloads in no known group", |s| s.hhi_unknown_share)
        .flag("partial", "a snapshot was incomplete", |s| s.partial)
        .flag("synthetic", "synthetic demo data", |s| s.synthetic)
        .text("registry_version", "the attribution registry's version", |s| s.registry_version.clone())
}

pub(super) fn shares_rows(census: &Census, params: &Params) -> Result<Vec<ShareLine>, QueryError> {
    let periods = params.periods();
    // One walk of the store for every dimension, origin and period.
    let views = shares_of(
        census,
        &params.dimensions(),
        &params.origins(),
        &periods,
        &params.filter,
    )?;
    let mut rows = Vec::new();
    for (view, &period) in views.iter().zip(periods.iter().cycle()) {
        for result in &view.results {
            for row in &result.rows {
                rows.push(ShareLine {
                    dimension: view.by,
                    origin: result.origin,
                    period_kind: period,
                    period: result.period.clone(),
                    from: result.population.from,
                    to: result.population.to,
                    windows: result.windows,
                    total: result.total,
                    group: row.group.clone(),
                    group_kind: match row.kind {
                        GroupKind::Known => "known",
                        GroupKind::Unattributed => "unattributed",
                        GroupKind::Legacy => "legacy",
                        GroupKind::Mixed => "mixed",
                    },
                    models: row.models,
                    downloads: row.downloads,
                    share: row.share,
                    coverage_country: result.population.coverage_country,
                    coverage_type: result.population.coverage_type,
                    hhi: result.hhi.value,
                    hhi_unknown_share: result.hhi.unknown_share,
                    partial: result.population.partial,
                    synthetic: result.population.synthetic,
                    registry_version: view.registry_version.clone(),
                });
            }
        }
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// lineage edges

pub(super) struct EdgeRow {
    as_of: Timestamp,
    lineage_from: Option<Timestamp>,
    edge: Edge,
}

pub(super) fn edges_columns<'a>() -> Columns<'a, EdgeRow> {
    Columns::new()
        .time(
            "as_of",
            "the snapshot the lineage stands for",
            |e: &EdgeRow| e.as_of,
        )
        .opt_time(
            "lineage_from",
            "the snapshot it was read from (the newest at or before as_of that carried lineage)",
            |e| e.lineage_from,
        )
        .text("model_id", "the derived model", |e| e.edge.model.clone())
        .text(
            "parent_id",
            "one of its parents (a merge has several rows)",
            |e| e.edge.parent.clone(),
        )
        .opt_text(
            "relation",
            "finetune, adapter, quantized, merge or unknown; null when the source gave none",
            |e| e.edge.relation.map(|r| r.as_str().to_owned()),
        )
        .count("parents", "how many parents the model has", |e| {
            e.edge.parents
        })
}

pub(super) fn edges_rows(census: &Census, params: &Params) -> Result<Vec<EdgeRow>, QueryError> {
    let view = crate::views::lineage::edges(census, params.as_of.as_ref())?;
    Ok(view
        .edges
        .into_iter()
        .map(|edge| EdgeRow {
            as_of: view.as_of,
            lineage_from: view.lineage_from,
            edge,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// derivatives

pub(super) struct BaseRow {
    as_of: Timestamp,
    base: Base,
}

pub(super) fn derivatives_columns<'a>() -> Columns<'a, BaseRow> {
    Columns::new()
        .time(
            "as_of",
            "the snapshot whose lineage is read",
            |b: &BaseRow| b.as_of,
        )
        .count(
            "rank",
            "1 = most descendants (ties: direct children, tag mentions, id)",
            |b| b.base.rank,
        )
        .text("base_id", "the base model", |b| b.base.id.clone())
        .count(
            "descendants",
            "models descending from the base, at any depth",
            |b| b.base.descendants,
        )
        .count("finetune", "direct children that are fine-tunes", |b| {
            b.base.direct.finetune
        })
        .count("adapter", "direct children that are adapters", |b| {
            b.base.direct.adapter
        })
        .count("quantized", "direct children that are quantizations", |b| {
            b.base.direct.quantized
        })
        .count("merge", "direct children that are merges", |b| {
            b.base.direct.merge
        })
        .count("unknown", "direct children of unknown relation", |b| {
            b.base.direct.unknown
        })
        .count("direct", "all direct children", |b| b.base.direct.total())
        .count(
            "tag_mentions",
            "models naming it in a `base_model:` tag",
            |b| b.base.tag_mentions,
        )
        .int(
            "downloads_base",
            "the base's own downloads in the window ending at as_of (null: no window)",
            |b| b.base.downloads.map(|d| int(d.base)),
        )
        .int(
            "downloads_derivatives",
            "its descendants' downloads in that window",
            |b| b.base.downloads.map(|d| int(d.derivatives.total())),
        )
        .float(
            "derivative_share",
            "downloads_derivatives / (downloads_base + downloads_derivatives), 0 to 1; null when both are 0",
            |b| b.base.downloads.and_then(|d| d.derivative_share),
        )
}

pub(super) fn derivatives_rows(
    census: &Census,
    params: &Params,
) -> Result<Vec<BaseRow>, QueryError> {
    let view = derivatives(
        census,
        &DerivativesQuery {
            top: params.top.unwrap_or(usize::MAX),
            as_of: params.as_of.clone(),
            filter: params.filter.clone(),
        },
    )?;
    Ok(view
        .bases
        .into_iter()
        .map(|base| BaseRow {
            as_of: view.as_of,
            base,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// registry: every namespace link with its organization's facts, sources and dates

pub(super) struct NamespaceRow {
    namespace: String,
    role: Option<String>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    namespace_source: Option<String>,
    organization_id: String,
    organization: String,
    parent_id: Option<String>,
    parent_source: Option<String>,
    multinational: bool,
    country: Option<String>,
    region: Option<&'static str>,
    country_source: Option<String>,
    country_stated_for: Option<String>,
    contributor_type: Option<&'static str>,
    contributor_source: Option<String>,
    contributor_stated_for: Option<String>,
    file: String,
    version: String,
}

pub(super) fn registry_columns<'a>() -> Columns<'a, NamespaceRow> {
    Columns::new()
        .text("namespace", "the Hub namespace", |n: &NamespaceRow| n.namespace.clone())
        .opt_text("role", "primary, alias or former (as written; null if unknown)", |n| n.role.clone())
        .opt_time("valid_from", "the link holds from this time (inclusive); null: always", |n| n.from)
        .opt_time("valid_to", "until this time (exclusive); null: still", |n| n.to)
        .opt_text("namespace_source", "the source of the link", |n| n.namespace_source.clone())
        .text("organization_id", "the registry's id of the organization", |n| n.organization_id.clone())
        .text("organization", "its display name", |n| n.organization.clone())
        .opt_text("parent_id", "the parent organization's registry id", |n| n.parent_id.clone())
        .opt_text("parent_source", "the source of the parent link", |n| n.parent_source.clone())
        .flag("multinational", "operates in several countries; country is its legal home", |n| n.multinational)
        .opt_text("country", "ISO 3166-1 alpha-2 country the namespace's models count for (its own, else an ancestor's)", |n| n.country.clone())
        .opt_text("region", "US, China, Europe or Other, from country", |n| n.region.map(str::to_owned))
        .opt_text("country_source", "the source of the country fact", |n| n.country_source.clone())
        .opt_text("country_stated_for", "the ancestor organization the country is stated for; null: the organization itself", |n| n.country_stated_for.clone())
        .opt_text("contributor_type", "the contributor type the namespace's models count as", |n| n.contributor_type.map(str::to_owned))
        .opt_text("contributor_source", "the source of the contributor type", |n| n.contributor_source.clone())
        .opt_text("contributor_stated_for", "the ancestor the type is stated for; null: the organization itself", |n| n.contributor_stated_for.clone())
        .text("file", "the registry file holding the entry", |n| n.file.clone())
        .text("registry_version", "the registry's version", |n| n.version.clone())
}

pub(super) fn registry_rows() -> Vec<NamespaceRow> {
    let registry = Registry::embedded();
    let version = registry.version();
    let mut rows = Vec::new();
    for organization in registry.organizations() {
        for link in &organization.namespaces {
            // The facts as attribution applies them at a time the link holds (inherited from
            // ancestors where the organization states none).
            let at = link.from.unwrap_or(Timestamp::from_millis(0));
            let entry = registry
                .entry(&link.name, at)
                .filter(|entry| entry.organization.id == organization.id);
            let stated_for = |from: &hubcensus_registry::Organization| {
                (from.id != organization.id).then(|| from.id.clone())
            };
            let country = entry.as_ref().and_then(|e| e.country.as_ref());
            let contributor = entry.as_ref().and_then(|e| e.contributor.as_ref());
            rows.push(NamespaceRow {
                namespace: link.name.clone(),
                role: link
                    .role
                    .map(|role| role.as_str().to_owned())
                    .or_else(|| link.role_text.clone()),
                from: link.from,
                to: link.to,
                namespace_source: link.source.clone(),
                organization_id: organization.id.clone(),
                organization: organization.name.clone(),
                parent_id: organization.parent.clone(),
                parent_source: organization.sources.parent.clone(),
                multinational: organization.multinational,
                country: country.map(|fact| fact.value.to_owned()),
                region: country.map(|fact| Region::of_country(fact.value).as_str()),
                country_source: country.and_then(|fact| fact.source.map(str::to_owned)),
                country_stated_for: country.and_then(|fact| stated_for(fact.from)),
                contributor_type: contributor.map(|fact| ContributorType::as_str(fact.value)),
                contributor_source: contributor.and_then(|fact| fact.source.map(str::to_owned)),
                contributor_stated_for: contributor.and_then(|fact| stated_for(fact.from)),
                file: organization.file.clone(),
                version: version.clone(),
            });
        }
    }
    rows.sort_by(|a, b| {
        a.namespace
            .cmp(&b.namespace)
            .then_with(|| a.from.cmp(&b.from))
            .then_with(|| a.organization_id.cmp(&b.organization_id))
    });
    rows
}

// ---------------------------------------------------------------------------------------------
// evals

pub(super) fn evals_columns<'a>() -> Columns<'a, EvalRecord> {
    Columns::new()
        .text("model", "the model name exactly as the source wrote it", |r: &EvalRecord| r.model.clone())
        .opt_text("hub_id", "the Hub id it was matched to; null when unmatched (never guessed)", |r| r.hub_id.as_ref().map(ToString::to_string))
        .text("benchmark", "the canonical benchmark name", |r| r.benchmark.clone())
        .text("metric", "what was measured within the benchmark", |r| r.metric.clone())
        .number("value", "the score as published (the source's unit; compare only within one benchmark, metric and source)", |r| r.value)
        .opt_text("setting", "a run setting distinguishing results of one model (e.g. bfloat16)", |r| r.setting.clone())
        .flag("higher_is_better", "false for metrics where lower is better", |r| r.higher_is_better)
        .text("source", "who published the number", |r| r.source.clone())
        .opt_text("date", "when it was published, YYYY-MM-DD, when the source says", |r| r.date.clone())
        .text("format", "the importer that read it", |r| r.format.clone())
}

pub(super) fn evals_rows(census: &Census) -> Result<Vec<EvalRecord>, QueryError> {
    crate::views::evidence::records(census.dir())
}

// ---------------------------------------------------------------------------------------------
// snapshots

pub(super) struct SnapshotRow {
    info: hubcensus_model::SnapshotInfo,
    totals: hubcensus_store::Totals,
    schema_version: u32,
    content_hash: String,
}

pub(super) fn snapshots_columns<'a>() -> Columns<'a, SnapshotRow> {
    Columns::new()
        .time(
            "as_of",
            "the time the snapshot stands for",
            |s: &SnapshotRow| s.info.as_of,
        )
        .count("models", "models in the snapshot", |s| s.info.models)
        .text(
            "source",
            "where it came from (hub-api, hub-stats, archive, json, demo)",
            |s| s.info.source.as_str().to_owned(),
        )
        .text("source_location", "the path or URL given at import", |s| {
            s.info.source_location.clone()
        })
        .text(
            "era",
            "all_time (carries downloadsAllTime) or thirty_day_only",
            |s| {
                match s.info.era() {
                    Era::AllTime => "all_time",
                    Era::ThirtyDayOnly => "thirty_day_only",
                }
                .to_owned()
            },
        )
        .opt_time("crawl_started", "when the crawl began", |s| {
            s.info.crawl_started
        })
        .opt_time("crawl_ended", "when the crawl ended", |s| {
            s.info.crawl_ended
        })
        .int(
            "downloads_30d",
            "the sum of the Hub's 30-day downloads; null when the source had none",
            |s| s.totals.downloads_30d.map(int),
        )
        .int(
            "downloads_all_time",
            "the sum of all-time downloads; null when the source had none",
            |s| s.totals.downloads_all_time.map(int),
        )
        .flag("partial", "a top-N or otherwise incomplete listing", |s| {
            s.info.partial
        })
        .flag("synthetic", "synthetic demo data", |s| s.info.synthetic)
        .text(
            "columns",
            "the columns the source carried, comma-separated",
            |s| s.info.columns.join(","),
        )
        .count(
            "schema_version",
            "the store format version it was written in",
            |s| u64::from(s.schema_version),
        )
        .text("content_hash", "sha256 over the snapshot's records", |s| {
            s.content_hash.clone()
        })
}

pub(super) fn snapshots_rows(census: &Census) -> Result<Vec<SnapshotRow>, QueryError> {
    let mut rows: Vec<SnapshotRow> = census
        .store()
        .snapshots()
        .iter()
        .map(|info| {
            let manifest = census.store().manifest(info.as_of).ok_or_else(|| {
                QueryError::Bug(format!(
                    "no manifest for the listed snapshot {}",
                    info.as_of
                ))
            })?;
            Ok(SnapshotRow {
                info: info.clone(),
                totals: manifest.totals.clone(),
                schema_version: manifest.schema_version,
                content_hash: manifest.content_hash.clone(),
            })
        })
        .collect::<Result<_, QueryError>>()?;
    rows.sort_by_key(|row| row.info.as_of);
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// series: one row per model and window (the model page's and the comparison's chart)

pub(super) struct SeriesRow {
    pub(super) id: String,
    pub(super) week: crate::views::history::ModelWeek,
}

pub(super) fn series_columns<'a>() -> Columns<'a, SeriesRow> {
    Columns::new()
        .text("model_id", "the model's current id", |r: &SeriesRow| {
            r.id.clone()
        })
        .time("window_from", "the window's start (excluded)", |r| {
            r.week.from
        })
        .time("window_to", "the window's end (included)", |r| r.week.to)
        .int(
            "downloads",
            "the model's downloads in the window (null: not counted in it)",
            |r| r.week.downloads.map(int),
        )
        .float(
            "share",
            "of the window's downloads, 0 to 1 (null: not counted, or a window without downloads)",
            |r| r.week.share,
        )
        .int(
            "rank",
            "rank in the window's working set (top 200; null outside it)",
            |r| r.week.rank.map(int),
        )
}
