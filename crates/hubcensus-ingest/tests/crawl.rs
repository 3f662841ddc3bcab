//! The crawler against the Hub stand-in on loopback: exact model sets under faults, pacing,
//! resumption after kills, the token, and enrichment.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hubcensus_ingest::api_json::parse_model_object;
use hubcensus_ingest::hub::standin::{Fault, StandIn, StandInConfig, fixture_models};
use hubcensus_ingest::hub::{
    ClientConfig, CrawlConfig, CrawlParams, EnrichConfig, Event, EventSink, HubClient, HubError,
    Phase, StagedCrawl, Token, crawl, enrich,
};
use hubcensus_model::{ModelId, ModelRecord, Timestamp};

const SECRET: &str = "hf_TESTSECRETtoken123";

fn clock() -> Timestamp {
    Timestamp::from_secs(1_790_000_000)
}

fn client_config(endpoint: &str) -> ClientConfig {
    let mut config = ClientConfig::new(endpoint, Token::new(SECRET));
    config.timeout = Duration::from_millis(400);
    config.backoff_base = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(200);
    config.reset_margin = Duration::from_millis(50);
    config.max_retries = 4;
    config
}

fn params(endpoint: &str, page_size: u32, head: u64, limit: Option<u64>) -> CrawlParams {
    let mut params = CrawlParams::new(endpoint, limit, head);
    params.page_size = page_size;
    params
}

fn crawl_config(params: CrawlParams, staging: &Path) -> CrawlConfig {
    CrawlConfig {
        params,
        staging: staging.to_owned(),
        clock,
        stop_after_pages: None,
    }
}

/// The records the stand-in holds now, parsed the same way, in rank order.
fn expected(stand_in: &StandIn) -> Vec<ModelRecord> {
    stand_in
        .models()
        .iter()
        .map(|text| parse_model_object(text).unwrap())
        .collect()
}

fn sorted(mut records: Vec<ModelRecord>) -> Vec<ModelRecord> {
    records.sort_by_key(ModelRecord::key);
    records
}

fn assert_same_snapshot(staged: &[ModelRecord], expected: &[ModelRecord]) {
    let keys: BTreeSet<_> = staged.iter().map(ModelRecord::key).collect();
    assert_eq!(keys.len(), staged.len(), "duplicates in the snapshot");
    assert_eq!(staged.len(), expected.len(), "models lost or added");
    assert_eq!(sorted(staged.to_vec()), sorted(expected.to_vec()));
}

async fn run_crawl(
    stand_in: &StandIn,
    config: &CrawlConfig,
) -> Result<hubcensus_ingest::hub::CrawlOutcome, HubError> {
    let client = HubClient::new(client_config(&stand_in.endpoint()), EventSink::default())?;
    crawl(&client, config, &EventSink::default()).await
}

