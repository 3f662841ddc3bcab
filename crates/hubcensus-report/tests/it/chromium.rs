//! The report opened in headless Chromium (Debian's `chromium`; CI installs it) at a desktop width
//! (1,400 px) and a phone width (390 px): the screenshots must show the charts (their colours
//! cover real areas) and the console must stay clean; and a script measuring the laid-out page
//! (layout.js) must find no text that overflows its cell, breaks inside a word, overlaps other
//! text or is cut by its chart. Set `HUBCENSUS_SCREENSHOT_DIR` to keep the screenshots for a look.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use hubcensus_report::{ActionItem, BaseRow, RankChange, ReportView, SeriesGroup, WorkingSetRow};

use crate::{fixture, html};

/// Headless, and nothing fetched or started beyond the page (no network but loopback).
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

fn chromium() -> PathBuf {
    let candidates = ["chromium", "chromium-browser", "google-chrome"];
    for name in candidates {
        if let Ok(output) = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {name}"))
            .output()
            && output.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        }
    }
    panic!(
        "chromium_renders_report needs a headless Chromium and none was found on PATH \
         (tried {candidates:?}); install it with `apt-get install -y chromium` (.ci/run does)"
    );
}

/// A decoded 8-bit RGB(A) PNG: width, height and RGB triples.
struct Image {
    width: usize,
    height: usize,
    pixels: Vec<[u8; 3]>,
}

fn decode_png(bytes: &[u8]) -> Image {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let mut offset = 8;
    let (mut width, mut height, mut channels) = (0, 0, 0);
    let mut compressed = Vec::new();
    while offset + 8 <= bytes.len() {
        let length = u32::from_be_bytes(bytes[offset..offset + 4].try_into().unwrap()) as usize;
        let kind = &bytes[offset + 4..offset + 8];
        let data = &bytes[offset + 8..offset + 8 + length];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!(data[8], 8, "bit depth");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    other => panic!("unsupported PNG colour type {other}"),
                };
                assert_eq!(data[12], 0, "interlaced PNG");
            }
            b"IDAT" => compressed.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        offset += 12 + length;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .read_to_end(&mut raw)
        .expect("inflate PNG data");
    let stride = width * channels;
    assert_eq!(raw.len(), height * (stride + 1), "PNG data size");
    let mut previous = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(width * height);
    for row in 0..height {
        let start = row * (stride + 1);
        let filter = raw[start];
        let mut line = raw[start + 1..start + 1 + stride].to_vec();
        for i in 0..stride {
            let left = if i >= channels { line[i - channels] } else { 0 };
            let up = previous[i];
            let up_left = if i >= channels {
                previous[i - channels]
            } else {
                0
            };
            let predictor = match filter {
                0 => 0,
                1 => left,
                2 => up,
                3 => u8::midpoint(left, up),
                4 => {
                    let p = i16::from(left) + i16::from(up) - i16::from(up_left);
                    let (pa, pb, pc) = (
                        (p - i16::from(left)).abs(),
                        (p - i16::from(up)).abs(),
                        (p - i16::from(up_left)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        left
                    } else if pb <= pc {
                        up
                    } else {
                        up_left
                    }
                }
                other => panic!("bad PNG filter {other}"),
            };
            line[i] = line[i].wrapping_add(predictor);
        }
        pixels.extend(line.chunks(channels).map(|p| [p[0], p[1], p[2]]));
        previous = line;
    }
    Image {
        width,
        height,
        pixels,
    }
}

fn hex(colour: &str) -> [u8; 3] {
    let value = u32::from_str_radix(colour.trim_start_matches('#'), 16).unwrap();
    [(value >> 16) as u8, (value >> 8) as u8, value as u8]
}

fn screenshot(html_path: &Path, png: &Path, size: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={size}"))
        .arg(format!("file://{}", html_path.display()))
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "chromium failed ({}): {stderr}",
        output.status
    );
    stderr
}

