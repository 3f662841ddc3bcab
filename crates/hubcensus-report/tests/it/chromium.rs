//! The report opened in headless Chromium (Debian's `chromium`; CI installs it): the screenshot
//! must show the charts (their palette colours cover real areas) and the console must stay clean.
//! Set `HUBCENSUS_SCREENSHOT_DIR` to keep the screenshot for a look.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{fixture, html};

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
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
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

    for (name, size) in [("desktop", "1100,9000"), ("phone", "390,2400")] {
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
