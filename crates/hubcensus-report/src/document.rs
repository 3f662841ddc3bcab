//! The report laid out once, as sections of figure cards, tables, charts and text, so that the
//! HTML and the Markdown renderers show the same content (Markdown shows a chart as its data
//! table). Strings here are formatted but not escaped: each renderer escapes for its language.

use crate::format;
use crate::methodology::{self, Block as TextBlock};
use crate::svg;
use crate::view::{ActionList, Population, RankChange, ReportView, Series, ShareTable, Unit};

pub struct Document {
    pub title: String,
    pub synthetic: bool,
    /// The partial-data banner, when some snapshots are partial.
    pub partial: Option<String>,
    /// Lines under the title: period, filters, generator, snapshots, registry.
    pub meta: Vec<(String, String)>,
    pub sections: Vec<Section>,
}

pub struct Section {
    /// The HTML anchor (fixed ASCII, never user text).
    pub id: &'static str,
    pub title: String,
    pub intro: Option<String>,
    pub blocks: Vec<Block>,
}

pub enum Block {
    /// Figure cards under one statement of their common population.
    Cards {
        /// The population most of the cards share, in words.
        population: String,
        cards: Vec<Card>,
    },
    Table(Table),
    /// A chart and the table of the data it draws. The chart is drawn once per canvas (wide
    /// and narrow, or square); the page shows the one that fits.
    Chart {
        svgs: Vec<String>,
        table: Table,
    },
    Paragraphs(Vec<String>),
    /// A paragraph that points to another section: `before`, a link to section `anchor` reading
    /// `link` (plain text in Markdown), `after`.
    Pointer {
        before: String,
        anchor: &'static str,
        link: String,
        after: String,
    },
    /// Terms and what they mean, e.g. a table's column headings.
    Definitions(Vec<(String, String)>),
    Text(Vec<TextBlock>),
}

pub struct Card {
    pub label: String,
    pub value: String,
    /// What the value is out of, set smaller beside it ("of 10,000" for an HHI).
    pub scale: Option<&'static str>,
    /// The parts of the card's population that differ from the block's (which they replace),
    /// or `None` when the block's population is the card's.
    pub population: Option<String>,
    pub note: Option<String>,
}

pub struct Table {
    pub caption: String,
    pub population: Option<String>,
    pub headers: Vec<String>,
    /// What each column holds, which decides how it is aligned and where its text may wrap.
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
}

/// What a table column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// Numbers: right-aligned, never wrapped.
    Number,
    /// Words: wrapped between words, never inside one ("nonprofit", "unclassified organization").
    Text,
    /// Model ids: wrapped after a `/`, `-`, `_` or `.`, never inside a part of the id.
    Id,
}

impl Table {
    fn new(
        caption: impl Into<String>,
        population: Option<&Population>,
        headers: &[(&str, Column)],
    ) -> Self {
        Self {
            caption: caption.into(),
            population: population.map(format::population),
            headers: headers.iter().map(|(h, _)| (*h).to_owned()).collect(),
            columns: headers.iter().map(|(_, c)| *c).collect(),
            rows: Vec::new(),
        }
    }
}

/// Figure cards. Their population is stated once, above them, part by part the one most cards
/// share; a card states only the parts where its own differs (the same long sentence on every
/// card was read by no one).
fn cards(figures: &[crate::view::Figure]) -> Block {
    let parts: Vec<[String; 4]> = figures
        .iter()
        .map(|figure| format::population_parts(&figure.population))
        .collect();
    let common: Vec<&str> = (0..4)
        .map(|part| most_common(parts.iter().map(|p| p[part].as_str())))
        .collect();
    let cards = figures
        .iter()
        .zip(&parts)
        .map(|(figure, parts)| {
            let (value, scale) = format::value_and_scale(figure.value, figure.unit);
            let own: Vec<&str> = parts
                .iter()
                .zip(&common)
                .filter(|(part, common)| part.as_str() != **common)
                .map(|(part, _)| part.as_str())
                .collect();
            Card {
                label: figure.label.clone(),
                value,
                scale,
                population: (!own.is_empty()).then(|| own.join("; ")),
                note: figure.note.clone(),
            }
        })
        .collect();
    Block::Cards {
        population: common.join("; "),
        cards,
    }
}