#[test]
fn chromium_renders_report() {
    let directory = tempfile::tempdir().unwrap();
    let html_path = directory.path().join("report.html");
    std::fs::write(&html_path, html(&fixture::view())).unwrap();

    for (name, size) in [("desktop", "1400,9000"), ("phone", "390,2400")] {
        let png = directory.path().join(format!("{name}.png"));
        let stderr = screenshot(&html_path, &png, size);
        for marker in ["Uncaught", "ERROR:CONSOLE", ":CONSOLE("] {
            assert!(
                !stderr.contains(marker),
                "console error while rendering the report ({name}): {stderr}"
            );
        }
        let bytes = std::fs::read(&png).expect("chromium wrote no screenshot");
        if let Ok(keep) = std::env::var("HUBCENSUS_SCREENSHOT_DIR") {
            std::fs::copy(&png, Path::new(&keep).join(format!("report-{name}.png"))).unwrap();
            std::fs::copy(&html_path, Path::new(&keep).join("report.html")).unwrap();
        }
        let image = decode_png(&bytes);
        let expected_width: usize = size.split(',').next().unwrap().parse().unwrap();
        assert_eq!(image.width, expected_width, "{name} screenshot width");
        assert!(image.height > 1000);

        let non_white = image
            .pixels
            .iter()
            .filter(|p| p.iter().any(|c| *c < 240))
            .count();
        assert!(
            non_white * 50 > image.pixels.len(),
            "{name} screenshot is nearly blank ({non_white} non-white pixels)"
        );
        if name == "desktop" {
            // The region bands (US, China), the industry band of the types chart and the bars
            // must be painted, over real areas.
            for colour in ["#0072b2", "#d55e00", "#440154", "#365c8d"] {
                let target = hex(colour);
                let count = image.pixels.iter().filter(|p| **p == target).count();
                assert!(
                    count > 2_000,
                    "chart colour {colour} covers only {count} pixels: charts did not render"
                );
            }
            // The chart rows are not blank: the two region charts' US band spans many rows (no
            // half-drawn chart).
            let rows_with_charts = (0..image.height)
                .filter(|row| {
                    image.pixels[row * image.width..(row + 1) * image.width]
                        .contains(&hex("#0072b2"))
                })
                .count();
            assert!(
                rows_with_charts > 300,
                "only {rows_with_charts} rows show a chart"
            );
        }
    }
}

/// The fixture crowded as a real report is: a 200-model working set with long ids and every
/// contributor type, twenty derivative bases, every region bucket in the lineage chart.
fn crowded_view() -> ReportView {
    const ORGS: [&str; 10] = [
        "sentence-transformers",
        "meta-llama",
        "unsloth",
        "HuggingFaceTB",
        "black-forest-labs",
        "Alibaba-NLP",
        "deepseek-ai",
        "mlx-community",
        "ByteDance-Seed",
        "MaziyarPanahi",
    ];
    const NAMES: [&str; 8] = [
        "all-MiniLM-L6-v2",
        "Llama-3.1-8B-Instruct",
        "DeepSeek-R1-Distill-Qwen-32B-unsloth-bnb-4bit",
        "SmolVLM2-2.2B-Instruct",
        "FLUX.1-Kontext-dev",
        "gte-multilingual-reranker-base",
        "Mistral-Small-24B-Instruct-2501-GGUF",
        "nomic-embed-text-v1.5",
    ];
    const TYPES: [&str; 8] = [
        "industry",
        "academic",
        "nonprofit",
        "government",
        "community",
        "individual",
        "unclassified organization",
        "unattributed",
    ];
    const COUNTRIES: [&str; 6] = ["US", "CN", "FR", "unattributed", "mixed", "AE"];
    let mut view = fixture::view();
    let id = |index: usize| {
        format!(
            "{}/{}-{index}",
            ORGS[index % ORGS.len()],
            NAMES[index * 7 % NAMES.len()]
        )
    };
    let rows: Vec<WorkingSetRow> = (0..200)
        .map(|index| WorkingSetRow {
            rank: index as u64 + 1,
            model: id(index),
            change: [RankChange::New, RankChange::Up(12), RankChange::Down(3)][index % 3],
            downloads: 9_000_000 / (index as u64 + 1),
            country: COUNTRIES[index % COUNTRIES.len()].to_owned(),
            lineage_country: COUNTRIES[(index + 1) % COUNTRIES.len()].to_owned(),
            contributor_type: TYPES[index % TYPES.len()].to_owned(),
        })
        .collect();
    view.working_set.k = 200;
    view.actions.track.items = rows
        .iter()
        .map(|row| ActionItem {
            model: row.model.clone(),
            detail: format!("rank {}", row.rank),
        })
        .collect();
    view.working_set.rows = rows;
    let base = view.derivatives.top_bases[0].clone();
    view.derivatives.top_bases = (0..20)
        .map(|index| BaseRow {
            model: id(index * 3 + 2),
            total: 8_000 - 300 * index as u64,
            ..base.clone()
        })
        .collect();
    let lineage = &mut view.geography.origins[1].regions_over_time;
    for name in ["legacy, unnamespaced", "mixed"] {
        lineage.groups.push(SeriesGroup {
            name: name.to_owned(),
            values: vec![Some(0.01); lineage.periods.len()],
        });
    }
    view
}

