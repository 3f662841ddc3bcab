//! Per-model enrichment: lineage and card data for the top models and their base models, and
//! whether each author is a user or an organization. Bounded (the caller picks the models) and
//! resumable (results are appended durably as they arrive and skipped on the next run).
//!
//! Layout of `<out>` (the binary uses `<data-dir>/enrich/<as_of>/`):
//!
//! ```text
//! models.jsonl      one line per model, sorted by id:
//!                   {"id":"org/name","status":"ok","model":{...the /api/models/{id} object...}}
//!                   status "not_found" (404) or "refused" (401/403, with "http_status") has no model
//! accounts.jsonl    one line per author, sorted by name: {"name":"org","kind":"organization"}
//!                   kind: "user", "organization" or "unknown" (neither overview exists)
//! .partial/         the lines of an unfinished run (append-only; removed when finished)
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use hubcensus_model::ModelId;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{Event, EventSink, HubClient, HubError, write_atomic};
use crate::api_json::parse_model_object;

/// What an account is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    User,
    Organization,
    Unknown,
}

/// What to enrich, and where.
#[derive(Clone, Debug)]
pub struct EnrichConfig {
    /// The top models, in rank order.
    pub models: Vec<ModelId>,
    /// Also fetch the direct base models of `models`.
    pub base_models: bool,
    /// The authors whose account kind is wanted.
    pub authors: Vec<String>,
    pub out: PathBuf,
    /// Stop after this many requests in this run (tests of resumption).
    pub stop_after: Option<u64>,
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnrichOutcome {
    pub models: u64,
    pub base_models: u64,
    pub accounts: u64,
    /// Items already done by an earlier run.
    pub resumed: u64,
    /// Whether everything is done and the final files are written.
    pub finished: bool,
}

#[derive(Serialize, Deserialize)]
struct ModelLine {
    id: String,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<Box<RawValue>>,
}

#[derive(Serialize, Deserialize)]
struct AccountLine {
    name: String,
    kind: AccountKind,
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> HubError + '_ {
    move |source| HubError::Staging {
        path: path.to_owned(),
        source,
    }
}

/// Complete lines of an append-only file (a torn last line from a kill is ignored).
fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, HubError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(io_error(path)(source)),
    };
    Ok(text
        .split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect())
}

