//! Every subcommand's `--help` says what it costs and shows examples of itself.

use crate::support::hubcensus;

#[test]
fn every_help_states_the_cost_and_shows_examples() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        &["import"][..],
        &["snapshots"],
        &["sync"],
        &["enrich"],
        &["registry", "check"],
        &["registry", "coverage"],
        &["who"],
        &["windows"],
        &["top"],
        &["churn"],
        &["shares"],
        &["lineage"],
        &["derivatives"],
        &["demo"],
        &["report"],
        &["evals"],
        &["export"],
        &["audit"],
        &["discover"],
    ] {
        let output = hubcensus(dir.path())
            .args(command)
            .arg("--help")
            .output()
            .unwrap();
        assert!(output.status.success(), "{command:?}");
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(
            help.contains("Cost:"),
            "{command:?} --help has no cost line:\n{help}"
        );
        let examples = help
            .split_once("Examples:")
            .unwrap_or_else(|| panic!("{command:?} --help has no examples:\n{help}"))
            .1;
        let shown = examples
            .lines()
            .filter(|line| {
                line.trim_start()
                    .starts_with(&format!("hubcensus {}", command[0]))
                    || line.trim_start().starts_with("hubcensus --data-dir")
            })
            .count();
        assert!(
            shown >= 2,
            "{command:?} --help shows {shown} examples:\n{help}"
        );
    }
}
