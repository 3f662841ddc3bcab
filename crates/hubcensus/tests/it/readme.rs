//! README.md's sample output is the tool's own. Each block between `<!-- sample NAME: ... -->`
//! and `<!-- /sample NAME -->` must be what the steps of `SAMPLES` print, run here in a fresh
//! directory, with only the timings written as `<time>`. After a change to the figures, the
//! registry or the demo world,
//!
//! ```text
//! UPDATE_README=1 cargo test -p hubcensus --test it readme
//! ```
//!
//! rewrites the blocks from the tool instead of comparing them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::support::hubcensus;

/// The store the samples use, relative to the directory they run in (the tool prints it as given).
const STORE: &str = "demo-store";

/// One `$` line of a sample.
enum Step {
    /// `export HUBCENSUS_HOME=demo-store`: every later command uses the store there.
    ExportHome { comment: &'static str },
    /// `hubcensus ARGS` (split on spaces; the samples need no quoting), shown with the first
    /// `head` and the last `tail` lines of its stdout, an elision written `...`.
    Run {
        args: &'static str,
        comment: &'static str,
        head: usize,
        tail: usize,
    },
}

struct Sample {
    name: &'static str,
    steps: &'static [Step],
}

/// A tenth of the default world keeps this test quick in a debug build; the README says so.
const SAMPLES: &[Sample] = &[Sample {
    name: "demo",
    steps: &[
        Step::ExportHome {
            comment: "a store of its own, in the current directory",
        },
        Step::Run {
            args: "demo --models 20000",
            comment: "a tenth of the default world",
            head: 9,
            tail: 1,
        },
        Step::Run {
            args: "shares --by region --origin both --period quarter",
            comment: "",
            head: 8,
            tail: 0,
        },
        Step::Run {
            args: "windows --k 200 --format json",
            comment: "every weekly figure, as a versioned contract",
            head: 4,
            tail: 0,
        },
        Step::Run {
            args: "report -o report.html",
            comment: "the State-of-Open-Source report",
            head: 1,
            tail: 0,
        },
    ],
}];

fn readme_path() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
}

