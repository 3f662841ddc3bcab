use std::str::FromStr;

use arrow_array::RecordBatch;
use hubcensus_model::Timestamp;

use super::columns::Columns;
use super::*;

#[test]
fn every_table_name_parses_back_and_unknown_names_list_them_all() {
    for table in Table::ALL {
        assert_eq!(Table::from_str(table.name()).unwrap(), table);
        assert_eq!(table.to_string(), table.name());
    }
    assert_eq!(
        Table::from_str("Lineage_Edges").unwrap(),
        Table::LineageEdges
    );
    let error = Table::from_str("top").unwrap_err();
    assert_eq!(error.to_string(), "no export table \"top\"");
    assert!(error.is_client_error());
    let hint = error.hint().unwrap();
    for table in Table::ALL {
        assert!(hint.contains(table.name()), "{hint}");
    }
}

#[test]
fn schemas_use_only_the_documented_types_and_unique_names() {
    for table in Table::ALL {
        let columns = table.columns();
        let schema = schema(table);
        assert_eq!(schema.fields().len(), columns.len(), "{table}");
        let mut names: Vec<&str> = columns.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), columns.len(), "{table}: a column name repeats");
        for (field, column) in schema.fields().iter().zip(&columns) {
            assert_eq!(field.name(), column.name);
            assert_eq!(field.data_type(), &column.kind.data_type());
            assert_eq!(field.is_nullable(), column.nullable);
            assert!(!column.about.is_empty() && !column.about.contains('|'));
        }
    }
}

#[test]
fn parameters_a_table_does_not_take_are_refused_with_the_tables_that_do() {
    let params = Params {
        k: Some(10),
        ..Params::default()
    };
    let error = params.check(Table::Registry).unwrap_err();
    assert_eq!(
        error.to_string(),
        "--k does not apply to the registry table"
    );
    assert_eq!(
        error.hint().unwrap(),
        "leave it out; the tables that take it: windows, working-set, families, churn"
    );
    assert!(params.check(Table::Windows).is_ok());
    let zero = Params {
        k: Some(0),
        ..Params::default()
    };
    assert!(zero.check(Table::Windows).is_err());
    let swapped = Params {
        filter: hubcensus_analytics::Filter {
            min_params: Some(8),
            max_params: Some(1),
            ..Default::default()
        },
        ..Params::default()
    };
    let error = swapped.check(Table::Shares).unwrap_err();
    assert!(error.is_client_error());
    assert_eq!(error.hint().unwrap(), "swap --min-params and --max-params");
}

struct Row {
    count: u64,
    maybe: Option<i64>,
    fraction: Option<f64>,
    text: Option<String>,
    flag: bool,
    time: Option<Timestamp>,
}

fn sample() -> RecordBatch {
    let columns = Columns::new()
        .count("count", "a count", |r: &Row| r.count)
        .int("maybe", "an integer or null", |r| r.maybe)
        .float("fraction", "a fraction", |r| r.fraction)
        .opt_text("text", "text", |r| r.text.clone())
        .flag("flag", "a flag", |r| r.flag)
        .opt_time("time", "a time", |r| r.time);
    columns
        .batch(&[
            Row {
                count: 7,
                maybe: Some(-3),
                fraction: Some(0.1 + 0.2),
                text: Some("a \"quoted\", comma\nand line\u{1b}[2J é".into()),
                flag: true,
                time: Some(Timestamp::parse("2026-08-23T00:00:00Z").unwrap()),
            },
            Row {
                count: 0,
                maybe: None,
                fraction: Some(f64::NAN),
                text: None,
                flag: false,
                time: Some(Timestamp::from_millis(1_787_443_200_123)),
            },
        ])
        .unwrap()
}

fn written(format: Format) -> Vec<u8> {
    let mut bytes = Vec::new();
    write(&sample(), format, &mut bytes).unwrap();
    bytes
}

#[test]
fn csv_writes_numbers_plainly_null_as_empty_and_quotes_text() {
    let text = String::from_utf8(written(Format::Csv)).unwrap();
    assert_eq!(
        text,
        "count,maybe,fraction,text,flag,time\n\
         7,-3,0.30000000000000004,\"a \"\"quoted\"\", comma\nand line\u{1b}[2J é\",true,2026-08-23T00:00:00Z\n\
         0,,,,false,2026-08-23T00:00:00.123Z\n"
    );
}