fn append_line(path: &Path, line: &impl Serialize) -> Result<(), HubError> {
    let mut text = serde_json::to_vec(line).map_err(|e| HubError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    text.push(b'\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(&text).map_err(io_error(path))?;
    file.sync_data().map_err(io_error(path))
}

fn parents_of(line: &ModelLine) -> Vec<ModelId> {
    line.model
        .as_ref()
        .and_then(|raw| parse_model_object(raw.get()).ok())
        .and_then(|record| record.lineage)
        .map(|lineage| lineage.parents)
        .unwrap_or_default()
}

fn encode_path(id: &str) -> String {
    id.split('/')
        .map(|part| {
            part.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Runs (or resumes) an enrichment into `config.out`.
pub async fn enrich(
    client: &HubClient,
    config: &EnrichConfig,
    events: &EventSink,
) -> Result<EnrichOutcome, HubError> {
    let partial = config.out.join(".partial");
    std::fs::create_dir_all(&partial).map_err(io_error(&partial))?;
    let models_path = partial.join("models.jsonl");
    let accounts_path = partial.join("accounts.jsonl");
    let mut model_lines: BTreeMap<String, ModelLine> = read_lines::<ModelLine>(&models_path)?
        .into_iter()
        .map(|line| (line.id.clone(), line))
        .collect();
    let mut account_lines: BTreeMap<String, AccountKind> =
        read_lines::<AccountLine>(&accounts_path)?
            .into_iter()
            .map(|line| (line.name, line.kind))
            .collect();
    let mut outcome = EnrichOutcome {
        resumed: (model_lines.len() + account_lines.len()) as u64,
        ..EnrichOutcome::default()
    };
    let top: BTreeSet<&str> = config.models.iter().map(ModelId::as_str).collect();
    // The queue: the top models in rank order, then the base models found so far.
    let mut queue: Vec<ModelId> = config.models.clone();
    let mut queued: BTreeSet<String> = queue.iter().map(|id| id.as_str().to_owned()).collect();
    let mut requests = 0u64;
    let total_accounts = config.authors.len() as u64;
    let mut position = 0;
    while position < queue.len() {
        let id = queue[position].clone();
        position += 1;
        if !model_lines.contains_key(id.as_str()) {
            if config.stop_after.is_some_and(|stop| requests >= stop) {
                return Ok(outcome);
            }
            requests += 1;
            let url = format!(
                "/api/models/{}?expand[]=baseModels&expand[]=cardData",
                encode_path(id.as_str())
            );
            let line = match client
                .get(&url, |body| {
                    serde_json::from_slice::<Box<RawValue>>(body).map_err(|e| e.to_string())
                })
                .await
            {
                Ok(Some(response)) => ModelLine {
                    id: id.as_str().to_owned(),
                    status: "ok".to_owned(),
                    http_status: None,
                    model: Some(response.value),
                },
                Ok(None) => ModelLine {
                    id: id.as_str().to_owned(),
                    status: "not_found".to_owned(),
                    http_status: Some(404),
                    model: None,
                },
                Err(HubError::Status { status, .. }) if matches!(status, 401 | 403) => ModelLine {
                    id: id.as_str().to_owned(),
                    status: "refused".to_owned(),
                    http_status: Some(status),
                    model: None,
                },
                Err(error) => return Err(error),
            };
            append_line(&models_path, &line)?;
            if top.contains(id.as_str()) {
                outcome.models += 1;
            } else {
                outcome.base_models += 1;
            }
            model_lines.insert(line.id.clone(), line);
            events.emit(&Event::Enriched {
                done: model_lines.len() as u64,
                total: queue.len() as u64 + total_accounts,
            });
        }
        if config.base_models && top.contains(id.as_str()) {
            for parent in parents_of(&model_lines[id.as_str()]) {
                if queued.insert(parent.as_str().to_owned()) {
                    queue.push(parent);
                }
            }
        }
    }
    for name in &config.authors {
        if account_lines.contains_key(name) {
            continue;
        }
        if config.stop_after.is_some_and(|stop| requests >= stop) {
            return Ok(outcome);
        }
        requests += 1;
        let accept = |body: &[u8]| {
            serde_json::from_slice::<serde::de::IgnoredAny>(body)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let encoded = encode_path(name);
        let kind = if client
            .get(&format!("/api/users/{encoded}/overview"), accept)
            .await?
            .is_some()
        {
            AccountKind::User
        } else if client
            .get(&format!("/api/organizations/{encoded}/overview"), accept)
            .await?
            .is_some()
        {
            AccountKind::Organization
        } else {
            AccountKind::Unknown
        };
        append_line(
            &accounts_path,
            &AccountLine {
                name: name.clone(),
                kind,
            },
        )?;
        account_lines.insert(name.clone(), kind);
        outcome.accounts += 1;
        events.emit(&Event::Enriched {
            done: (model_lines.len() + account_lines.len()) as u64,
            total: queue.len() as u64 + total_accounts,
        });
    }
    // Everything is in: write the final files (sorted) and drop the partial lines.
    let mut models_text = Vec::new();
    for id in &queued {
        if let Some(line) = model_lines.get(id) {
            serde_json::to_writer(&mut models_text, line).map_err(|e| HubError::Corrupt {
                path: models_path.clone(),
                reason: e.to_string(),
            })?;
            models_text.push(b'\n');
        }
    }
    write_atomic(&config.out.join("models.jsonl"), &models_text)?;
    let mut accounts_text = Vec::new();
    for name in config.authors.iter().collect::<BTreeSet<_>>() {
        if let Some(kind) = account_lines.get(name) {
            serde_json::to_writer(
                &mut accounts_text,
                &AccountLine {
                    name: name.clone(),
                    kind: *kind,
                },
            )
            .map_err(|e| HubError::Corrupt {
                path: accounts_path.clone(),
                reason: e.to_string(),
            })?;
            accounts_text.push(b'\n');
        }
    }
    write_atomic(&config.out.join("accounts.jsonl"), &accounts_text)?;
    std::fs::remove_dir_all(&partial).map_err(io_error(&partial))?;
    outcome.finished = true;
    Ok(outcome)
}
