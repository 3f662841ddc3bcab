//! Hand-written SVG charts: stacked area, multi-line, horizontal bars and the Lorenz curve.
//!
//! Every chart has axes with units and tick labels, a legend when it shows several groups, and an
//! accessible `<title>`/`<desc>`. Every text node and attribute value goes through
//! [`escape::xml`]. The palette (viridis samples) has monotone lightness, and lines also differ
//! by dash pattern, so charts stay readable when printed in greyscale. Coordinates are written
//! with one decimal so output is byte-for-byte stable.

use std::fmt::Write as _;

use crate::escape;
use crate::format;
use crate::view::{Series, Unit};

/// Viridis samples, dark to light: distinct in greyscale too.
const PALETTE: [&str; 8] = [
    "#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725",
];
/// Dash patterns for lines, so they differ without colour.
const DASHES: [&str; 6] = ["", "6 3", "2 3", "8 3 2 3", "12 4", "1 2"];

const WIDTH: f64 = 640.0;
const PLOT_HEIGHT: f64 = 240.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 14.0;
const AXIS_BAND: f64 = 44.0;
const LEGEND_ROW: f64 = 20.0;
const LEGEND_COLUMNS: usize = 3;

/// Colour of group `index` among `count` groups: spread over the palette.
fn colour(index: usize, count: usize) -> &'static str {
    if count <= 1 {
        return PALETTE[2];
    }
    let position = index * (PALETTE.len() - 1) / (count - 1).max(1);
    PALETTE[position.min(PALETTE.len() - 1)]
}

/// Colour of line `index` among `count`: the palette without its lightest entries, which are
/// too faint as thin lines on white.
fn line_colour(index: usize, count: usize) -> &'static str {
    const DARKEST: usize = 6;
    if count <= 1 {
        return PALETTE[2];
    }
    PALETTE[(index * (DARKEST - 1) / (count - 1)).min(DARKEST - 1)]
}

fn open(out: &mut String, id: &str, height: f64, title: &str, description: &str) {
    let id = escape::xml(id);
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH:.0} {height:.0}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" preserveAspectRatio=\"xMidYMid meet\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape::xml(title),
        escape::xml(description)
    );
}

/// "Nice" axis ticks from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten.
/// Round ticks covering `max` and the axis top they give (the last tick).
fn nice_axis(max: f64) -> (Vec<f64>, f64) {
    let ticks = nice_ticks(max);
    let top = ticks.last().copied().unwrap_or(1.0);
    (ticks, top)
}

fn nice_ticks(max: f64) -> Vec<f64> {
    if !(max.is_finite() && max > 0.0) {
        return vec![0.0, 1.0];
    }
    let rough = max / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * magnitude);
    let count = (max / step).ceil() as usize;
    (0..=count.max(1)).map(|i| i as f64 * step).collect()
}

fn tick_label(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Share => format!("{:.0}%", value * 100.0),
        Unit::Coefficient => format!("{value:.2}"),
        Unit::Count | Unit::Downloads | Unit::Hhi => format::compact(value.max(0.0) as u64),
    }
}

fn unit_label(unit: Unit) -> &'static str {
    match unit {
        Unit::Share => "share (%)",
        Unit::Count => "count",
        Unit::Downloads => "downloads",
        Unit::Coefficient => "coefficient",
        Unit::Hhi => "HHI (0 to 10,000)",
    }
}

/// The frame shared by area and line charts: y grid and labels, x labels, axis titles.
struct Frame {
    y_max: f64,
    periods: usize,
    plot_width: f64,
}

impl Frame {
    fn x(&self, index: usize) -> f64 {
        if self.periods <= 1 {
            LEFT + self.plot_width / 2.0
        } else {
            LEFT + self.plot_width * index as f64 / (self.periods - 1) as f64
        }
    }

    fn y(&self, value: f64) -> f64 {
        TOP + PLOT_HEIGHT - PLOT_HEIGHT * (value / self.y_max).clamp(0.0, 1.0)
    }

