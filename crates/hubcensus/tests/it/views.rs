//! Every view's table and JSON on a small demo world, pinned with insta (temporary paths, the
//! registry version and the tool version filtered). A change to any figure or label shows here
//! as a snapshot diff to review (`cargo insta review`).

use std::path::Path;
use std::sync::OnceLock;

use crate::support::hubcensus;

/// One demo world shared by the tests of this module: 2,000 models x 3 weeks.
fn store() -> &'static Path {
    static STORE: OnceLock<tempfile::TempDir> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            hubcensus(dir.path())
                .args(["demo", "--models", "2000", "--weeks", "3"])
                .assert()
                .success();
            dir
        })
        .path()
}

fn run(args: &[&str]) -> String {
    let output = hubcensus(store()).args(args).output().unwrap();
    assert!(
        output.status.code().is_some_and(|code| code < 2),
        "hubcensus {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The demo world's planted declining default (its id carries the world's suffix).
fn planted_default() -> String {
    let top: serde_json::Value =
        serde_json::from_str(&run(&["top", "--k", "400", "--format", "json"])).unwrap();
    top["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .find(|id| id.starts_with("meta-llama/Llama-3.1-8B-Instruct"))
        .expect("the planted default is in the demo world")
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2}\+[0-9a-f]{12}", "[registry version]");
    settings.add_filter(r"/tmp/\.tmp[A-Za-z0-9]+", "[store]");
    settings.add_filter(
        &regex_escape(&format!("hubcensus {}", env!("CARGO_PKG_VERSION"))),
        "hubcensus [version]",
    );
    settings.add_filter(
        &regex_escape(&format!("\"{}\"", env!("CARGO_PKG_VERSION"))),
        "\"[version]\"",
    );
    settings.set_prepend_module_to_snapshot(false);
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ' ' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[test]
fn windows_top_churn_views() {
    settings().bind(|| {
        insta::assert_snapshot!("views_windows_table", run(&["windows", "--k", "10"]));
        insta::assert_snapshot!(
            "views_windows_json",
            run(&["windows", "--k", "10", "--format", "json"])
        );
        insta::assert_snapshot!(
            "views_windows_csv",
            run(&["windows", "--k", "10", "--format", "csv"])
        );
        insta::assert_snapshot!("views_top_table", run(&["top", "--k", "15"]));
        insta::assert_snapshot!(
            "views_top_family_json",
            run(&["top", "--k", "10", "--family", "--format", "json"])
        );
        insta::assert_snapshot!("views_churn_table", run(&["churn", "--k", "10"]));
        insta::assert_snapshot!(
            "views_churn_json",
            run(&["churn", "--k", "10", "--format", "json"])
        );
    });
}

#[test]
fn shares_views() {
    settings().bind(|| {
        insta::assert_snapshot!(
            "views_shares_country_table",
            run(&["shares", "--by", "country", "--origin", "both"])
        );
        insta::assert_snapshot!(
            "views_shares_type_json",
            run(&[
                "shares", "--by", "type", "--origin", "both", "--period", "month", "--format",
                "json"
            ])
        );
        insta::assert_snapshot!(
            "views_shares_region_csv",
            run(&["shares", "--by", "region", "--format", "csv"])
        );
    });
}

#[test]
fn lineage_derivatives_who_and_coverage_views() {
    let model = planted_default();
    settings().bind(|| {
        insta::assert_snapshot!(
            "views_lineage_table",
            run(&["lineage", &model, "--limit", "5"])
        );
        insta::assert_snapshot!(
            "views_lineage_json",
            run(&["lineage", &model, "--limit", "5", "--format", "json"])
        );
        insta::assert_snapshot!(
            "views_derivatives_table",
            run(&["derivatives", "--top", "5"])
        );
        insta::assert_snapshot!(
            "views_derivatives_json",
            run(&["derivatives", "--top", "5", "--format", "json"])
        );
        insta::assert_snapshot!("views_who_model_table", run(&["who", &model]));
        insta::assert_snapshot!(
            "views_who_model_json",
            run(&["who", &model, "--format", "json"])
        );
        insta::assert_snapshot!(
            "views_who_legacy_json",
            run(&["who", "gpt2", "--format", "json"])
        );
        insta::assert_snapshot!(
            "views_coverage_table",
            run(&["registry", "coverage", "--top", "100", "--gaps", "5"])
        );
        insta::assert_snapshot!(
            "views_coverage_json",
            run(&["registry", "coverage", "--gaps", "5", "--format", "json"])
        );
    });
}

#[test]
fn audit_discover_and_report_views() {
    let model = planted_default();
    settings().bind(|| {
        insta::assert_snapshot!(
            "views_audit_text",
            run(&["audit", &model, "--workload", "reasoning"])
        );
        insta::assert_snapshot!(
            "views_audit_json",
            run(&[
                "audit",
                &model,
                "--workload",
                "reasoning",
                "--format",
                "json"
            ])
        );
        insta::assert_snapshot!(
            "views_discover_text",
            run(&["discover", "--task", "text-generation"])
        );
        insta::assert_snapshot!(
            "views_discover_json",
            run(&["discover", "--task", "text-generation", "--format", "json"])
        );
        insta::assert_snapshot!(
            "views_report_md",
            run(&["report", "--k", "10", "--format", "md", "-o", "-"])
        );
        insta::assert_snapshot!(
            "views_report_json",
            run(&["report", "--k", "10", "--format", "json", "-o", "-"])
        );
    });
}

/// The Spark flags need `--engine spark`; a Spark path that cannot start says why. Exit code
/// 2 and the message, before any figure is written (docs/spark.md).
#[test]
fn the_spark_engine_flags_are_checked_before_spark_starts() {
    for (args, says) in [
        (
            &["windows", "--spark-master", "local[1]", "--format", "json"][..],
            "the --spark-* flags need --engine spark",
        ),
        (
            &[
                "shares",
                "--engine",
                "spark",
                "--origin",
                "both",
                "--spark-python",
                "/nonexistent/python3",
            ],
            "cannot run /nonexistent/python3",
        ),
    ] {
        let output = hubcensus(store()).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