#[test]
fn json_lines_keep_column_order_full_precision_and_escape_text() {
    let text = String::from_utf8(written(Format::Json)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"count":7,"maybe":-3,"fraction":0.30000000000000004,"text":"a \"quoted\", comma\nand line\u001b[2J é","flag":true,"time":"2026-08-23T00:00:00Z"}"#,
            r#"{"count":0,"maybe":null,"fraction":null,"text":null,"flag":false,"time":"2026-08-23T00:00:00.123Z"}"#,
        ]
    );
    for line in lines {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

#[test]
fn parquet_round_trips_the_batch_with_its_schema() {
    let mut file = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut file, &written(Format::Parquet)).unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(file, 1024).unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1);
    let expected = sample();
    assert_eq!(batches[0].schema(), expected.schema());
    assert_eq!(batches[0], expected);
}

/// docs/exports.md shows every table's schema exactly as the code declares it. With
/// `UPDATE_DOCS=1` the test rewrites the generated sections instead.
#[test]
fn docs_exports_md_shows_every_schema() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/exports.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut updated = text.clone();
    let documented = Table::ALL
        .iter()
        .map(|table| (table.name(), schema_markdown(*table)))
        .chain([("series", super::columns_markdown(&super::series_columns()))]);
    for (name, markdown) in documented {
        let begin = format!("<!-- schema {name}: generated");
        let end = format!("<!-- /schema {name} -->");
        let start = updated
            .find(&begin)
            .unwrap_or_else(|| panic!("docs/exports.md has no `{begin}` marker"));
        let body_start = start + updated[start..].find("-->\n").unwrap() + 4;
        let stop = updated[body_start..].find(&end).map_or_else(
            || panic!("docs/exports.md has no `{end}` marker"),
            |at| body_start + at,
        );
        updated.replace_range(body_start..stop, &markdown);
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &updated).unwrap();
    } else {
        assert!(
            updated == text,
            "docs/exports.md differs from the declared schemas: run \
             `UPDATE_DOCS=1 cargo test -p hubcensus-query export::tests::docs` and review the diff"
        );
    }
}

#[test]
fn params_from_a_query_string_name_what_is_wrong() {
    let params = Params::from_pairs([
        ("as_of", "2026-08-23"),
        ("k", "50"),
        ("by", "country,org"),
        ("origin", "both"),
        ("period", "quarter"),
        ("min-params", "7B"),
        ("new_models", "true"),
        ("task", "text-generation"),
    ])
    .unwrap();
    assert_eq!(params.as_of.as_ref().unwrap().text, "2026-08-23");
    assert_eq!(params.k, Some(50));
    assert_eq!(
        params.by,
        [
            hubcensus_analytics::shares::Dimension::Country,
            hubcensus_analytics::shares::Dimension::Organization
        ]
    );
    assert_eq!(params.origins.len(), 2);
    assert_eq!(params.filter.min_params, Some(7_000_000_000));
    assert!(params.filter.new_models);
    assert_eq!(params.filter.task.as_deref(), Some("text-generation"));
    // Shares take no --k: the check says so.
    assert!(params.check(Table::Shares).is_err());

    for (pairs, message, hint) in [
        (
            [("kk", "1")],
            "unknown export parameter \"kk\"",
            "parameters: as_of, k, cadence_days",
        ),
        (
            [("k", "ten")],
            "k=\"ten\" is not valid",
            "expected a positive whole number",
        ),
        (
            [("by", "country,planet")],
            "by=\"country,planet\" is not valid",
            "expected country",
        ),
        ([("min_params", "7")], "less than a million", "e.g. 7B"),
        (
            [("as_of", "yesterday")],
            "is not a date",
            "e.g. as_of=2026-08-23",
        ),
    ] {
        let error = Params::from_pairs(pairs).unwrap_err();
        assert!(error.is_client_error());
        assert!(error.to_string().contains(message), "{error}");
        assert!(error.hint().unwrap().contains(hint), "{:?}", error.hint());
    }
}