    fn draw_axes(&self, out: &mut String, ticks: &[f64], unit: Unit, periods: &[String]) {
        for tick in ticks {
            let y = self.y(*tick);
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{LEFT:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
                 <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                LEFT + self.plot_width,
                LEFT - 6.0,
                y + 4.0,
                escape::xml(&tick_label(*tick, unit))
            );
        }
        let base = TOP + PLOT_HEIGHT;
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{LEFT:.1}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>\
             <line class=\"axis\" x1=\"{LEFT:.1}\" y1=\"{TOP:.1}\" x2=\"{LEFT:.1}\" y2=\"{base:.1}\"/>",
            LEFT + self.plot_width
        );
        // At most about six labels fit under a 580-pixel axis.
        let step = periods.len().div_ceil(6).max(1);
        for (index, label) in periods.iter().enumerate() {
            let last = index + 1 == periods.len();
            if index % step != 0 && !last {
                continue;
            }
            if last && index % step != 0 && index % step < step / 2 + 1 {
                // Too close to the previous label: skip the last one rather than overlap.
                continue;
            }
            let x = self.x(index);
            // The last label ends at its tick so it stays inside the chart.
            let anchor = if last && periods.len() > 1 {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                out,
                "<line class=\"axis\" x1=\"{x:.1}\" y1=\"{base:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
                 <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                base + 4.0,
                base + 17.0,
                escape::xml(&escape::truncate(label, 12))
            );
        }
        let _ = write!(
            out,
            "<text class=\"axis-title\" x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" \
             transform=\"rotate(-90 14 {:.1})\">{}</text>",
            TOP + PLOT_HEIGHT / 2.0,
            TOP + PLOT_HEIGHT / 2.0,
            unit_label(unit)
        );
    }
}

/// Legend rows under the plot; returns nothing, draws at `top`.
fn legend(
    out: &mut String,
    names: &[String],
    top: f64,
    swatch: impl Fn(usize, f64, f64) -> String,
) {
    let column_width = (WIDTH - LEFT - RIGHT) / LEGEND_COLUMNS as f64;
    for (index, name) in names.iter().enumerate() {
        let column = index % LEGEND_COLUMNS;
        let row = index / LEGEND_COLUMNS;
        let x = LEFT + column as f64 * column_width;
        let y = top + row as f64 * LEGEND_ROW;
        let _ = write!(
            out,
            "<g class=\"legend\">{}<text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            swatch(index, x, y - 10.0),
            x + 22.0,
            y,
            escape::xml(&escape::truncate(name, 24))
        );
    }
}

fn legend_height(groups: usize) -> f64 {
    groups.div_ceil(LEGEND_COLUMNS) as f64 * LEGEND_ROW
}

fn empty_note(out: &mut String, height: f64) {
    let _ = write!(
        out,
        "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no data</text>",
        WIDTH / 2.0,
        height / 2.0
    );
}

