//! Hand-written SVG charts: stacked area, multi-line, horizontal bars and the Lorenz curve.
//!
//! Every chart has axes with units and tick labels, a legend when it shows several groups, and an
//! accessible `<title>`/`<desc>`. Every text node and attribute value goes through
//! [`escape::xml`]. Coordinates are written with one decimal so output is byte-for-byte stable.
//!
//! A chart is drawn for a [`Canvas`]: the report draws each one twice, [`WIDE`] for a desktop
//! column and [`NARROW`] for a phone, and its CSS shows the one that fits (text keeps about the
//! same size on screen either way); the square Lorenz curve is drawn once. Text is placed from
//! [`text_width`], an estimate on the metrics of `DejaVu Sans` (the widest of the usual sans-serif
//! faces, and the one a Linux browser falls back to), so labels fit and never overlap; the
//! report's Chromium test measures the real text.
//!
//! Colours: a region, a contributor type and the unattributed, legacy and mixed buckets have one
//! fixed colour each ([`group_colour`]), in every chart, and are stacked in one fixed order;
//! regions take the Okabe-Ito palette (distinct for the common colour-vision deficiencies),
//! contributor types viridis samples, the buckets greys and a pink. Other groups take viridis
//! samples by position. Lines also differ by dash pattern, so they stay apart in greyscale.

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

/// The groups with a fixed colour, in stacking order (bottom first): the regions, the
/// contributor types, then the buckets of downloads no region or type claims. The names are the
/// labels hubcensus-analytics' shares use (`Region::as_str`, `ContributorType::as_str`,
/// `shares::UNATTRIBUTED`, `LEGACY` and `MIXED`).
const GROUP_COLOURS: [(&str, &str); 14] = [
    ("US", "#0072b2"),
    ("China", "#d55e00"),
    ("Europe", "#009e73"),
    ("Other", "#e69f00"),
    ("industry", "#440154"),
    ("government", "#46327e"),
    ("academic", "#365c8d"),
    ("nonprofit", "#277f8e"),
    ("community", "#1fa187"),
    ("individual", "#4ac16d"),
    ("unclassified organization", "#a0da39"),
    ("unattributed", "#b0b0b0"),
    ("legacy, unnamespaced", "#6e6e6e"),
    ("mixed", "#cc79a7"),
];

/// The fixed colour of a group (a region, a contributor type or a bucket), the same in every
/// chart; `None` for any other name.
#[must_use]
pub fn group_colour(name: &str) -> Option<&'static str> {
    GROUP_COLOURS
        .iter()
        .find(|(group, _)| *group == name)
        .map(|(_, colour)| *colour)
}

/// The colours of `names` in one chart: a named group's fixed colour, else a viridis sample
/// spread over the other groups by position (`dark_only` leaves out the lightest samples, too
/// faint as thin lines on white).
fn colours(names: &[&str], dark_only: bool) -> Vec<&'static str> {
    let usable = if dark_only { 6 } else { PALETTE.len() };
    let others = names.iter().filter(|n| group_colour(n).is_none()).count();
    let mut other = 0;
    names
        .iter()
        .map(|name| {
            group_colour(name).unwrap_or_else(|| {
                let colour = if others <= 1 {
                    PALETTE[2]
                } else {
                    PALETTE[(other * (usable - 1) / (others - 1)).min(usable - 1)]
                };
                other += 1;
                colour
            })
        })
        .collect()
}

/// The order to stack and list `names` in: named groups in their fixed order, then the others
/// as given.
fn stacking_order(names: &[&str]) -> Vec<usize> {
    let rank = |name: &str| {
        GROUP_COLOURS
            .iter()
            .position(|(group, _)| *group == name)
            .unwrap_or(GROUP_COLOURS.len())
    };
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|index| rank(names[*index]));
    order
}

/// Where a chart is drawn: the width of its coordinate system and the sizes that follow.
#[derive(Clone, Copy, Debug)]
pub struct Canvas {
    /// The CSS class that shows the chart at the viewport widths it is drawn for.
    class: &'static str,
    /// Suffix of the chart's element ids, which must be unique in the page.
    suffix: &'static str,
    width: f64,
    plot_height: f64,
    /// Text size, in the chart's units.
    font: f64,
}

