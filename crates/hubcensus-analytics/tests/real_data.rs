//! The analytics on real data in ../shared/data (read in place, never copied).
//!
//! Expected figures were computed independently (a short Python script over the same files:
//! rank by downloads descending then id, entries = set difference) and are written here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use hubcensus_analytics::lineage::{LineageGraph, Root, derivatives};
use hubcensus_analytics::series::{SeriesOptions, series};
use hubcensus_analytics::{Filter, Measure};
use hubcensus_model::{
    Catalog, Lineage, LineageTable, ModelId, Relation, SnapshotFrame, SnapshotInfo, SourceKind,
    Timestamp,
};

fn shared_data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
}

/// Dense index over ids, in first-seen order.
#[derive(Default)]
struct Index {
    ids: Vec<ModelId>,
    by_id: BTreeMap<String, u32>,
}

impl Index {
    fn get(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.by_id.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(ModelId::new(id).unwrap());
        self.by_id.insert(id.to_owned(), i);
        i
    }
}

#[test]
fn working_set_and_churn_of_the_30_day_measure_real_data() {
    let directory = shared_data().join("hf-daily-top-snapshots");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 16);
    let mut index = Index::default();
    let mut listings = Vec::new();
    for path in &paths {
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let date = Timestamp::parse(value["date"].as_str().unwrap()).unwrap();
        let models: Vec<(u32, u64)> = value["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    index.get(m["id"].as_str().unwrap()),
                    m["downloads"].as_u64().unwrap(),
                )
            })
            .collect();
        listings.push((date, models));
    }
    let len = index.ids.len();
    let frames: Vec<SnapshotFrame> = listings
        .iter()
        .map(|(date, models)| {
            let info = SnapshotInfo {
                as_of: *date,
                crawl_started: None,
                crawl_ended: None,
                source: SourceKind::HubApiJson,
                source_location: String::new(),
                models: models.len() as u64,
                columns: vec!["downloads_30d".into()],
                partial: true,
                synthetic: false,
            };
            let mut frame = SnapshotFrame::empty(info, len);
            for &(i, downloads) in models {
                frame.present[i as usize] = true;
                frame.downloads_30d.set(i as usize, Some(downloads));
            }
            frame
        })
        .collect();
    let catalog = Catalog {
        ids: index.ids.clone().into(),
        ..Catalog::default()
    };
    let figures = series(&catalog, &frames, None, &SeriesOptions::default()).unwrap();
    assert_eq!(figures.len(), 16, "one 30-day window per daily snapshot");
    for window in &figures {
        assert_eq!(window.population.measure, Measure::ThirtyDay);
        assert!(window.population.words.starts_with("30-day window ending"));
        assert!(window.population.words.contains("PARTIAL"));
        assert_eq!(window.working_set.members.len(), 200);
    }
    let first = &figures[0];
    assert_eq!(first.counts.models, 531);
    assert_eq!(first.counts.total_downloads, 2_071_003_854);
    assert!((first.working_set.share.unwrap() - 0.878_619).abs() < 1e-6);
    assert_eq!(
        &catalog.ids[first.working_set.members[0] as usize],
        "sentence-transformers/all-MiniLM-L6-v2"
    );
    let entries: Vec<usize> = figures[1..]
        .iter()
        .map(|w| w.churn.as_ref().unwrap().entries.len())
        .collect();
    assert_eq!(entries, vec![0, 4, 2, 3, 3, 0, 7, 5, 3, 4, 3, 3, 2, 2, 3]);
    let last = figures.last().unwrap();
    assert_eq!(last.counts.total_downloads, 2_098_051_849);
    assert!((last.working_set.share.unwrap() - 0.878_007).abs() < 1e-6);
    let churn = last.churn.as_ref().unwrap();
    assert_eq!(churn.exits.len(), churn.entries.len());
    assert_eq!(churn.stayers.len(), 197);
    assert!((churn.churn - 3.0 / 200.0).abs() < 1e-12);
    // Filters still apply: nothing matches an unknown task, and the population says so.
    let filtered = series(
        &catalog,
        &frames,
        None,
        &SeriesOptions {
            filter: Filter {
                task: Some("text-generation".into()),
                ..Filter::default()
            },
            ..SeriesOptions::default()
        },
    )
    .unwrap();
    assert_eq!(filtered[0].counts.models, 0);
    assert_eq!(filtered[0].concentration.top_k_share, None);
}

#[test]
fn derivative_trees_lineage_counts_real_data() {
    // (file, root, descendants, direct finetunes), computed independently from the same tags.
    let expected = [
        (
            "DeepSeek-R1_finetunes_20250422_180448.csv",
            "deepseek-ai/DeepSeek-R1",
            301,
            286,
        ),
        (
            "Llama-2-7b-chat-hf_finetunes_20250422_201036.csv",
            "meta-llama/Llama-2-7b-chat-hf",
            453,
            426,
        ),
        (
            "gemma-7b_finetunes_20250426_000539.csv",
            "google/gemma-7b",
            348,
            316,
        ),
        (
            "phi-2_finetunes_20250422_224221.csv",
            "microsoft/phi-2",
            306,
            291,
        ),
    ];
    for (file, root, descendants, direct) in expected {
        let mut reader =
            csv::Reader::from_path(shared_data().join("derivative-trees-midah").join(file))
                .unwrap();
        let headers = reader.headers().unwrap().clone();
        let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (id_column, metadata_column) = (column("model_id"), column("metadata"));
        let mut index = Index::default();
        let mut rows: Vec<(u32, Option<Lineage>)> = Vec::new();
        for record in reader.records() {
            let record = record.unwrap();
            // A few rows name the model by its URL.
            let id = &record[id_column];
            let model = index.get(id.strip_prefix("https://huggingface.co/").unwrap_or(id));
            let lineage = serde_json::from_str::<serde_json::Value>(&record[metadata_column])
                .ok()
                .and_then(|metadata| {
                    let tags: Vec<String> = metadata["tags"]
                        .as_array()
                        .map(|tags| {
                            tags.iter()
                                .filter_map(|t| t.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    Lineage::from_tags(tags.iter().map(String::as_str))
                });
            rows.push((model, lineage));
        }
        let mut table_rows: Vec<(Option<Relation>, Vec<u32>, Vec<u32>)> = Vec::new();
        for (model, lineage) in rows {
            let Some(lineage) = lineage else { continue };
            let parents: Vec<u32> = lineage
                .parents
                .iter()
                .map(|p| index.get(p.as_str()))
                .collect();
            let model = model as usize;
            if table_rows.len() <= model {
                table_rows.resize(model + 1, (None, vec![], vec![]));
            }
            table_rows[model] = (Some(lineage.relation), parents.clone(), parents);
        }
        table_rows.resize(index.ids.len(), (None, vec![], vec![]));
        let graph = LineageGraph::new(&LineageTable::from_rows(table_rows), index.ids.len());
        let base = index.by_id[root] as usize;
        assert_eq!(graph.descendants(base).len(), descendants, "{file}");
        let by_relation = graph.direct_by_relation(base);
        assert_eq!(by_relation.finetune, direct, "{file}");
        assert_eq!(graph.root(base), Root::Model(base as u32));
        let ranked = derivatives(&graph, Some(1), |_| true);
        assert_eq!(ranked[0].model as usize, base, "{file}: the root leads");
        assert!(graph.relation_mix().edges >= descendants as u64);
    }
}