/// The value that occurs most often; of equally frequent ones, the first.
fn most_common<'a>(values: impl Iterator<Item = &'a str>) -> &'a str {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for value in values {
        match counts.iter_mut().find(|(seen, _)| *seen == value) {
            Some((_, count)) => *count += 1,
            None => counts.push((value, 1)),
        }
    }
    let mut best: Option<(&str, usize)> = None;
    for (value, count) in counts {
        if best.is_none_or(|(_, most)| count > most) {
            best = Some((value, count));
        }
    }
    best.map_or("", |(value, _)| value)
}

fn share_table(table: &ShareTable) -> Table {
    let mut out = Table::new(
        format!(
            "Share of {} downloads by {}",
            format::compact(table.total_downloads),
            table.dimension.to_lowercase()
        ),
        Some(&table.population),
        &[
            (table.dimension.as_str(), Column::Text),
            ("Models", Column::Number),
            ("Downloads", Column::Number),
            ("Share", Column::Number),
        ],
    );
    out.rows = table
        .rows
        .iter()
        .map(|row| {
            vec![
                row.group.clone(),
                format::grouped(row.models),
                format::grouped(row.downloads),
                format::share(row.share),
            ]
        })
        .collect();
    out.rows.push(vec![
        "Total".to_owned(),
        format::grouped(table.rows.iter().map(|r| r.models).sum()),
        format::grouped(table.total_downloads),
        if table.total_downloads == 0 {
            format::UNDEFINED.to_owned()
        } else {
            format::share(Some(1.0))
        },
    ]);
    out
}

/// The data table under a chart: one row per period, one column per group.
fn series_table(series: &Series) -> Table {
    let mut headers: Vec<(&str, Column)> = vec![("Period", Column::Text)];
    headers.extend(
        series
            .groups
            .iter()
            .map(|g| (g.name.as_str(), Column::Number)),
    );
    let mut table = Table::new(series.title.clone(), Some(&series.population), &headers);
    table.rows = series
        .periods
        .iter()
        .enumerate()
        .map(|(index, period)| {
            let mut row = vec![period.clone()];
            row.extend(series.groups.iter().map(|group| {
                format::value(group.values.get(index).copied().flatten(), series.unit)
            }));
            row
        })
        .collect();
    table
}

fn area_chart(series: &Series, id: &str) -> Block {
    Block::Chart {
        svgs: vec![
            svg::stacked_area(series, id, &svg::WIDE),
            svg::stacked_area(series, id, &svg::NARROW),
        ],
        table: series_table(series),
    }
}

fn line_chart(series: &Series, id: &str) -> Block {
    Block::Chart {
        svgs: vec![
            svg::line_chart(series, id, &svg::WIDE),
            svg::line_chart(series, id, &svg::NARROW),
        ],
        table: series_table(series),
    }
}

/// How many of the models to track "What to do" lists: the whole working set is the table of
/// its own section, shown once.
const TRACK_EXCERPT: usize = 10;

/// How many items of a "What to do" list the document shows (the JSON has them all).
const ACTION_EXCERPT: usize = 20;

fn action_block(list: &ActionList) -> Vec<Block> {
    let mut blocks = vec![Block::Paragraphs(vec![list.rationale.clone()])];
    let title = if list.items.len() > ACTION_EXCERPT {
        format!(
            "{}: the first {ACTION_EXCERPT} of {}",
            list.title,
            list.items.len()
        )
    } else {
        list.title.clone()
    };
    let mut table = Table::new(
        title,
        Some(&list.population),
        &[("Model", Column::Id), ("Why", Column::Text)],
    );
    table.rows = list
        .items
        .iter()
        .take(ACTION_EXCERPT)
        .map(|item| vec![item.model.clone(), item.detail.clone()])
        .collect();
    blocks.push(Block::Table(table));
    blocks
}

/// The view with the population filters stated in every population's models, so no figure
/// can be read without them (METHODS.md: every figure carries its population).
fn with_filters(view: &ReportView) -> ReportView {
    let mut view = view.clone();
    if !view.filters.is_empty() {
        let filters = view.filters_text();
        for population in view.populations_mut() {
            population.models = format!("{} (filtered: {filters})", population.models);
        }
    }
    view
}