/// The layout check's findings for `html` in a viewport `width` pixels wide: the report in an
/// iframe of that width (a headless window is at least 500 pixels wide), measured by layout.js.
fn layout_findings(directory: &Path, html: &str, width: u32) -> Vec<String> {
    let srcdoc = html
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    let wrapper = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
         <style>body{{margin:0}}iframe{{border:0;display:block}}</style>\
         <script>{}</script></head><body>\
         <iframe style=\"width:{width}px;height:600px\" onload=\"runLayoutCheck(this)\" \
         srcdoc=\"{srcdoc}\"></iframe><pre id=\"layout-result\">not run</pre></body></html>",
        include_str!("layout.js")
    );
    let path = directory.join(format!("layout-{width}.html"));
    std::fs::write(&path, wrapper).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--window-size=1400,900")
        .arg("--dump-dom")
        .arg(format!("file://{}", path.display()))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let dom = String::from_utf8_lossy(&output.stdout);
    let marker = "<pre id=\"layout-result\">";
    let start = dom.rfind(marker).expect("the result element") + marker.len();
    let end = start + dom[start..].find("</pre>").expect("the result's end");
    dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn chromium_layout_has_no_overflow_or_overlap() {
    let directory = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (name, view) in [("fixture", fixture::view()), ("crowded", crowded_view())] {
        let html = html(&view);
        for width in [1400, 390] {
            let findings = layout_findings(directory.path(), &html, width);
            let summary = findings.first().map_or("", String::as_str);
            assert!(
                summary.starts_with("checked "),
                "the layout check did not run ({name}, {width} px): {findings:?}"
            );
            // The check measured the page it was given, at the width asked for.
            let count = |key: &str| -> usize {
                summary
                    .split(' ')
                    .find_map(|part| part.strip_prefix(key)?.strip_prefix('='))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0)
            };
            assert_eq!(count("viewport"), width as usize, "{summary}");
            assert!(
                count("texts") > 500 && count("svg_texts") > 100,
                "{summary}"
            );
            if findings.len() > 1 {
                // How many of each kind ("word broken", "overlap"...), then the first ones.
                let mut kinds = std::collections::BTreeMap::new();
                for finding in &findings[1..] {
                    let kind = finding.split(':').next().unwrap_or(finding);
                    *kinds
                        .entry(kind.trim_start_matches("problem "))
                        .or_insert(0) += 1;
                }
                failures.push(format!(
                    "{name} report at {width} px: {kinds:?}; the first ones:\n{}",
                    findings[1..findings.len().min(21)].join("\n")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