#[tokio::test]
async fn a_clean_crawl_stages_exactly_the_hubs_models() {
    let stand_in = StandIn::start(StandInConfig {
        models: fixture_models(2_450, 1),
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let staging = tempfile::tempdir().unwrap();
    let config = crawl_config(params(&stand_in.endpoint(), 100, 300, None), staging.path());
    let outcome = run_crawl(&stand_in, &config).await.unwrap();
    assert_eq!(outcome.state.phase, Phase::Done);
    assert!(outcome.state.listing_complete);
    assert_eq!(
        (outcome.state.listing_pages, outcome.state.head_pages),
        (25, 3)
    );
    assert_eq!(outcome.state.finished_at, Some(clock()));
    let staged = StagedCrawl::open(staging.path())
        .unwrap()
        .records()
        .unwrap();
    assert_same_snapshot(&staged, &expected(&stand_in));
    // The first records are the head, in rank order.
    assert_eq!(staged[0].id, expected(&stand_in)[0].id);
    let log = stand_in.log();
    assert_eq!(log.len(), 28, "one request per page");
    assert!(
        log.iter()
            .all(|r| r.authorization.as_deref() == Some(&*format!("Bearer {SECRET}")))
    );
    // Nothing staged holds the token.
    for folder in ["", "listing", "head"] {
        for entry in std::fs::read_dir(staging.path().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(!text.contains(SECRET), "{}", path.display());
            }
        }
    }
    // Every listing request asks for the expand set and follows the Link cursor exactly.
    assert!(log[0].path_and_query.contains("expand[]=downloadsAllTime"));
    assert!(log[1].path_and_query.contains("cursor=c"));
}

#[tokio::test]
async fn every_fault_still_yields_the_exact_snapshot() {
    // Request numbers: listing pages are requests 1.., each fault that fails costs one request.
    let faults = vec![
        (
            2,
            Fault::TooManyRequests {
                retry_after: Some(1),
            },
        ),
        (4, Fault::TooManyRequests { retry_after: None }),
        (5, Fault::Status(500)),
        (6, Fault::Status(502)),
        (8, Fault::Status(503)),
        (9, Fault::Status(408)),
        (10, Fault::Slow(Duration::from_millis(900))),
        (12, Fault::TruncatedJson),
        (14, Fault::ConnectionCut),
        // The live order changes: rank 5 (already listed) and rank 150 (a later page) swap,
        // and rank 20 is renamed while the crawl is past it.
        (15, Fault::Swap(5, 150)),
        (16, Fault::Rename(20, "renamed/after-move".to_owned())),
    ];
    let stand_in = StandIn::start(StandInConfig {
        models: fixture_models(1_000, 2),
        // Short windows, so that a 429 without Retry-After waits about a second.
        quota: Some((1_000, Duration::from_secs(1))),
        faults,
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let staging = tempfile::tempdir().unwrap();
    let config = crawl_config(params(&stand_in.endpoint(), 50, 200, None), staging.path());
    let outcome = run_crawl(&stand_in, &config).await.unwrap();
    let staged = StagedCrawl::open(staging.path())
        .unwrap()
        .records()
        .unwrap();
    assert_same_snapshot(&staged, &expected(&stand_in));
    assert!(staged.iter().any(|r| r.id.as_str() == "renamed/after-move"));
    // 20 listing pages + 4 head pages + 9 failed attempts (swap and rename fail nothing).
    let log = stand_in.log();
    assert_eq!(
        (outcome.state.listing_pages, outcome.state.head_pages),
        (20, 4)
    );
    assert_eq!(log.len(), 24 + 9);
    // Nothing was sent during a rate-limit wait.
    let first = log.iter().position(|r| r.status == 429).unwrap();
    assert!(log[first + 1].at.duration_since(log[first].at) >= Duration::from_secs(1));
    let second = first
        + 1
        + log[first + 1..]
            .iter()
            .position(|r| r.status == 429)
            .unwrap();
    // Without Retry-After: the window's `t` (a whole second at least) plus the margin.
    assert!(log[second + 1].at.duration_since(log[second].at) >= Duration::from_secs(1));
}

#[tokio::test]
async fn an_unreadable_link_is_retried_not_read_as_the_last_page() {
    // Page 3 names its next page without angle brackets: read as "no next page", the listing
    // used to end there with 100 of 500 models.
    let stand_in = StandIn::start(StandInConfig {
        models: fixture_models(500, 6),
        faults: vec![(3, Fault::MalformedLink)],
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let staging = tempfile::tempdir().unwrap();
    let config = crawl_config(params(&stand_in.endpoint(), 50, 100, None), staging.path());
    let outcome = run_crawl(&stand_in, &config).await.unwrap();
    let staged = StagedCrawl::open(staging.path())
        .unwrap()
        .records()
        .unwrap();
    assert_same_snapshot(&staged, &expected(&stand_in));
    assert_eq!(outcome.state.listing_pages, 10);
    // Page 3 was fetched twice.
    assert_eq!(stand_in.log().len(), 10 + 2 + 1);
}

#[tokio::test]
async fn the_pacer_keeps_within_the_quota_and_uses_it() {
    let window = Duration::from_secs(1);
    let quota = 8;
    let stand_in = StandIn::start(StandInConfig {
        models: fixture_models(500, 3),
        quota: Some((quota, window)),
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let staging = tempfile::tempdir().unwrap();
    let config = crawl_config(params(&stand_in.endpoint(), 20, 0, None), staging.path());
    run_crawl(&stand_in, &config).await.unwrap();
    let log = stand_in.log();
    assert_eq!(log.len(), 25);
    let refused = log.iter().filter(|r| r.status == 429).count();
    assert_eq!(refused, 0, "requests refused with 429");
    // Requests per window: never above the quota, and every full window (neither the first
    // nor the last) uses all of it.
    let mut per_window = std::collections::BTreeMap::<u128, u64>::new();
    for request in &log {
        let index = request.at.duration_since(stand_in.started()).as_nanos() / window.as_nanos();
        *per_window.entry(index).or_default() += 1;
    }
    let counts: Vec<u64> = per_window.values().copied().collect();
    assert!(counts.iter().all(|&c| c <= quota), "{counts:?}");
    assert!(counts.len() >= 3, "{counts:?}");
    assert!(
        counts[1..counts.len() - 1].iter().all(|&c| c == quota),
        "{counts:?}"
    );
}

#[tokio::test]
async fn persistent_failures_stop_resumably_and_a_rerun_finishes() {
    let stand_in = StandIn::start(StandInConfig {
        models: fixture_models(600, 4),
        faults: (3..=7).map(|n| (n, Fault::Status(503))).collect(),
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let staging = tempfile::tempdir().unwrap();
    let config = crawl_config(params(&stand_in.endpoint(), 100, 100, None), staging.path());
    let error = run_crawl(&stand_in, &config).await.unwrap_err();
    assert!(error.is_resumable(), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("gave up after 5 failed attempts"),
        "{message}"
    );
    assert!(message.contains("HTTP 503"), "{message}");
    let outcome = run_crawl(&stand_in, &config).await.unwrap();
    assert!(outcome.resumed);
    assert_eq!(outcome.state.started_at, clock());
    let staged = StagedCrawl::open(staging.path())
        .unwrap()
        .records()
        .unwrap();
    assert_same_snapshot(&staged, &expected(&stand_in));
    // The second run started at the staged cursor: page 3 was asked for, not page 1.
    let log = stand_in.log();
    assert!(
        log[7].path_and_query.contains("cursor=c"),
        "{}",
        log[7].path_and_query
    );
}

#[tokio::test]
async fn crawls_killed_at_random_points_resume_to_the_same_snapshot() {
    let stand_in = StandIn::start(StandInConfig {
        models: fixture_models(1_200, 5),
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let reference_dir = tempfile::tempdir().unwrap();
    let reference_params = params(&stand_in.endpoint(), 100, 250, None);
    run_crawl(
        &stand_in,
        &crawl_config(reference_params.clone(), reference_dir.path()),
    )
    .await
    .unwrap();
    let reference = StagedCrawl::open(reference_dir.path())
        .unwrap()
        .records()
        .unwrap();
    // Pseudo-random kill points (pages staged before the kill), fixed for reproducibility.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for round in 0..4 {
        let staging = tempfile::tempdir().unwrap();
        let config = crawl_config(reference_params.clone(), staging.path());
        let mut runs = 0;
        loop {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let kill_after = 1 + x % 6;
            let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
            let events = EventSink::new(move |event| {
                if matches!(event, Event::PageStaged { .. }) {
                    let _ = sender.send(());
                }
            });
            let client =
                HubClient::new(client_config(&stand_in.endpoint()), events.clone()).unwrap();
            let task_config = config.clone();
            let task = tokio::spawn(async move { crawl(&client, &task_config, &events).await });
            let mut staged = 0;
            // Abort the task mid-flight once it has staged `kill_after` pages.
            while staged < kill_after {
                if receiver.recv().await.is_none() {
                    break;
                }
                staged += 1;
            }
            task.abort();
            let finished = matches!(task.await, Ok(Ok(ref o)) if o.state.phase == Phase::Done);
            runs += 1;
            if finished
                || hubcensus_ingest::hub::CrawlState::load(staging.path())
                    .unwrap()
                    .is_some_and(|s| s.phase == Phase::Done)
            {
                break;
            }
            assert!(runs < 100, "round {round}: no progress");
        }
        assert!(runs > 1, "round {round}: the crawl was never killed");
        let resumed = StagedCrawl::open(staging.path())
            .unwrap()
            .records()
            .unwrap();
        assert_eq!(resumed, reference, "round {round}");
    }
}

#[tokio::test]
async fn a_limit_makes_a_partial_top_n() {
    let stand_in = StandIn::start(StandInConfig {
        models: fixture_models(1_000, 6),
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let staging = tempfile::tempdir().unwrap();
    let config = crawl_config(
        params(&stand_in.endpoint(), 100, 50, Some(250)),
        staging.path(),
    );
    let outcome = run_crawl(&stand_in, &config).await.unwrap();
    assert!(!outcome.state.listing_complete);
    let staged = StagedCrawl::open(staging.path())
        .unwrap()
        .records()
        .unwrap();
    let top: Vec<_> = expected(&stand_in).into_iter().take(250).collect();
    assert_same_snapshot(&staged, &top);
    assert_eq!(outcome.state.listing_pages, 3);
}

#[tokio::test]
async fn other_parameters_do_not_resume_a_staged_crawl() {
    let stand_in = StandIn::start(StandInConfig {
        models: fixture_models(10, 7),
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let staging = tempfile::tempdir().unwrap();
    run_crawl(
        &stand_in,
        &crawl_config(params(&stand_in.endpoint(), 5, 0, None), staging.path()),
    )
    .await
    .unwrap();
    let error = run_crawl(
        &stand_in,
        &crawl_config(params(&stand_in.endpoint(), 5, 0, Some(3)), staging.path()),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, HubError::ParamsMismatch { .. }), "{error}");
}

/// A writer that keeps everything logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_token_is_sent_but_never_logged_or_shown() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (error, log) = tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let stand_in = StandIn::start(StandInConfig {
                models: fixture_models(300, 8),
                faults: vec![
                    (1, Fault::Status(500)),
                    (2, Fault::TruncatedJson),
                    (
                        3,
                        Fault::TooManyRequests {
                            retry_after: Some(0),
                        },
                    ),
                    (5, Fault::Status(401)),
                ],
                ..StandInConfig::default()
            })
            .await
            .unwrap();
            let staging = tempfile::tempdir().unwrap();
            let config = crawl_config(params(&stand_in.endpoint(), 100, 0, None), staging.path());
            let error = run_crawl(&stand_in, &config).await.unwrap_err();
            (error, stand_in.log())
        })
    });
    assert!(
        log.iter()
            .all(|r| r.authorization.as_deref() == Some(&*format!("Bearer {SECRET}")))
    );
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("HTTP 401"), "{shown}");
    assert!(
        shown.contains("standin-5"),
        "the request id is reported: {shown}"
    );
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying"), "logs were captured: {logs}");
    assert!(!logs.contains(SECRET) && !shown.contains(SECRET));
    let config = client_config("http://127.0.0.1:1");
    assert!(!format!("{config:?}").contains(SECRET));
}

#[tokio::test]
async fn enrichment_fetches_models_base_models_and_accounts_and_resumes() {
    let models = vec![
        r#"{"_id":"1","id":"acme/chat","downloads":9}"#.to_owned(),
        r#"{"_id":"2","id":"jo/tiny","downloads":5}"#.to_owned(),
        r#"{"_id":"3","id":"acme/base","downloads":1}"#.to_owned(),
    ];
    let details = [
        (
            "acme/chat",
            r#"{"_id":"1","id":"acme/chat","baseModels":{"relation":"finetune","models":[{"id":"acme/base"}]},"cardData":{"license":"mit"}}"#,
        ),
        (
            "jo/tiny",
            r#"{"_id":"2","id":"jo/tiny","baseModels":{"relation":"quantized","models":[{"id":"gone/model"}]}}"#,
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let stand_in = StandIn::start(StandInConfig {
        models,
        details,
        users: ["jo".to_owned()].into(),
        organizations: ["acme".to_owned()].into(),
        faults: vec![(2, Fault::Status(503))],
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut config = EnrichConfig {
        models: vec![
            ModelId::new("acme/chat").unwrap(),
            ModelId::new("jo/tiny").unwrap(),
        ],
        base_models: true,
        authors: vec!["acme".to_owned(), "jo".to_owned(), "nobody".to_owned()],
        out: out.path().to_owned(),
        stop_after: Some(2),
    };
    let client = HubClient::new(client_config(&stand_in.endpoint()), EventSink::default()).unwrap();
    let first = enrich(&client, &config, &EventSink::default())
        .await
        .unwrap();
    assert!(!first.finished);
    config.stop_after = None;
    let second = enrich(&client, &config, &EventSink::default())
        .await
        .unwrap();
    assert!(second.finished);
    assert_eq!(second.resumed, 2);
    let models = std::fs::read_to_string(out.path().join("models.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = models
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["id"].as_str().unwrap(), l["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("acme/base", "ok"),
            ("acme/chat", "ok"),
            ("gone/model", "not_found"),
            ("jo/tiny", "ok"),
        ]
    );
    assert_eq!(lines[1]["model"]["cardData"]["license"], "mit");
    let accounts = std::fs::read_to_string(out.path().join("accounts.jsonl")).unwrap();
    assert_eq!(
        accounts,
        concat!(
            "{\"name\":\"acme\",\"kind\":\"organization\"}\n",
            "{\"name\":\"jo\",\"kind\":\"user\"}\n",
            "{\"name\":\"nobody\",\"kind\":\"unknown\"}\n"
        )
    );
    assert!(!out.path().join(".partial").exists());
    // 4 models + 1 retry + acme (user 404, org) + jo (user) + nobody (user 404, org 404).
    assert_eq!(stand_in.log().len(), 4 + 1 + 2 + 1 + 2);
}