/// Replaces the number in "generated in 12.3 s" with `<time>`: the only part that changes from
/// run to run.
fn without_timings(line: &str) -> String {
    const MARK: &str = "generated in ";
    let Some(at) = line.find(MARK) else {
        return line.to_owned();
    };
    let start = at + MARK.len();
    let end = line[start..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(line.len(), |offset| start + offset);
    format!("{}<time>{}", &line[..start], &line[end..])
}

/// Runs `hubcensus ARGS` in `dir` on the sample store and returns its stdout.
fn stdout_of(dir: &Path, args: &str) -> String {
    let output = hubcensus(Path::new(STORE))
        .current_dir(dir)
        .args(args.split(' '))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "`hubcensus {args}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs the sample's steps in `dir` and renders the block the README must hold: a fenced code
/// block of each command (comments aligned) and the lines of its output it shows, a blank line
/// after each output.
fn render(sample: &Sample, dir: &Path) -> String {
    let command = |step: &Step| match step {
        Step::ExportHome { .. } => format!("export HUBCENSUS_HOME={STORE}"),
        Step::Run { args, .. } => format!("hubcensus {args}"),
    };
    let comment = |step: &Step| match step {
        Step::ExportHome { comment } | Step::Run { comment, .. } => *comment,
    };
    let width = sample
        .steps
        .iter()
        .filter(|step| !comment(step).is_empty())
        .map(|step| command(step).len())
        .max()
        .unwrap_or(0);
    let mut block = String::from("```\n");
    let mut after_output = false;
    for step in sample.steps {
        if after_output {
            block.push('\n');
        }
        let comment = comment(step);
        if comment.is_empty() {
            writeln!(block, "$ {}", command(step)).unwrap();
        } else {
            writeln!(block, "$ {:width$}  # {comment}", command(step)).unwrap();
        }
        let &Step::Run {
            args, head, tail, ..
        } = step
        else {
            continue;
        };
        let stdout = stdout_of(dir, args);
        let lines: Vec<&str> = stdout.lines().collect();
        let shown = if head + tail >= lines.len() {
            lines
        } else {
            let mut shown = lines[..head].to_vec();
            shown.push("...");
            shown.extend_from_slice(&lines[lines.len() - tail..]);
            shown
        };
        after_output = !shown.is_empty();
        for line in shown {
            writeln!(block, "{}", without_timings(line)).unwrap();
        }
    }
    block.push_str("```\n");
    block
}

/// The byte range of the block named `name` in `readme`: from the line after its opening marker
/// to the start of its closing marker.
fn block_range(readme: &str, name: &str) -> std::ops::Range<usize> {
    let open = format!("<!-- sample {name}: ");
    let close = format!("<!-- /sample {name} -->");
    let opening = readme
        .find(&open)
        .unwrap_or_else(|| panic!("README.md has no `{open}... -->` marker"));
    let start = opening
        + readme[opening..]
            .find('\n')
            .expect("a line break after the opening marker")
        + 1;
    let end = start
        + readme[start..]
            .find(&close)
            .unwrap_or_else(|| panic!("README.md has no `{close}` after `{open}... -->`"));
    start..end
}

/// The lines that differ between `old` and `new`, position by position, as `-`/`+` pairs.
fn line_differences(old: &str, new: &str) -> String {
    let (old, new): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut out = String::new();
    for at in 0..old.len().max(new.len()) {
        let (before, after) = (old.get(at), new.get(at));
        if before != after {
            writeln!(out, "line {}:", at + 1).unwrap();
            if let Some(line) = before {
                writeln!(out, "- {line}").unwrap();
            }
            if let Some(line) = after {
                writeln!(out, "+ {line}").unwrap();
            }
        }
    }
    out
}

#[test]
fn readme_samples_are_what_the_tool_prints() {
    let update = std::env::var_os("UPDATE_README").is_some_and(|value| value == "1");
    let path = readme_path();
    let mut readme = std::fs::read_to_string(&path).unwrap();
    let mut stale = Vec::new();
    for sample in SAMPLES {
        let dir = tempfile::tempdir().unwrap();
        let printed = render(sample, dir.path());
        let range = block_range(&readme, sample.name);
        if readme[range.clone()] != printed {
            stale.push(format!(
                "sample `{}` (- README.md, + the tool):\n{}",
                sample.name,
                line_differences(&readme[range.clone()], &printed)
            ));
            readme.replace_range(range, &printed);
        }
    }
    if update {
        if !stale.is_empty() {
            std::fs::write(&path, &readme).unwrap();
        }
        return;
    }
    assert!(
        stale.is_empty(),
        "README.md's samples are not what the tool prints; if the change is meant, rewrite them with\n  \
         UPDATE_README=1 cargo test -p hubcensus --test it readme\n\n{}",
        stale.join("\n")
    );
}

#[test]
fn readme_sample_timings_become_placeholders() {
    for (line, expected) in [
        (
            "synthetic demo data: 3 models, generated in 23.3 s",
            "synthetic demo data: 3 models, generated in <time> s",
        ),
        ("generated in 7 s.", "generated in <time> s."),
        ("no timing here: 23.3 s", "no timing here: 23.3 s"),
    ] {
        assert_eq!(without_timings(line), expected);
    }
}

/// Every concrete example of README's "Usage by task" runs as written on the demo world (issue
/// #14, item 9): the synopsis lines (with `[`, `|` or a placeholder like `MODEL_ID`) and the commands that need the network
/// (`sync`, `enrich`) or a user's own files (`import FILE`) are left out; the real test data
/// stands in for `../shared/data`. Exit 1 (a check that failed, e.g. an audit that says replace)
/// is allowed; an error (exit 2) is not.
#[test]
fn readme_usage_examples_run_on_the_demo_world_and_real_data() {
    let readme = std::fs::read_to_string(readme_path()).unwrap();
    let usage =
        &readme[readme.find("## Usage by task").unwrap()..readme.find("## Exit codes").unwrap()];
    let mut examples = Vec::new();
    let mut in_code = false;
    for line in usage.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let Some(args) = line.strip_prefix("hubcensus ").filter(|_| in_code) else {
            continue;
        };
        // The comment, and a shell redirection of stdout (the test reads stdout itself).
        let args = args.split("  #").next().unwrap();
        let args = args.split(" > ").next().unwrap().trim();
        let needs_outside = ["sync", "enrich", "import "]
            .iter()
            .any(|c| args.starts_with(c));
        let placeholder = args
            .split(' ')
            .any(|word| word.len() > 1 && word.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        if args.contains('[') || args.contains('|') || placeholder || needs_outside {
            continue;
        }
        examples.push(args.replace(
            "../shared/data/",
            &format!("{}/", crate::support::shared_data().display()),
        ));
    }
    assert!(examples.len() >= 12, "{examples:?}");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    hubcensus(&store)
        .args(["demo", "--models", "20000"])
        .assert()
        .success();
    let mut failures = Vec::new();
    for args in &examples {
        let output = hubcensus(&store)
            .current_dir(dir.path())
            .args(args.split(' '))
            .output()
            .unwrap();
        if !matches!(output.status.code(), Some(0 | 1)) {
            failures.push(format!(
                "`hubcensus {args}`: {:?}\n{}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