/// A chart across a desktop column (about 950 pixels: one unit is about one pixel).
pub const WIDE: Canvas = Canvas {
    class: "chart-wide",
    suffix: "wide",
    width: 940.0,
    plot_height: 280.0,
    font: 12.0,
};

/// A chart across a phone (about 370 pixels).
pub const NARROW: Canvas = Canvas {
    class: "chart-narrow",
    suffix: "narrow",
    width: 400.0,
    plot_height: 220.0,
    font: 12.0,
};

/// A square chart, shown at any width (the Lorenz curve).
pub const SQUARE: Canvas = Canvas {
    class: "chart-square",
    suffix: "square",
    width: 400.0,
    plot_height: 300.0,
    font: 12.0,
};

const LEFT: f64 = 60.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
/// Between a tick label and the next text: room for the eye, and for fonts wider than the
/// estimate.
const GAP: f64 = 12.0;

/// The width of `text` set in `DejaVu Sans` at `font` units: per-character advances rounded up
/// (from the font's metrics, in em), plus 5% for other faces' kerning and hinting.
#[must_use]
pub fn text_width(text: &str, font: f64) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | 'I' | 'J' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.3,
            ' ' => 0.32,
            'f' | 'r' | 't' | '(' | ')' | '[' | ']' | '/' | '-' => 0.42,
            'm' | 'w' | 'M' | 'W' | '%' => 1.0,
            '0'..='9' | 'a'..='z' | '_' => 0.64,
            'A'..='Z' => 0.8,
            c if c.is_ascii() => 0.84,
            _ => 1.0,
        })
        .sum();
    em * font * 1.05
}

