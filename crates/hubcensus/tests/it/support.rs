//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// `../shared/data` beside the checkout (CI has it there). Tests that use it say so in their
/// names; they fail, never skip, when it is missing.
#[allow(dead_code)]
pub fn shared_data() -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        path.is_dir(),
        "real test data not found at {} (expected ../shared/data beside the checkout)",
        path.display()
    );
    path
}

/// The `hubcensus` binary with a fresh data directory.
#[allow(dead_code)]
pub fn hubcensus(data_dir: &std::path::Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_hubcensus"));
    command
        .env_clear()
        .env("HUBCENSUS_HOME", data_dir)
        .env("NO_COLOR", "1");
    command
}