/// Bands stacked from the bottom, one per group; undefined values count as zero.
#[must_use]
pub fn stacked_area(series: &Series, id: &str) -> String {
    let groups = series.groups.len();
    let height = TOP + PLOT_HEIGHT + AXIS_BAND + legend_height(groups);
    let mut out = String::new();
    open(
        &mut out,
        id,
        height,
        &series.title,
        &format!(
            "Stacked area chart, {} periods from {} to {}, {} groups: {}.",
            series.periods.len(),
            series.periods.first().map_or("", String::as_str),
            series.periods.last().map_or("", String::as_str),
            groups,
            series
                .groups
                .iter()
                .map(|g| g.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let periods = series.periods.len();
    let totals: Vec<f64> = (0..periods)
        .map(|p| {
            series
                .groups
                .iter()
                .map(|g| g.values.get(p).copied().flatten().unwrap_or(0.0).max(0.0))
                .sum()
        })
        .collect();
    let max_total = totals.iter().copied().fold(0.0, f64::max);
    let (ticks, y_max) = if series.unit == Unit::Share {
        (vec![0.0, 0.25, 0.5, 0.75, 1.0], max_total.max(1.0))
    } else {
        nice_axis(max_total)
    };
    let frame = Frame {
        y_max,
        periods,
        plot_width: WIDTH - LEFT - RIGHT,
    };
    // Grid and labels first: the bands cover the grid instead of being striped by it.
    frame.draw_axes(&mut out, &ticks, series.unit, &series.periods);
    if periods == 0 || groups == 0 {
        empty_note(&mut out, TOP + PLOT_HEIGHT);
    } else {
        let mut lower = vec![0.0; periods];
        for (index, group) in series.groups.iter().enumerate() {
            let upper: Vec<f64> = (0..periods)
                .map(|p| {
                    lower[p]
                        + group
                            .values
                            .get(p)
                            .copied()
                            .flatten()
                            .unwrap_or(0.0)
                            .max(0.0)
                })
                .collect();
            let mut points = String::new();
            if periods == 1 {
                // One period: draw a band across the plot.
                for x in [LEFT, LEFT + frame.plot_width] {
                    let _ = write!(points, "{x:.1},{:.1} ", frame.y(upper[0]));
                }
                for x in [LEFT + frame.plot_width, LEFT] {
                    let _ = write!(points, "{x:.1},{:.1} ", frame.y(lower[0]));
                }
            } else {
                for (p, value) in upper.iter().enumerate() {
                    let _ = write!(points, "{:.1},{:.1} ", frame.x(p), frame.y(*value));
                }
                for p in (0..periods).rev() {
                    let _ = write!(points, "{:.1},{:.1} ", frame.x(p), frame.y(lower[p]));
                }
            }
            let _ = write!(
                out,
                "<polygon class=\"band\" points=\"{}\" fill=\"{}\"><title>{}</title></polygon>",
                points.trim_end(),
                colour(index, groups),
                escape::xml(&group.name)
            );
            lower = upper;
        }
    }
    let names: Vec<String> = series.groups.iter().map(|g| g.name.clone()).collect();
    legend(
        &mut out,
        &names,
        TOP + PLOT_HEIGHT + AXIS_BAND,
        |index, x, y| {
            format!(
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"16\" height=\"12\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.5\"/>",
                colour(index, groups)
            )
        },
    );
    out.push_str("</svg>");
    out
}

/// One line per group, with point markers; undefined values break the line.
#[must_use]
pub fn line_chart(series: &Series, id: &str) -> String {
    let groups = series.groups.len();
    let show_legend = groups > 1;
    let height = TOP
        + PLOT_HEIGHT
        + AXIS_BAND
        + if show_legend {
            legend_height(groups)
        } else {
            0.0
        };
    let mut out = String::new();
    open(
        &mut out,
        id,
        height,
        &series.title,
        &format!(
            "Line chart, {} periods from {} to {}, {} series.",
            series.periods.len(),
            series.periods.first().map_or("", String::as_str),
            series.periods.last().map_or("", String::as_str),
            groups
        ),
    );
    let periods = series.periods.len();
    let max_value = series
        .groups
        .iter()
        .flat_map(|g| g.values.iter().copied().flatten())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (ticks, y_max) = if series.unit == Unit::Share {
        // Shares: a 0-100% axis unless every value is small, then a tighter one.
        if max_value > 0.5 || max_value <= 0.0 {
            (vec![0.0, 0.25, 0.5, 0.75, 1.0], 1.0)
        } else {
            nice_axis(max_value)
        }
    } else {
        nice_axis(max_value)
    };
    let frame = Frame {
        y_max,
        periods,
        plot_width: WIDTH - LEFT - RIGHT,
    };
    frame.draw_axes(&mut out, &ticks, series.unit, &series.periods);
    if periods == 0 || groups == 0 || max_value <= 0.0 && series.unit != Unit::Share {
        empty_note(&mut out, TOP + PLOT_HEIGHT);
    }
    for (index, group) in series.groups.iter().enumerate() {
        let stroke = line_colour(index, groups);
        let dash = DASHES[index % DASHES.len()];
        let dash_attribute = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let mut segment = String::new();
        let mut markers = String::new();
        let flush = |segment: &mut String, out: &mut String| {
            if !segment.is_empty() {
                let _ = write!(
                    out,
                    "<polyline class=\"line\" points=\"{}\" stroke=\"{stroke}\"{dash_attribute}/>",
                    segment.trim_end()
                );
                segment.clear();
            }
        };
        for p in 0..periods {
            match group
                .values
                .get(p)
                .copied()
                .flatten()
                .filter(|v| v.is_finite())
            {
                Some(value) => {
                    let (x, y) = (frame.x(p), frame.y(value));
                    let _ = write!(segment, "{x:.1},{y:.1} ");
                    let _ = write!(
                        markers,
                        "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{stroke}\"><title>{}: {}</title></circle>",
                        escape::xml(&group.name),
                        escape::xml(&tick_value(value, series.unit))
                    );
                }
                None => flush(&mut segment, &mut out),
            }
        }
        flush(&mut segment, &mut out);
        out.push_str(&markers);
    }
    if show_legend {
        let names: Vec<String> = series.groups.iter().map(|g| g.name.clone()).collect();
        legend(
            &mut out,
            &names,
            TOP + PLOT_HEIGHT + AXIS_BAND,
            |index, x, y| {
                let dash = DASHES[index % DASHES.len()];
                let dash_attribute = if dash.is_empty() {
                    String::new()
                } else {
                    format!(" stroke-dasharray=\"{dash}\"")
                };
                format!(
                    "<line class=\"legend-line\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" \
                 stroke=\"{}\"{dash_attribute}/>",
                    y + 6.0,
                    x + 16.0,
                    y + 6.0,
                    line_colour(index, groups)
                )
            },
        );
    }
    out.push_str("</svg>");
    out
}

fn tick_value(value: f64, unit: Unit) -> String {
    format::value(Some(value), unit)
}

/// Horizontal bars, one per item, with the value at the end of each bar.
#[must_use]
pub fn bar_chart(title: &str, bars: &[(String, f64)], unit: Unit, id: &str) -> String {
    const ROW: f64 = 22.0;
    const LABEL: f64 = 230.0;
    const VALUE: f64 = 70.0;
    let height = TOP + ROW * bars.len().max(1) as f64 + AXIS_BAND;
    let mut out = String::new();
    open(
        &mut out,
        id,
        height,
        title,
        &format!("Horizontal bar chart of {} items.", bars.len()),
    );
    let max_value = bars
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let ticks = if unit == Unit::Share && max_value > 0.5 {
        vec![0.0, 0.25, 0.5, 0.75, 1.0]
    } else {
        nice_ticks(max_value)
    };
    let x_max = ticks.last().copied().unwrap_or(1.0);
    let plot_width = WIDTH - LABEL - VALUE;
    let scale = |value: f64| plot_width * (value / x_max).clamp(0.0, 1.0);
    let base = TOP + ROW * bars.len().max(1) as f64;
    for tick in &ticks {
        let x = LABEL + scale(*tick);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{TOP:.1}\" x2=\"{x:.1}\" y2=\"{base:.1}\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            base + 16.0,
            escape::xml(&tick_label(*tick, unit))
        );
    }
    for (index, (label, value)) in bars.iter().enumerate() {
        let y = TOP + ROW * index as f64;
        let width = if value.is_finite() {
            scale(*value)
        } else {
            0.0
        };
        let fill = PALETTE[2];
        let _ = write!(
            out,
            "<text class=\"bar-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar\" x=\"{LABEL:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{fill}\">\
             <title>{}: {}</title></rect>\
             <text class=\"bar-value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            LABEL - 6.0,
            y + 15.0,
            escape::xml(&escape::truncate(label, 34)),
            y + 3.0,
            ROW - 6.0,
            escape::xml(label),
            escape::xml(&tick_value(*value, unit)),
            LABEL + width + 4.0,
            y + 15.0,
            escape::xml(&tick_value(*value, unit))
        );
    }
    if bars.is_empty() {
        empty_note(&mut out, base);
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{LABEL:.1}\" y1=\"{TOP:.1}\" x2=\"{LABEL:.1}\" y2=\"{base:.1}\"/>\
         <line class=\"axis\" x1=\"{LABEL:.1}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>\
         <text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        LABEL + plot_width,
        LABEL + plot_width / 2.0,
        base + 34.0,
        unit_label(unit)
    );
    out.push_str("</svg>");
    out
}

/// The Lorenz curve against the line of equality; both axes 0-100%.
#[must_use]
pub fn lorenz(points: &[[f64; 2]], title: &str, id: &str) -> String {
    const SIZE: f64 = 300.0;
    let left = (WIDTH - SIZE) / 2.0;
    let height = TOP + SIZE + AXIS_BAND + LEGEND_ROW;
    let mut out = String::new();
    open(
        &mut out,
        id,
        height,
        title,
        "Lorenz curve: cumulative share of downloads (vertical) against cumulative share of \
         models sorted by downloads ascending (horizontal); the diagonal is perfect equality.",
    );
    let x = |v: f64| left + SIZE * v.clamp(0.0, 1.0);
    let y = |v: f64| TOP + SIZE - SIZE * v.clamp(0.0, 1.0);
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let label = format!("{:.0}%", tick * 100.0);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>\
             <line class=\"grid\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            x(0.0),
            y(tick),
            x(1.0),
            y(tick),
            x(tick),
            y(0.0),
            x(tick),
            y(1.0),
            x(0.0) - 6.0,
            y(tick) + 4.0,
            x(tick),
            y(0.0) + 17.0,
        );
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>\
         <line class=\"axis\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>\
         <line class=\"equality\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke-dasharray=\"4 3\"/>",
        x(0.0),
        y(0.0),
        x(1.0),
        y(0.0),
        x(0.0),
        y(0.0),
        x(0.0),
        y(1.0),
        x(0.0),
        y(0.0),
        x(1.0),
        y(1.0),
    );
    if points.is_empty() {
        empty_note(&mut out, TOP + SIZE / 2.0);
    } else {
        let mut area = format!("{:.1},{:.1} ", x(0.0), y(0.0));
        let mut line = String::new();
        for [share_models, share_downloads] in points {
            let _ = write!(line, "{:.1},{:.1} ", x(*share_models), y(*share_downloads));
        }
        area.push_str(&line);
        let _ = write!(area, "{:.1},{:.1}", x(1.0), y(0.0));
        let _ = write!(
            out,
            "<polygon class=\"lorenz-area\" points=\"{area}\" fill=\"{}\"/>\
             <polyline class=\"line\" points=\"{}\" stroke=\"{}\"/>",
            PALETTE[6],
            line.trim_end(),
            PALETTE[0]
        );
    }
    let _ = write!(
        out,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">cumulative share of models (%)</text>\
         <text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 {:.1} {:.1})\">cumulative share of downloads (%)</text>",
        left + SIZE / 2.0,
        TOP + SIZE + 36.0,
        left - 44.0,
        TOP + SIZE / 2.0,
        left - 44.0,
        TOP + SIZE / 2.0,
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{Population, SeriesGroup};

    fn population() -> Population {
        Population {
            models: "m".into(),
            downloads: "d".into(),
            window: "w".into(),
            attribution: "a".into(),
            coverage: None,
        }
    }

    fn series(unit: Unit, groups: Vec<SeriesGroup>, periods: usize) -> Series {
        Series {
            title: "t".into(),
            unit,
            population: population(),
            periods: (0..periods)
                .map(|p| format!("2026-01-{:02}", p + 1))
                .collect(),
            groups,
        }
    }

    #[test]
    fn nice_ticks_cover_the_maximum_with_round_steps() {
        let cases = [
            (0.0, vec![0.0, 1.0]),
            (10.0, vec![0.0, 5.0, 10.0]),
            (7.0, vec![0.0, 2.0, 4.0, 6.0, 8.0]),
            (1234.0, vec![0.0, 500.0, 1000.0, 1500.0]),
        ];
        for (max, expected) in cases {
            assert_eq!(nice_ticks(max), expected, "{max}");
        }
    }

    #[test]
    fn charts_escape_group_names_and_titles() {
        let hostile = "<script>alert(1)</script>\"]]>";
        let chart = stacked_area(
            &Series {
                title: hostile.into(),
                ..series(
                    Unit::Share,
                    vec![SeriesGroup {
                        name: hostile.into(),
                        values: vec![Some(1.0), Some(0.5)],
                    }],
                    2,
                )
            },
            "id\"x",
        );
        assert!(!chart.contains("<script"));
        assert!(!chart.contains("]]>"));
        assert!(!chart.contains("id\"x"));
        let bars = bar_chart(hostile, &[(hostile.into(), 3.0)], Unit::Count, "b");
        assert!(!bars.contains("<script"));
    }

    #[test]
    fn empty_and_degenerate_inputs_still_draw_a_chart() {
        for chart in [
            stacked_area(&series(Unit::Share, vec![], 0), "a"),
            line_chart(&series(Unit::Count, vec![], 0), "b"),
            bar_chart("c", &[], Unit::Count, "c"),
            lorenz(&[], "d", "d"),
            stacked_area(
                &series(
                    Unit::Share,
                    vec![SeriesGroup {
                        name: "x".into(),
                        values: vec![None],
                    }],
                    1,
                ),
                "e",
            ),
        ] {
            assert!(chart.starts_with("<svg"));
            assert!(chart.ends_with("</svg>"));
            assert!(!chart.contains("NaN"));
            assert!(!chart.contains("inf"));
        }
    }

    #[test]
    fn stacked_bands_end_at_the_total() {
        let chart = stacked_area(
            &series(
                Unit::Share,
                vec![
                    SeriesGroup {
                        name: "a".into(),
                        values: vec![Some(0.5), Some(0.25)],
                    },
                    SeriesGroup {
                        name: "b".into(),
                        values: vec![Some(0.5), Some(0.75)],
                    },
                ],
                2,
            ),
            "s",
        );
        // The top band reaches the top of the plot (y = TOP) at both periods.
        assert_eq!(chart.matches("<polygon").count(), 2);
        assert!(chart.contains(&format!("{LEFT:.1},{TOP:.1}")));
        assert!(chart.contains(&format!("{:.1},{TOP:.1}", WIDTH - RIGHT)));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn ticks_start_at_zero_cover_the_maximum_and_are_evenly_spaced(max in 1e-6f64..1e12) {
            let ticks = nice_ticks(max);
            prop_assert!(ticks[0].abs() < f64::EPSILON);
            prop_assert!(*ticks.last().unwrap() >= max * (1.0 - 1e-12));
            prop_assert!(ticks.len() >= 2 && ticks.len() <= 7, "{:?}", ticks);
            let step = ticks[1] - ticks[0];
            for pair in ticks.windows(2) {
                prop_assert!(((pair[1] - pair[0]) - step).abs() <= step * 1e-9);
            }
            // The step is 1, 2 or 5 times a power of ten.
            let mantissa = step / 10f64.powf(step.log10().floor());
            prop_assert!([1.0, 2.0, 5.0, 10.0].iter().any(|m| (mantissa - m).abs() < 1e-6), "{}", step);
        }
    }
}