/// `text` cut (with an ellipsis) to fit `width` units at `font`.
fn fit(text: &str, width: f64, font: f64) -> String {
    if text_width(text, font) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for character in text.chars() {
        out.push(character);
        if text_width(&out, font) + text_width("…", font) > width {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

fn open(out: &mut String, canvas: &Canvas, id: &str, height: f64, title: &str, description: &str) {
    let id = format!("{}-{}", escape::xml(id), canvas.suffix);
    let _ = write!(
        out,
        "<svg class=\"chart {}\" viewBox=\"0 0 {:.0} {height:.0}\" font-size=\"{:.0}\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" preserveAspectRatio=\"xMidYMid meet\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        canvas.class,
        canvas.width,
        canvas.font,
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
struct Frame<'a> {
    canvas: &'a Canvas,
    y_max: f64,
    periods: usize,
}

impl Frame<'_> {
    fn plot_width(&self) -> f64 {
        self.canvas.width - LEFT - RIGHT
    }

    /// The bottom of the plot.
    fn base(&self) -> f64 {
        TOP + self.canvas.plot_height
    }

    /// Where the legend starts: under the x labels.
    fn below(&self) -> f64 {
        self.base() + 2.0 * self.canvas.font + 16.0
    }

    fn x(&self, index: usize) -> f64 {
        if self.periods <= 1 {
            LEFT + self.plot_width() / 2.0
        } else {
            LEFT + self.plot_width() * index as f64 / (self.periods - 1) as f64
        }
    }

    fn y(&self, value: f64) -> f64 {
        self.base() - self.canvas.plot_height * (value / self.y_max).clamp(0.0, 1.0)
    }

    /// The x labels to draw, with their anchors: the last period always (it is the one the
    /// report is about), ending at its tick; then from the first, centred on their ticks, each
    /// at least a gap from the previous one and from the last.
    fn x_labels(&self, periods: &[String]) -> Vec<(usize, String, &'static str)> {
        let font = self.canvas.font;
        let labels: Vec<String> = periods.iter().map(|p| escape::truncate(p, 12)).collect();
        let Some(last) = labels.len().checked_sub(1) else {
            return Vec::new();
        };
        if last == 0 {
            return vec![(0, labels[0].clone(), "middle")];
        }
        let last_left = self.x(last) - text_width(&labels[last], font);
        let mut shown = Vec::new();
        let mut free_from = f64::NEG_INFINITY;
        for (index, label) in labels.iter().enumerate().take(last) {
            let half = text_width(label, font) / 2.0;
            let (left, right) = (self.x(index) - half, self.x(index) + half);
            if left >= free_from && right + GAP <= last_left {
                shown.push((index, label.clone(), "middle"));
                free_from = right + GAP;
            }
        }
        shown.push((last, labels[last].clone(), "end"));
        shown
    }

    fn draw_axes(&self, out: &mut String, ticks: &[f64], unit: Unit, periods: &[String]) {
        let font = self.canvas.font;
        for tick in ticks {
            let y = self.y(*tick);
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{LEFT:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
                 <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                LEFT + self.plot_width(),
                LEFT - 6.0,
                y + font / 3.0,
                escape::xml(&tick_label(*tick, unit))
            );
        }
        let base = self.base();
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{LEFT:.1}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>\
             <line class=\"axis\" x1=\"{LEFT:.1}\" y1=\"{TOP:.1}\" x2=\"{LEFT:.1}\" y2=\"{base:.1}\"/>",
            LEFT + self.plot_width()
        );
        for (index, label, anchor) in self.x_labels(periods) {
            let x = self.x(index);
            let _ = write!(
                out,
                "<line class=\"axis\" x1=\"{x:.1}\" y1=\"{base:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
                 <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                base + 4.0,
                base + font + 9.0,
                escape::xml(&label)
            );
        }
        let middle = TOP + self.canvas.plot_height / 2.0;
        let _ = write!(
            out,
            "<text class=\"axis-title\" x=\"14\" y=\"{middle:.1}\" text-anchor=\"middle\" \
             transform=\"rotate(-90 14 {middle:.1})\">{}</text>",
            unit_label(unit)
        );
    }
}

/// A legend's items placed left to right, wrapping to a new row when the next one would pass
/// the right edge: each item's x and row, and the number of rows.
fn legend_layout(canvas: &Canvas, names: &[String]) -> (Vec<(f64, usize, String)>, usize) {
    const SWATCH: f64 = 22.0;
    let right = canvas.width - RIGHT;
    let mut items = Vec::new();
    let (mut x, mut row) = (LEFT, 0);
    for name in names {
        let label = fit(name, right - LEFT - SWATCH, canvas.font);
        let width = SWATCH + text_width(&label, canvas.font);
        if x > LEFT && x + width > right {
            x = LEFT;
            row += 1;
        }
        items.push((x, row, label));
        x += width + 2.0 * GAP;
    }
    let rows = if names.is_empty() { 0 } else { row + 1 };
    (items, rows)
}

fn legend_row(canvas: &Canvas) -> f64 {
    canvas.font + 10.0
}

/// Draws the legend laid out by [`legend_layout`] from `top`; `swatch(index, x, y)` draws the
/// mark of item `index` in a box 16 wide and 12 high at (x, y).
fn legend(
    out: &mut String,
    canvas: &Canvas,
    items: &[(f64, usize, String)],
    top: f64,
    swatch: impl Fn(usize, f64, f64) -> String,
) {
    for (index, (x, row, label)) in items.iter().enumerate() {
        let baseline = top + *row as f64 * legend_row(canvas) + canvas.font;
        let _ = write!(
            out,
            "<g class=\"legend\">{}<text x=\"{:.1}\" y=\"{baseline:.1}\">{}</text></g>",
            swatch(index, *x, baseline - 10.0),
            x + 22.0,
            escape::xml(label)
        );
    }
}

fn empty_note(out: &mut String, canvas: &Canvas, height: f64) {
    let _ = write!(
        out,
        "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no data</text>",
        canvas.width / 2.0,
        height / 2.0
    );
}

/// Bands stacked from the bottom, one per group; undefined values count as zero.
#[must_use]
pub fn stacked_area(series: &Series, id: &str, canvas: &Canvas) -> String {
    let groups = series.groups.len();
    let names: Vec<&str> = series.groups.iter().map(|g| g.name.as_str()).collect();
    let order = stacking_order(&names);
    let fills = colours(&names, false);
    let ordered_names: Vec<String> = order.iter().map(|i| names[*i].to_owned()).collect();
    let (items, rows) = legend_layout(canvas, &ordered_names);
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
        canvas,
        y_max,
        periods,
    };
    let height = frame.below() + rows as f64 * legend_row(canvas);
    let mut out = String::new();
    open(
        &mut out,
        canvas,
        id,
        height,
        &series.title,
        &format!(
            "Stacked area chart, {} periods from {} to {}, {} groups from the bottom: {}.",
            series.periods.len(),
            series.periods.first().map_or("", String::as_str),
            series.periods.last().map_or("", String::as_str),
            groups,
            ordered_names.join(", ")
        ),
    );
    // Grid and labels first: the bands cover the grid instead of being striped by it.
    frame.draw_axes(&mut out, &ticks, series.unit, &series.periods);
    if periods == 0 || groups == 0 {
        empty_note(&mut out, canvas, frame.base());
    } else {
        let mut lower = vec![0.0; periods];
        for index in &order {
            let group = &series.groups[*index];
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
                let (left, right) = (LEFT, LEFT + frame.plot_width());
                for x in [left, right] {
                    let _ = write!(points, "{x:.1},{:.1} ", frame.y(upper[0]));
                }
                for x in [right, left] {
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
                fills[*index],
                escape::xml(&group.name)
            );
            lower = upper;
        }
    }
    legend(&mut out, canvas, &items, frame.below(), |item, x, y| {
        format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"16\" height=\"12\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.5\"/>",
            fills[order[item]]
        )
    });
    out.push_str("</svg>");
    out
}

