//! The Hub API JSON reader: arrays, JSON Lines, and the daily scraper's wrapper.

use hubcensus_ingest::{AsOfOrigin, Format, IngestError, Location, ReadOptions};
use hubcensus_model::{Era, SourceKind};

use crate::support::{at, open_one, read_all};

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_wrapper_takes_its_as_of_from_fetched_at_else_date() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"date":"2026-08-08","fetched_at":"2026-08-08T10:42:25.103545+09:00","models":[{"id":"a/b"}]}"#,
            "2026-08-08T01:42:25.103Z",
            AsOfOrigin::FileField("fetched_at"),
            true,
        ),
        (
            r#"{"date":"2026-08-08","models":[{"id":"a/b"}]}"#,
            "2026-08-08T00:00:00Z",
            AsOfOrigin::FileField("date"),
            false,
        ),
    ];
    for (index, (text, as_of, origin, has_crawl_end)) in cases.into_iter().enumerate() {
        let path = file(&dir, &format!("w{index}.json"), text);
        let snapshot = open_one(&path, &ReadOptions::default()).unwrap();
        assert_eq!(snapshot.as_of.to_string(), as_of);
        assert_eq!(snapshot.as_of_origin, origin);
        assert_eq!(snapshot.crawl_ended.is_some(), has_crawl_end);
        assert_eq!(snapshot.kind, SourceKind::HubApiJson);
        // --as-of wins over the file's own date.
        let snapshot = open_one(&path, &at("2030-01-01")).unwrap();
        assert_eq!(
            (snapshot.as_of.to_string(), snapshot.as_of_origin),
            ("2030-01-01T00:00:00Z".to_owned(), AsOfOrigin::Flag)
        );
    }
}

#[test]
fn an_array_without_as_of_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "page.json", r#"[{"id":"a/b"},{"id":"c"}]"#);
    let error = hubcensus_ingest::open(&path, &ReadOptions::default()).unwrap_err();
    assert!(matches!(error, IngestError::NoAsOf { .. }), "{error:?}");
    assert!(
        error.to_string().contains("page.json: no as-of time"),
        "{error}"
    );
    let records = read_all(open_one(&path, &at("2026-01-01")).unwrap()).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].author(), None, "legacy id");
}

#[test]
fn columns_are_those_with_a_value_somewhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        "page.json",
        r#"[{"id":"a/b","downloads":0,"lastModified":null},{"id":"c/d","likes":3,"lastModified":null}]"#,
    );
    let snapshot = open_one(&path, &at("2026-01-01")).unwrap();
    assert_eq!(
        snapshot.columns,
        vec!["id", "author", "downloads_30d", "likes"]
    );
    assert_eq!(snapshot.era(), Era::ThirtyDayOnly);
    let records = read_all(snapshot).unwrap();
    assert_eq!(records[0].downloads_30d, Some(0));
    assert_eq!(records[1].downloads_30d, None);
}

#[test]
fn json_lines_errors_name_the_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"id\":\"a/b\"}\n\n{\"id\":\"c/d\",\"createdAt\":\"soon\"}\r\n{\"id\":\"e/f\"}\n";
    let path = file(&dir, "models.jsonl", text);
    let error = read_all(open_one(&path, &at("2026-01-01")).unwrap()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: line 3: field `createdAt`: invalid timestamp \"soon\"",
            path.display()
        )
    );
    // Detected as JSON Lines without the extension too.
    let path = file(&dir, "models.txt", text);
    let IngestError::Invalid(reject) =
        read_all(open_one(&path, &at("2026-01-01")).unwrap()).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(reject.location, Location::Line(3));
}

#[test]
fn json_lines_with_skip_invalid_keeps_the_rest_and_lists_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"id\":\"a/b\"}\n{not json\n{\"id\":\"bad id\"}\n{\"id\":\"a/b\"}\n{\"downloads\":1}\n{\"id\":\"x/y\",\"gated\":\"sometimes\"}\n{\"id\":\"c/d\"}\n";
    let path = file(&dir, "models.jsonl", text);
    let options = ReadOptions {
        skip_invalid: true,
        ..at("2026-01-01")
    };
    let mut chunks = open_one(&path, &options).unwrap().chunks().unwrap();
    let ids: Vec<String> = chunks
        .by_ref()
        .flat_map(Result::unwrap)
        .map(|r| r.id.into_string())
        .collect();
    assert_eq!(ids, vec!["a/b", "c/d"]);
    let rejects: Vec<(Location, &str)> = chunks
        .rejects()
        .iter()
        .map(|r| (r.location, r.field.as_str()))
        .collect();
    assert_eq!(
        rejects,
        vec![
            (Location::Line(2), "(object)"),
            (Location::Line(3), "id"),
            (Location::Line(4), "id"),
            (Location::Line(5), "id"),
            (Location::Line(6), "gated"),
        ]
    );
    let reject = serde_json::to_value(&chunks.rejects()[2]).unwrap();
    assert_eq!(reject["line"], 4);
    assert_eq!(reject["reason"], "duplicate id \"a/b\" (first at line 1)");
}

#[test]
fn invalid_json_and_array_positions() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "broken.json", r#"[{"id":"a/b"}, {"id":"#);
    let error = hubcensus_ingest::open(&path, &at("2026-01-01")).unwrap_err();
    assert!(matches!(error, IngestError::Json { .. }), "{error:?}");
    assert!(error.to_string().contains("broken.json: invalid JSON"));

    let path = file(
        &dir,
        "dup.json",
        r#"[{"_id":"1","id":"a/b"},{"_id":"2","id":"c/d"},{"_id":"1","id":"e/f"}]"#,
    );
    let error = read_all(open_one(&path, &at("2026-01-01")).unwrap()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}: array element 2: field `_id`: duplicate key \"1\" (first at array element 0)",
            path.display()
        )
    );

    let path = file(&dir, "odd.json", r#"{"date":"2026-01-01","items":[]}"#);
    let error = hubcensus_ingest::open(&path, &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(error, IngestError::UnknownFormat { .. }),
        "{error:?}"
    );

    let path = file(&dir, "baddate.json", r#"{"date":"someday","models":[]}"#);
    let error = hubcensus_ingest::open(&path, &ReadOptions::default()).unwrap_err();
    assert!(error.to_string().contains("field `date`"), "{error}");
}

#[test]
fn format_can_be_forced() {
    let dir = tempfile::tempdir().unwrap();
    // One compact object on one line: JSON Lines when forced, a wrapper-less object otherwise.
    let path = file(&dir, "one.json", "{\"id\":\"a/b\"}\n");
    let options = ReadOptions {
        format: Format::JsonLines,
        ..at("2026-01-01")
    };
    assert_eq!(
        read_all(open_one(&path, &options).unwrap()).unwrap().len(),
        1
    );
    let options = ReadOptions {
        format: Format::Json,
        ..at("2026-01-01")
    };
    assert!(hubcensus_ingest::open(&path, &options).is_err());
    let options = ReadOptions {
        format: Format::HubStats,
        ..at("2026-01-01")
    };
    let error = hubcensus_ingest::open(&path, &options).unwrap_err();
    assert!(matches!(error, IngestError::Parquet { .. }), "{error:?}");
}