#[must_use]
pub fn layout(view: &ReportView) -> Document {
    let view = &with_filters(view);
    let mut meta = vec![
        ("Period".to_owned(), view.period.clone()),
        ("Filters".to_owned(), view.filters_text()),
    ];
    if view.synthetic {
        meta.push((
            "Data".to_owned(),
            "synthetic demo data generated by hubcensus demo, not observed on the Hub".to_owned(),
        ));
    }
    meta.push(("Generator".to_owned(), view.generator.clone()));
    meta.push(("Registry".to_owned(), view.registry_version.clone()));
    meta.push((
        "Snapshots".to_owned(),
        if view.snapshots.is_empty() {
            "none".to_owned()
        } else {
            let first = &view.snapshots[0];
            let last = &view.snapshots[view.snapshots.len() - 1];
            format!(
                "{} ({} to {}; {} to {} models)",
                view.snapshots.len(),
                format::date(&first.taken_at),
                format::date(&last.taken_at),
                format::grouped(first.models),
                format::grouped(last.models)
            )
        },
    ));

    let mut sections = Vec::new();

    sections.push(Section {
        id: "headline",
        title: "Headline figures".to_owned(),
        intro: Some(
            "Each figure states its population: which models, which downloads, which window and \
             which attribution."
                .to_owned(),
        ),
        blocks: vec![cards(&view.headline)],
    });

    let mut geography = Vec::new();
    for origin in &view.geography.origins {
        geography.push(Block::Paragraphs(vec![format!(
            "Origin mode: {} ({}).",
            origin.mode,
            match origin.mode.as_str() {
                "uploader" => "the country of the account that uploaded the model",
                "lineage" => "the country of the model's lineage root's author, else the uploader",
                _ => "as stated",
            }
        )]));
        geography.push(area_chart(
            &origin.regions_over_time,
            &format!("geo-{}", chart_id(&origin.mode)),
        ));
        geography.push(Block::Table(share_table(&origin.regions)));
        geography.push(Block::Table(share_table(&origin.countries)));
    }
    sections.push(Section {
        id: "geography",
        title: "Geography".to_owned(),
        intro: Some(
            "Shares of window downloads by region and country. Unattributed downloads are a \
             bucket of their own and stay in the denominator."
                .to_owned(),
        ),
        blocks: geography,
    });

    sections.push(Section {
        id: "builders",
        title: "Who builds".to_owned(),
        intro: Some("Shares of window downloads by contributor type, and credible releases (models that entered the working set within 90 days of creation) per quarter of creation.".to_owned()),
        blocks: vec![
            area_chart(&view.builders.types_over_time, "types"),
            Block::Table(share_table(&view.builders.types)),
            line_chart(&view.builders.credible_releases, "credible"),
        ],
    });

    let concentration = &view.concentration;
    sections.push(Section {
        id: "concentration",
        title: "Concentration".to_owned(),
        intro: None,
        blocks: vec![
            cards(&concentration.figures),
            line_chart(&concentration.top_k_share_over_time, "topk"),
            Block::Chart {
                svgs: vec![svg::lorenz(
                    &concentration.lorenz,
                    "Lorenz curve of window downloads",
                    "lorenz",
                )],
                table: lorenz_table(&concentration.lorenz, &concentration.lorenz_population),
            },
        ],
    });

    let working = &view.working_set;
    let mut top = Table::new(
        format!(
            "The working set: top {} models, {}",
            working.k, working.week
        ),
        Some(&working.population),
        &[
            ("Rank", Column::Number),
            ("Change", Column::Number),
            ("Model", Column::Id),
            ("Window downloads", Column::Number),
            ("Country (uploader)", Column::Text),
            ("Country (lineage)", Column::Text),
            ("Type", Column::Text),
        ],
    );
    top.rows = working
        .rows
        .iter()
        .map(|row| {
            vec![
                row.rank.to_string(),
                format::rank_change(row.change),
                row.model.clone(),
                format::grouped(row.downloads),
                row.country.clone(),
                row.lineage_country.clone(),
                row.contributor_type.clone(),
            ]
        })
        .collect();
    let moves = |caption: String, moves: &[crate::view::Move], rank: &str| {
        let mut table = Table::new(
            caption,
            Some(&working.population),
            &[
                (rank, Column::Number),
                ("Model", Column::Id),
                ("Window downloads", Column::Number),
                ("Type", Column::Text),
            ],
        );
        table.rows = moves
            .iter()
            .map(|m| {
                vec![
                    m.rank.to_string(),
                    m.model.clone(),
                    format::grouped(m.downloads),
                    m.contributor_type.clone(),
                ]
            })
            .collect();
        table
    };
    let mut families = Table::new(
        "Families: quantized and adapter derivatives folded into their base",
        Some(&working.population),
        &[
            ("Rank", Column::Number),
            ("Base", Column::Id),
            ("Members", Column::Number),
            ("Window downloads", Column::Number),
            ("Share", Column::Number),
        ],
    );
    families.rows = working
        .families
        .iter()
        .map(|f| {
            vec![
                f.rank.to_string(),
                f.base.clone(),
                format::grouped(f.members),
                format::grouped(f.downloads),
                format::share(f.share),
            ]
        })
        .collect();
    let new_count = working
        .rows
        .iter()
        .filter(|r| r.change == RankChange::New)
        .count();
    sections.push(Section {
        id: "working-set",
        title: "The working set".to_owned(),
        intro: Some(format!(
            "The top {} models hold {} of the window's downloads; churn against the previous window is {} ({} entries, {} exits).",
            working.k,
            format::share(working.share_of_downloads),
            working.churn.map_or_else(|| "not defined for the first window".to_owned(), |c| format::share(Some(c))),
            working.entries.len().max(new_count),
            working.exits.len()
        )),
        blocks: vec![
            Block::Table(top),
            Block::Table(moves(format!("Entries this week ({})", working.entries.len()), &working.entries, "Rank")),
            Block::Table(moves(format!("Exits this week ({})", working.exits.len()), &working.exits, "Last rank")),
            Block::Table(families),
        ],
    });

    let derivatives = &view.derivatives;
    let mut bases = Table::new(
        "Base models with the most derivatives",
        Some(&derivatives.population),
        &[
            ("Base", Column::Id),
            ("Direct", Column::Number),
            ("All descendants", Column::Number),
            ("By relation", Column::Text),
        ],
    );
    bases.rows = derivatives
        .top_bases
        .iter()
        .map(|b| {
            vec![
                b.model.clone(),
                format::grouped(b.direct),
                format::grouped(b.total),
                b.by_relation
                    .iter()
                    .map(|r| format!("{} {}", r.relation, format::grouped(r.count)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    let bars: Vec<(String, f64)> = derivatives
        .top_bases
        .iter()
        .map(|b| (b.model.clone(), b.total as f64))
        .collect();
    let mut mix = Table::new(
        "Relation mix: share of lineage edges",
        Some(&derivatives.population),
        &[
            ("Relation", Column::Text),
            ("Edges", Column::Number),
            ("Share", Column::Number),
        ],
    );
    mix.rows = derivatives
        .relation_mix
        .iter()
        .map(|r| {
            vec![
                r.relation.clone(),
                format::grouped(r.edges),
                format::share(r.share),
            ]
        })
        .collect();
    let mix_bars: Vec<(String, f64)> = derivatives
        .relation_mix
        .iter()
        .map(|r| (r.relation.clone(), r.share.unwrap_or(0.0)))
        .collect();
    let mut derivative_blocks = vec![
        Block::Chart {
            svgs: [&svg::WIDE, &svg::NARROW]
                .into_iter()
                .map(|canvas| {
                    svg::bar_chart(
                        "Base models by all descendants",
                        &bars,
                        Unit::Count,
                        "bases",
                        canvas,
                    )
                })
                .collect(),
            table: bases,
        },
        Block::Chart {
            svgs: [&svg::WIDE, &svg::NARROW]
                .into_iter()
                .map(|canvas| {
                    svg::bar_chart(
                        "Relation mix of lineage edges",
                        &mix_bars,
                        Unit::Share,
                        "mix",
                        canvas,
                    )
                })
                .collect(),
            table: mix,
        },
    ];
    if derivatives.cycles > 0 {
        derivative_blocks.push(Block::Paragraphs(vec![format!(
            "{} lineage cycles were found and broken.",
            format::grouped(derivatives.cycles)
        )]));
    }
    sections.push(Section {
        id: "derivatives",
        title: "Derivative ecosystems".to_owned(),
        intro: None,
        blocks: derivative_blocks,
    });

    let actions = &view.actions;
    let mut action_blocks = action_block(&actions.review_defaults);
    action_blocks.extend(action_block(&actions.evaluate_newcomers));
    let track = &actions.track;
    action_blocks.push(Block::Paragraphs(vec![track.rationale.clone()]));
    action_blocks.push(Block::Pointer {
        before: format!("{}: every one is in the table of ", track.title),
        anchor: "working-set",
        link: "the working set".to_owned(),
        after: if track.items.len() > TRACK_EXCERPT {
            format!(
                " above, with its rank, downloads, countries and type. The first {TRACK_EXCERPT}:"
            )
        } else {
            " above, with its rank, downloads, countries and type.".to_owned()
        },
    });
    if track.items.len() > TRACK_EXCERPT {
        let mut excerpt = Table::new(
            format!("{}: the first {TRACK_EXCERPT}", track.title),
            Some(&track.population),
            &[("Model", Column::Id), ("Why", Column::Text)],
        );
        excerpt.rows = track
            .items
            .iter()
            .take(TRACK_EXCERPT)
            .map(|item| vec![item.model.clone(), item.detail.clone()])
            .collect();
        action_blocks.push(Block::Table(excerpt));
    }
    sections.push(Section {
        id: "actions",
        title: "What to do".to_owned(),
        intro: None,
        blocks: action_blocks,
    });

    let quality = &view.data_quality;
    let mut windows = Table::new(
        "Windows",
        None,
        &[
            ("Window", Column::Text),
            ("Days", Column::Number),
            ("Missed week", Column::Text),
            ("Unmatched", Column::Number),
            ("Disappeared", Column::Number),
            ("Negative", Column::Number),
            ("Downloads clamped", Column::Number),
        ],
    );
    windows.rows = quality
        .windows
        .iter()
        .map(|w| {
            vec![
                w.window.clone(),
                w.days.to_string(),
                if w.missed_week { "yes" } else { "no" }.to_owned(),
                format::grouped(w.unmatched),
                format::grouped(w.disappeared),
                format::grouped(w.negative),
                format::grouped(w.negative_downloads),
            ]
        })
        .collect();
    let mut quality_text = vec![format!(
        "Attribution coverage: {} of downloads have a country, {} have a contributor type.",
        format::share(quality.country_coverage),
        format::share(quality.type_coverage)
    )];
    quality_text.extend(quality.notes.iter().cloned());
    sections.push(Section {
        id: "data-quality",
        title: "Data quality".to_owned(),
        intro: Some(
            "What the figures could not use or had to correct, window by window; the columns \
             are defined under the table."
                .to_owned(),
        ),
        blocks: vec![
            Block::Paragraphs(quality_text),
            Block::Table(windows),
            Block::Definitions(quality_columns()),
        ],
    });

    sections.push(Section {
        id: "methodology",
        title: "Methodology".to_owned(),
        intro: None,
        blocks: vec![Block::Text(methodology::parse(&view.methodology))],
    });

    Document {
        title: view.display_title(),
        synthetic: view.synthetic,
        partial: view.partial.clone(),
        meta,
        sections,
    }
}

/// The data-quality table's columns in words, shown under it: a reader meets "downloads
/// clamped" there and nowhere else.
fn quality_columns() -> Vec<(String, String)> {
    [
        (
            "Missed week",
            "yes when a weekly snapshot is missing, so the window is longer than planned; it is \
             reported as one long window, never split.",
        ),
        (
            "Unmatched",
            "models seen only in the later snapshot and created before the window began (or at \
             an unknown time): not counted.",
        ),
        (
            "Disappeared",
            "models seen only in the earlier snapshot: not counted.",
        ),
        (
            "Negative",
            "models whose downloadsAllTime fell during the window (a negative difference). \
             Each counts as 0 downloads in every figure of this report.",
        ),
        (
            "Downloads clamped",
            "the size of those falls, added up: the negative models' differences summed, without \
             their sign. Counting each negative model as 0 keeps these downloads from being \
             subtracted from any total, share or ranking.",
        ),
    ]
    .into_iter()
    .map(|(term, meaning)| (term.to_owned(), meaning.to_owned()))
    .collect()
}

/// A chart id from free text: ASCII letters and digits only.
fn chart_id(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The Lorenz curve's data as deciles (a table of every point would be as long as the data).
fn lorenz_table(points: &[[f64; 2]], population: &Population) -> Table {
    let mut table = Table::new(
        "Lorenz curve at deciles of models",
        Some(population),
        &[
            ("Share of models (poorest first)", Column::Number),
            ("Share of downloads", Column::Number),
        ],
    );
    if points.is_empty() {
        return table;
    }
    for decile in 1..=10 {
        let target = f64::from(decile) / 10.0;
        // Linear interpolation between the points around the target.
        let value = match points.iter().position(|p| p[0] >= target) {
            Some(0) => points[0][1],
            Some(index) => {
                let [x0, y0] = points[index - 1];
                let [x1, y1] = points[index];
                if x1 > x0 {
                    y0 + (y1 - y0) * (target - x0) / (x1 - x0)
                } else {
                    y1
                }
            }
            None => points[points.len() - 1][1],
        };
        table.rows.push(vec![
            format::share(Some(target)),
            format::share(Some(value)),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population() -> Population {
        Population {
            models: "m".into(),
            downloads: "d".into(),
            window: "w".into(),
            attribution: "a".into(),
            coverage: None,
        }
    }

    #[test]
    fn lorenz_deciles_interpolate_between_points() {
        let cases: [(&[[f64; 2]], &str, &str); 3] = [
            // Perfect equality: the decile shares equal the model shares.
            (&[[0.0, 0.0], [1.0, 1.0]], "30.0%", "100.0%"),
            // All downloads in the last model.
            (&[[0.0, 0.0], [0.9, 0.0], [1.0, 1.0]], "0.0%", "100.0%"),
            // A kink at half the models holding a tenth of the downloads.
            (&[[0.0, 0.0], [0.5, 0.1], [1.0, 1.0]], "6.0%", "100.0%"),
        ];
        for (points, third_decile, last) in cases {
            let table = lorenz_table(points, &population());
            assert_eq!(table.rows.len(), 10);
            assert_eq!(table.rows[2][1], third_decile, "{points:?}");
            assert_eq!(table.rows[9][1], last);
        }
        assert!(lorenz_table(&[], &population()).rows.is_empty());
    }

    #[test]
    fn cards_state_the_common_population_once_and_their_own_differences() {
        let figure = |attribution: &str, coverage: Option<f64>| crate::view::Figure {
            id: "f".into(),
            label: "F".into(),
            value: Some(1.0),
            unit: crate::view::Unit::Count,
            population: Population {
                attribution: attribution.into(),
                coverage,
                ..population()
            },
            note: None,
        };
        let Block::Cards {
            population,
            cards: laid_out,
        } = cards(&[
            figure("a", None),
            figure("origin: lineage", Some(0.5)),
            figure("a", None),
        ])
        else {
            panic!("not cards");
        };
        assert_eq!(population, "m; d; w; a");
        let own: Vec<Option<&str>> = laid_out.iter().map(|c| c.population.as_deref()).collect();
        assert_eq!(
            own,
            [
                None,
                Some("origin: lineage; attribution coverage 50.0%"),
                None
            ]
        );
        // One card: its whole population is the block's.
        let Block::Cards {
            population,
            cards: laid_out,
        } = cards(&[figure("a", None)])
        else {
            panic!("not cards");
        };
        assert_eq!(population, "m; d; w; a");
        assert!(laid_out[0].population.is_none());
        assert_eq!(most_common(["x", "y", "y", "x"].into_iter()), "x");
        assert_eq!(most_common(std::iter::empty()), "");
    }

    #[test]
    fn chart_ids_are_plain_ascii() {
        assert_eq!(chart_id("Up<loader> \"x\""), "up-loader---x-");
    }
}