fn dash_attribute(index: usize) -> String {
    match DASHES[index % DASHES.len()] {
        "" => String::new(),
        dash => format!(" stroke-dasharray=\"{dash}\""),
    }
}

/// One line per group, with point markers; undefined values break the line.
#[must_use]
pub fn line_chart(series: &Series, id: &str, canvas: &Canvas) -> String {
    let groups = series.groups.len();
    let show_legend = groups > 1;
    let names: Vec<&str> = series.groups.iter().map(|g| g.name.as_str()).collect();
    let strokes = colours(&names, true);
    let legend_names: Vec<String> = if show_legend {
        names.iter().map(|n| (*n).to_owned()).collect()
    } else {
        Vec::new()
    };
    let (items, rows) = legend_layout(canvas, &legend_names);
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
        canvas,
        y_max,
        periods,
    };
    let height = if rows == 0 {
        frame.below() - canvas.font
    } else {
        frame.below() + rows as f64 * legend_row(canvas)
    };
    let mut out = String::new();
    open(
        &mut out,
        canvas,
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
    frame.draw_axes(&mut out, &ticks, series.unit, &series.periods);
    if periods == 0 || groups == 0 || max_value <= 0.0 && series.unit != Unit::Share {
        empty_note(&mut out, canvas, frame.base());
    }
    for (index, group) in series.groups.iter().enumerate() {
        let stroke = strokes[index];
        let dash_attribute = dash_attribute(index);
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
    legend(&mut out, canvas, &items, frame.below(), |index, x, y| {
        format!(
            "<line class=\"legend-line\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" \
                 stroke=\"{}\"{}/>",
            y + 6.0,
            x + 16.0,
            y + 6.0,
            strokes[index],
            dash_attribute(index)
        )
    });
    out.push_str("</svg>");
    out
}

fn tick_value(value: f64, unit: Unit) -> String {
    format::value(Some(value), unit)
}

/// Horizontal bars, one per item, with the value at the end of each bar. On a wide canvas the
/// labels stand in a column left of the bars, as wide as the longest (up to 45% of the chart);
/// on a narrow one each label stands above its bar, across the chart, on two lines when one is
/// too short (split after a `/`, `-`, `_` or `.`). A label longer than its room is cut with an
/// ellipsis; the tooltip and the chart's data table show it whole.
#[must_use]
pub fn bar_chart(
    title: &str,
    bars: &[(String, f64)],
    unit: Unit,
    id: &str,
    canvas: &Canvas,
) -> String {
    const BAR: f64 = 14.0;
    const MARGIN: f64 = 8.0;
    let font = canvas.font;
    let line = font + 3.0;
    let values: Vec<String> = bars.iter().map(|(_, v)| tick_value(*v, unit)).collect();
    let value_width = values
        .iter()
        .map(|v| text_width(v, font))
        .fold(text_width("0", font), f64::max)
        + GAP;
    let labels_above = canvas.width < 600.0;
    let longest = bars
        .iter()
        .map(|(label, _)| text_width(label, font))
        .fold(0.0, f64::max);
    // Where the bars start (leaving room for the first tick label, centred on the axis), and
    // the room of a label.
    let (left, label_room) = if labels_above {
        let left = 2.0 * font;
        (left, canvas.width - left - MARGIN)
    } else {
        let column = (longest + GAP).clamp(8.0 * font, 0.45 * canvas.width);
        (MARGIN + column, column - GAP)
    };
    let labels: Vec<Vec<String>> = bars
        .iter()
        .map(|(label, _)| {
            if labels_above {
                label_lines(label, label_room, font)
            } else {
                vec![fit(label, label_room, font)]
            }
        })
        .collect();
    // The top of each row, and of the axis under the last.
    let mut tops = vec![TOP];
    for lines in &labels {
        let above = if labels_above {
            lines.len() as f64 * line + 2.0
        } else {
            0.0
        };
        tops.push(tops[tops.len() - 1] + above + BAR + 8.0);
    }
    let base = if bars.is_empty() {
        TOP + BAR + 8.0
    } else {
        tops[bars.len()]
    };
    let plot_width = canvas.width - left - value_width - MARGIN;
    let height = base + 2.0 * font + 20.0;
    let mut out = String::new();
    open(
        &mut out,
        canvas,
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
    let scale = |value: f64| plot_width * (value / x_max).clamp(0.0, 1.0);
    for tick in &ticks {
        let x = left + scale(*tick);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{TOP:.1}\" x2=\"{x:.1}\" y2=\"{base:.1}\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            base + font + 4.0,
            escape::xml(&tick_label(*tick, unit))
        );
    }
    for (index, ((label, value), shown)) in bars.iter().zip(&values).enumerate() {
        let lines = &labels[index];
        let top = tops[index];
        let bar_top = if labels_above {
            top + lines.len() as f64 * line + 2.0
        } else {
            top
        };
        let width = if value.is_finite() {
            scale(*value)
        } else {
            0.0
        };
        for (number, text) in lines.iter().enumerate() {
            let (x, y, anchor) = if labels_above {
                (left, top + font + number as f64 * line, "start")
            } else {
                (left - 6.0, bar_top + BAR - 3.0, "end")
            };
            let _ = write!(
                out,
                "<text class=\"bar-label\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\">{}</text>",
                escape::xml(text)
            );
        }
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{left:.1}\" y=\"{bar_top:.1}\" width=\"{width:.1}\" height=\"{BAR:.1}\" fill=\"{}\">\
             <title>{}: {}</title></rect>\
             <text class=\"bar-value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            PALETTE[2],
            escape::xml(label),
            escape::xml(shown),
            left + width + 4.0,
            bar_top + BAR - 3.0,
            escape::xml(shown)
        );
    }
    if bars.is_empty() {
        empty_note(&mut out, canvas, base);
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{left:.1}\" y1=\"{TOP:.1}\" x2=\"{left:.1}\" y2=\"{base:.1}\"/>\
         <line class=\"axis\" x1=\"{left:.1}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>\
         <text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        left + plot_width,
        left + plot_width / 2.0,
        base + 2.0 * font + 12.0,
        unit_label(unit)
    );
    out.push_str("</svg>");
    out
}

/// `label` on one line of `room` units, else on two split after the last `/`, `-`, `_` or `.`
/// that lets the first line fit (the second cut with an ellipsis if it is still too long).
fn label_lines(label: &str, room: f64, font: f64) -> Vec<String> {
    if text_width(label, font) <= room {
        return vec![label.to_owned()];
    }
    let split = label
        .char_indices()
        .filter(|(_, c)| matches!(c, '/' | '-' | '_' | '.'))
        .map(|(index, c)| index + c.len_utf8())
        .rfind(|end| text_width(&label[..*end], font) <= room);
    match split {
        Some(end) if end < label.len() => {
            vec![label[..end].to_owned(), fit(&label[end..], room, font)]
        }
        _ => vec![fit(label, room, font)],
    }
}

/// The Lorenz curve against the line of equality; both axes 0-100%. Drawn on [`SQUARE`].
#[must_use]
pub fn lorenz(points: &[[f64; 2]], title: &str, id: &str) -> String {
    let canvas = &SQUARE;
    let size = canvas.plot_height;
    let font = canvas.font;
    let left = 72.0;
    let height = TOP + size + 2.0 * font + 26.0;
    let mut out = String::new();
    open(
        &mut out,
        canvas,
        id,
        height,
        title,
        "Lorenz curve: cumulative share of downloads (vertical) against cumulative share of \
         models sorted by downloads ascending (horizontal); the diagonal is perfect equality.",
    );
    let x = |v: f64| left + size * v.clamp(0.0, 1.0);
    let y = |v: f64| TOP + size - size * v.clamp(0.0, 1.0);
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
            y(tick) + font / 3.0,
            x(tick),
            y(0.0) + font + 9.0,
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
        empty_note(&mut out, canvas, TOP + size / 2.0);
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
    let title_x = left - 48.0;
    let _ = write!(
        out,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">cumulative share of models (%)</text>\
         <text class=\"axis-title\" x=\"{title_x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 {title_x:.1} {:.1})\">cumulative share of downloads (%)</text>",
        left + size / 2.0,
        TOP + size + 2.0 * font + 18.0,
        TOP + size / 2.0,
        TOP + size / 2.0,
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

    fn group(name: &str, values: &[f64]) -> SeriesGroup {
        SeriesGroup {
            name: name.into(),
            values: values.iter().map(|v| Some(*v)).collect(),
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
        for canvas in [&WIDE, &NARROW] {
            let chart = stacked_area(
                &Series {
                    title: hostile.into(),
                    ..series(Unit::Share, vec![group(hostile, &[1.0, 0.5])], 2)
                },
                "id\"x",
                canvas,
            );
            assert!(!chart.contains("<script"));
            assert!(!chart.contains("]]>"));
            assert!(!chart.contains("id\"x"));
            let bars = bar_chart(hostile, &[(hostile.into(), 3.0)], Unit::Count, "b", canvas);
            assert!(!bars.contains("<script"));
        }
    }

    #[test]
    fn empty_and_degenerate_inputs_still_draw_a_chart() {
        for canvas in [&WIDE, &NARROW] {
            for chart in [
                stacked_area(&series(Unit::Share, vec![], 0), "a", canvas),
                line_chart(&series(Unit::Count, vec![], 0), "b", canvas),
                bar_chart("c", &[], Unit::Count, "c", canvas),
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
                    canvas,
                ),
            ] {
                assert!(chart.starts_with("<svg"));
                assert!(chart.ends_with("</svg>"));
                assert!(!chart.contains("NaN"));
                assert!(!chart.contains("inf"));
            }
        }
    }

    #[test]
    fn stacked_bands_end_at_the_total() {
        let chart = stacked_area(
            &series(
                Unit::Share,
                vec![group("a", &[0.5, 0.25]), group("b", &[0.5, 0.75])],
                2,
            ),
            "s",
            &WIDE,
        );
        // The top band reaches the top of the plot (y = TOP) at both periods.
        assert_eq!(chart.matches("<polygon").count(), 2);
        assert!(chart.contains(&format!("{LEFT:.1},{TOP:.1}")));
        assert!(chart.contains(&format!("{:.1},{TOP:.1}", WIDE.width - RIGHT)));
    }

    /// The fill of the band named `name` in a stacked area.
    fn band_fill(chart: &str, name: &str) -> String {
        let end = chart
            .find(&format!("<title>{name}</title></polygon>"))
            .unwrap_or_else(|| panic!("no band {name}"));
        let start = chart[..end].rfind("fill=\"").unwrap() + 6;
        chart[start..start + 7].to_owned()
    }

    #[test]
    fn a_region_has_one_colour_and_place_in_every_chart() {
        // The uploader chart has no mixed bucket; the lineage chart has one, in another order.
        let uploader = series(
            Unit::Share,
            ["US", "China", "unattributed", "Europe", "Other"]
                .iter()
                .map(|name| group(name, &[0.2, 0.2]))
                .collect(),
            2,
        );
        let lineage = series(
            Unit::Share,
            [
                "China",
                "US",
                "mixed",
                "Europe",
                "unattributed",
                "Other",
                "legacy, unnamespaced",
            ]
            .iter()
            .map(|name| group(name, &[0.1, 0.1]))
            .collect(),
            2,
        );
        for canvas in [&WIDE, &NARROW] {
            let first = stacked_area(&uploader, "u", canvas);
            let second = stacked_area(&lineage, "l", canvas);
            for region in ["US", "China", "Europe", "Other", "unattributed"] {
                assert_eq!(
                    band_fill(&first, region),
                    band_fill(&second, region),
                    "{region}"
                );
                assert_eq!(band_fill(&first, region), group_colour(region).unwrap());
            }
            // Stacked in the fixed order: US at the bottom, the buckets on top.
            let position = |chart: &str, name: &str| chart.find(&format!("<title>{name}</title>"));
            assert!(position(&second, "US") < position(&second, "China"));
            assert!(position(&second, "Other") < position(&second, "unattributed"));
            assert!(position(&second, "unattributed") < position(&second, "mixed"));
        }
        // Every fixed colour is distinct.
        let mut fills: Vec<&str> = GROUP_COLOURS.iter().map(|(_, colour)| *colour).collect();
        fills.sort_unstable();
        fills.dedup();
        assert_eq!(fills.len(), GROUP_COLOURS.len());
    }

    #[test]
    fn x_labels_never_crowd_and_the_last_period_is_labelled() {
        for canvas in [&WIDE, &NARROW] {
            for periods in [1, 2, 5, 13, 52] {
                let frame = Frame {
                    canvas,
                    y_max: 1.0,
                    periods,
                };
                let labels: Vec<String> = (0..periods).map(|p| format!("2026-01-{p:02}")).collect();
                let shown = frame.x_labels(&labels);
                assert_eq!(shown.last().unwrap().0, periods - 1, "{periods}");
                let extents: Vec<(f64, f64)> = shown
                    .iter()
                    .map(|(index, label, anchor)| {
                        let width = text_width(label, canvas.font);
                        let x = frame.x(*index);
                        if *anchor == "end" {
                            (x - width, x)
                        } else {
                            (x - width / 2.0, x + width / 2.0)
                        }
                    })
                    .collect();
                for pair in extents.windows(2) {
                    assert!(
                        pair[0].1 + GAP <= pair[1].0 + 1e-9,
                        "{periods}: {extents:?}"
                    );
                }
                assert!(extents[0].0 >= 0.0 && extents.last().unwrap().1 <= canvas.width);
                if periods >= 5 {
                    assert!(
                        shown.len() >= 2,
                        "{periods} periods, {} labels",
                        shown.len()
                    );
                }
            }
        }
    }

    #[test]
    fn bar_labels_fit_their_room() {
        let long = "unsloth/DeepSeek-R1-Distill-Qwen-32B-unsloth-bnb-4bit";
        let bars = vec![(long.to_owned(), 10.0), ("a/b".to_owned(), 5.0)];
        // Wide: the label column holds the whole id.
        assert!(
            bar_chart("t", &bars, Unit::Count, "b", &WIDE).contains(&format!(">{long}</text>"))
        );
        // Narrow: above its bar, on two lines, the whole id still shows.
        let narrow = bar_chart("t", &bars, Unit::Count, "b", &NARROW);
        let lines = label_lines(long, 368.0, 12.0);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines.concat(), long);
        for line in lines {
            assert!(narrow.contains(&format!(">{line}</text>")), "{line}");
        }
        assert!(narrow.contains(">a/b</text>"));
        // Longer than any room: cut with an ellipsis, whole in the tooltip.
        let longer = long.repeat(3);
        let chart = bar_chart("t", &[(longer.clone(), 1.0)], Unit::Count, "b", &NARROW);
        assert!(
            chart.contains("…</text>") && chart.contains(&format!("<title>{longer}: 1</title>"))
        );
        assert_eq!(fit("abc", 100.0, 12.0), "abc");
        assert!(text_width(&fit(&longer, 100.0, 12.0), 12.0) <= 100.0);
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
