//! `hubcensus serve`: the real binary listening on a loopback port (`--addr 127.0.0.1:0`, the
//! bound address read from its first line on stderr), asked over plain HTTP/1.1. Every route's
//! success and error cases (status, content type, schema), the `OpenAPI` document against the
//! router, `ETag`s, the security headers, hostile text and paths; then headless Chromium loads
//! every page at a desktop and a phone size.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use hubcensus_model::{ModelId, ModelRecord, Timestamp};
use serde_json::Value;

use crate::support;

/// A running `hubcensus serve`, stopped when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(data_dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hubcensus"))
            .env_clear()
            .env("HUBCENSUS_HOME", data_dir)
            .env("NO_COLOR", "1")
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start hubcensus serve");
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let start = line
            .find("http://")
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            + "http://".len();
        let end = start + line[start..].find('/').unwrap();
        Self {
            address: line[start..end].to_owned(),
            child,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn get(&self, path: &str) -> Response {
        self.get_with(path, &[])
    }

    /// One request on a fresh connection (`Connection: close`), the answer read to its end.
    fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        let mut request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.address
        );
        for (name, value) in headers {
            request = request + name + ": " + value + "\r\n";
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("the end of the headers");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: BTreeMap<String, String> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_lowercase(), value.trim().to_owned()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .get("transfer-encoding")
            .is_some_and(|v| v == "chunked")
        {
            body = dechunk(&body);
        }
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

struct Response {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

impl Response {
    fn content_type(&self) -> &str {
        self.headers.get("content-type").map_or("", String::as_str)
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    /// The parameter a 400's JSON body names.
    fn parameter(&self) -> String {
        self.json()["error"]["parameter"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A small demo store (3,000 models, 5 weeks), made once for this module's tests.
fn demo_store() -> &'static Path {
    static STORE: OnceLock<PathBuf> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        support::hubcensus(&dir)
            .args(["demo", "--models", "3000", "--weeks", "5", "-q"])
            .assert()
            .success();
        dir
    })
}

/// The navigation of a page.
fn week_page_nav(server: &Server) -> String {
    let body = server.get("/").body;
    let start = body.find("<nav>").expect("a nav");
    let end = body.find("</nav>").expect("a nav's end");
    body[start..end].to_owned()
}

/// The id of the top model of the latest week.
fn top_model(server: &Server) -> String {
    server.get("/api/v1/working-set?k=1").json()["models"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn serve_answers_every_documented_route_with_its_schema_and_meta() {
    let server = Server::start(demo_store());
    let openapi = server.get("/api/v1/openapi.json");
    assert_eq!(openapi.status, 200);
    assert_eq!(openapi.content_type(), "application/json");
    let document = openapi.json();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 10, "{paths:?}");
    let model = top_model(&server);
    let namespace = model.split('/').next().unwrap().to_owned();
    for (path, item) in paths {
        let operation = &item["get"];
        let path = path
            .replace("{id}", &model)
            .replace("{name}", &namespace)
            .replace("{table}", "windows");
        // A required query parameter takes its documented example ({model}: a model in the
        // store).
        let parameters = operation["parameters"].as_array().unwrap();
        let required: Vec<String> = parameters
            .iter()
            .filter(|p| p["in"] == "query" && p["required"] == true)
            .map(|p| {
                let example = p["example"]
                    .as_str()
                    .expect("a required parameter's example");
                format!(
                    "{}={}",
                    p["name"].as_str().unwrap(),
                    example.replace("{model}", &model)
                )
            })
            .collect();
        let concrete = if required.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", required.join("&"))
        };
        let join = if required.is_empty() { '?' } else { '&' };
        let response = server.get(&concrete);
        assert_eq!(response.status, 200, "{concrete}: {}", response.body);
        if concrete.starts_with("/api/v1/export/") || concrete.starts_with("/api/v1/series?") {
            assert_eq!(response.content_type(), "application/vnd.apache.parquet");
            assert!(response.body.starts_with("PAR1"));
        } else {
            assert_eq!(response.content_type(), "application/json", "{concrete}");
        }
        if let Some(schema) = operation["x-hubcensus-schema"].as_str() {
            let body = response.json();
            assert_eq!(body["schema"], schema, "{concrete}");
            let meta = &body["meta"];
            for key in [
                "snapshots",
                "source",
                "schema_era",
                "population",
                "registry_version",
                "citation",
            ] {
                assert!(!meta[key].is_null(), "{concrete}: meta.{key} missing");
            }
            assert_eq!(meta["synthetic"], true, "{concrete}");
            assert!(
                meta["citation"]
                    .as_str()
                    .unwrap()
                    .contains("synthetic demo data")
            );
        }
        // Every documented query parameter is accepted (an undocumented one is refused below).
        for parameter in parameters {
            if parameter["in"] == "query" && parameter["required"] != true {
                let name = parameter["name"].as_str().unwrap();
                let response = server.get(&format!("{concrete}{join}{name}="));
                assert_eq!(
                    response.status, 200,
                    "{concrete}?{name}=: {}",
                    response.body
                );
            }
        }
        let refused = server.get(&format!("{concrete}{join}no_such_parameter=1"));
        assert_eq!(refused.status, 400, "{concrete}");
        assert_eq!(refused.parameter(), "no_such_parameter");
        // Without a required parameter: a 400 naming it.
        for parameter in parameters {
            if parameter["in"] == "query" && parameter["required"] == true {
                let name = parameter["name"].as_str().unwrap();
                let rest: Vec<&String> = required
                    .iter()
                    .filter(|r| !r.starts_with(&format!("{name}=")))
                    .collect();
                let without = format!(
                    "{path}?{}",
                    rest.iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join("&")
                );
                let response = server.get(&without);
                assert_eq!(response.status, 400, "{without}: {}", response.body);
                assert_eq!(response.parameter(), name, "{without}");
            }
        }
    }
    // The tables behind the charts download as CSV too, named as files.
    let csv = server.get("/api/v1/export/working-set?format=csv&k=5");
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
    assert_eq!(
        csv.headers["content-disposition"],
        "attachment; filename=\"hubcensus-working-set.csv\""
    );
    assert_eq!(server.get("/api/v1/export/no-such-table").status, 404);
    assert_eq!(
        server.get("/api/v1/export/windows?format=xlsx").parameter(),
        "format"
    );
    // The model page's and the comparison's weekly series download too.
    let series = server.get(&format!("/api/v1/series?models={model}&format=csv"));
    assert_eq!(series.status, 200, "{}", series.body);
    assert_eq!(series.content_type(), "text/csv; charset=utf-8");
    assert_eq!(
        series.headers["content-disposition"],
        "attachment; filename=\"hubcensus-series.csv\""
    );
    let lines: Vec<&str> = series.body.lines().collect();
    assert_eq!(
        lines[0],
        "model_id,window_from,window_to,downloads,share,rank"
    );
    let weeks = server.get("/api/v1/working-set").json()["weeks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(lines.len(), 1 + weeks, "{}", series.body);
    assert!(
        lines
            .iter()
            .skip(1)
            .all(|l| l.starts_with(&format!("{model},")))
    );
    // The top model of the latest window is ranked 1 there.
    assert!(lines.last().unwrap().ends_with(",1"), "{}", series.body);
    let json_lines = server.get(&format!("/api/v1/series?models={model}&format=json"));
    assert_eq!(json_lines.content_type(), "application/x-ndjson");
    assert_eq!(json_lines.body.lines().count(), weeks);
    let unknown = server.get("/api/v1/series?models=no-such/model");
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(unknown.content_type(), "application/json");
    for (query, parameter) in [
        ("models=a/1,a/2,a/3,a/4,a/5,a/6", "models"),
        ("models=", "models"),
        (&format!("models={model}&format=xlsx")[..], "format"),
        ("models=a/..", "models"),
    ] {
        let refused = server.get(&format!("/api/v1/series?{query}"));
        assert_eq!(refused.status, 400, "{query}: {}", refused.body);
        assert_eq!(refused.content_type(), "application/json");
        assert_eq!(refused.parameter(), parameter, "{query}");
    }
    // Search: the model itself first, bounded.
    let found = server.get(&format!("/api/v1/search?q={model}")).json();
    assert_eq!(found["schema"], "hubcensus.search/1");
    assert_eq!(found["models"][0], model.as_str(), "{found}");
    let prefix: String = model.chars().take(3).collect();
    let few = server
        .get(&format!("/api/v1/search?q={prefix}&limit=2"))
        .json();
    assert!(few["models"].as_array().unwrap().len() <= 2, "{few}");
    assert!(few["matched"].as_u64().unwrap() >= few["models"].as_array().unwrap().len() as u64);
    for query in ["q=a&limit=0", "q=a&limit=201", "q=a&limit=x"] {
        let refused = server.get(&format!("/api/v1/search?{query}"));
        assert_eq!(refused.status, 400, "{query}");
        assert_eq!(refused.parameter(), "limit", "{query}");
    }
    assert_eq!(server.get("/api/v1/search?q=").parameter(), "q");
    // The families view carries the share of each base's downloads going to its derivatives.
    let families = server.get("/api/v1/derivatives?top=5").json();
    assert!(families["downloads_population"].is_string(), "{families}");
    for base in families["bases"].as_array().unwrap() {
        let downloads = &base["downloads"];
        let total = downloads["total"].as_u64().unwrap();
        let derivatives = &downloads["derivatives"];
        let sum: u64 = ["finetune", "adapter", "quantized", "merge", "unknown"]
            .iter()
            .map(|r| derivatives[r].as_u64().unwrap())
            .sum();
        assert_eq!(downloads["base"].as_u64().unwrap() + sum, total, "{base}");
        match downloads["derivative_share"].as_f64() {
            Some(share) => assert!((share - sum as f64 / total as f64).abs() < 1e-12),
            None => assert_eq!(total, 0),
        }
    }
    // And no API route exists without its description.
    let unknown = server.get("/api/v1/no-such-route");
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.content_type(), "application/json");
}

#[test]
fn serve_api_matches_the_cli_json() {
    let dir = demo_store();
    let server = Server::start(dir);
    for (route, args) in [
        (
            "/api/v1/top?k=20",
            vec!["top", "--k", "20", "--format", "json"],
        ),
        (
            "/api/v1/shares?by=region&origin=both",
            vec![
                "shares", "--by", "region", "--origin", "both", "--format", "json",
            ],
        ),
        (
            "/api/v1/windows?k=50",
            vec!["windows", "--k", "50", "--format", "json"],
        ),
        (
            "/api/v1/discover?task=text-generation&since=13w&contributor=individual,unknown",
            vec![
                "discover",
                "--task",
                "text-generation",
                "--since",
                "13w",
                "--contributor",
                "individual,unknown",
                "--format",
                "json",
            ],
        ),
    ] {
        let mut api = server.get(route).json();
        api.as_object_mut().unwrap().remove("meta");
        let cli = support::json_of(dir, &args);
        assert_eq!(api, cli, "{route} differs from hubcensus {args:?}");
    }
    // The Contributors page shows the report's "Who builds" figures (one function for both).
    let report = support::json_of(dir, &["report", "--format", "json", "-o", "-"]);
    let page = server.get("/contributors").body;
    let rows = report["builders"]["types"]["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let group = row["group"].as_str().unwrap();
        assert!(page.contains(&format!(">{group}</td>")), "{group}");
        assert!(
            page.contains(&format!("data-value=\"{}\"", row["downloads"])),
            "{group}: {}",
            row["downloads"]
        );
    }
    let credible = &report["builders"]["credible_releases"];
    for period in credible["periods"].as_array().unwrap() {
        assert!(
            page.contains(&format!(">{}</td>", period.as_str().unwrap())),
            "{period}"
        );
    }
    // The audit (whose exit status says the verdict, so not through json_of).
    let model = top_model(&server);
    let mut api = server
        .get(&format!(
            "/api/v1/audit?model={model}&workload=reasoning&max_params=100B&license=permissive&include_base=true"
        ))
        .json();
    api.as_object_mut().unwrap().remove("meta");
    let output = support::hubcensus(dir)
        .args([
            "audit",
            &model,
            "--workload",
            "reasoning",
            "--max-params",
            "100B",
            "--license",
            "permissive",
            "--include-base",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(api, cli, "the audit API differs from hubcensus audit");
}

#[test]
fn serve_refuses_bad_parameters_naming_them() {
    let server = Server::start(demo_store());
    for (path, parameter) in [
        ("/api/v1/working-set?k=0", "k"),
        ("/api/v1/working-set?k=1001", "k"),
        ("/api/v1/working-set?k=ten", "k"),
        ("/api/v1/working-set?as_of=yesterday", "as_of"),
        ("/api/v1/working-set?as_of=1999-01-01", "as_of"),
        ("/api/v1/working-set?min_params=7", "min_params"),
        (
            "/api/v1/working-set?min_params=8B&max_params=1B",
            "min_params",
        ),
        ("/api/v1/working-set?task=no-such-task", "task"),
        ("/api/v1/shares?by=planet", "by"),
        ("/api/v1/shares?origin=moon", "origin"),
        ("/api/v1/top?family=maybe", "family"),
        ("/api/v1/top?k=1&k=2", "k"),
        ("/api/v1/derivatives?top=0", "top"),
        ("/api/v1/model/a/b?limit=100000", "limit"),
        ("/week?k=0", "k"),
        ("/compare?models=a/b,c/d,e/f,g/h,i/j,k/l", "models"),
        ("/api/v1/audit?workload=reasoning", "model"),
        ("/api/v1/audit?model=a/../b&workload=reasoning", "model"),
        ("/api/v1/audit?model=a/b&workload=poetry", "workload"),
        (
            "/api/v1/audit?model=a/b&workload=reasoning&max_params=7",
            "max_params",
        ),
        (
            "/api/v1/audit?model=a/b&workload=reasoning&license=gpl",
            "license",
        ),
        (
            "/api/v1/audit?model=a/b&workload=reasoning&include_base=maybe",
            "include_base",
        ),
        (
            "/api/v1/audit?model=a/b&workload=reasoning&as_of=1999-01-01",
            "as_of",
        ),
        ("/api/v1/discover", "task"),
        ("/api/v1/discover?task=text-generation&since=soon", "since"),
        (
            "/api/v1/discover?task=text-generation&contributor=aliens",
            "contributor",
        ),
        (
            "/api/v1/discover?task=text-generation&min_downloads=-1",
            "min_downloads",
        ),
        (
            "/api/v1/discover?task=text-generation&as_of=yesterday",
            "as_of",
        ),
        ("/audit?model=a/b&workload=poetry", "workload"),
        ("/discover?task=text-generation&since=0d", "since"),
        ("/contributors?k=0", "k"),
        ("/contributors?period=decade", "period"),
        ("/contributors?min_params=7", "min_params"),
    ] {
        let response = server.get(path);
        assert_eq!(response.status, 400, "{path}: {}", response.body);
        if path.starts_with("/api/") {
            assert_eq!(response.content_type(), "application/json", "{path}");
            assert_eq!(response.parameter(), parameter, "{path}: {}", response.body);
            assert!(!response.json()["error"]["hint"].is_null(), "{path}");
        } else {
            assert_eq!(
                response.content_type(),
                "text/html; charset=utf-8",
                "{path}"
            );
            assert!(
                response.body.contains(&format!("Parameter: {parameter}")),
                "{path}: {}",
                response.body
            );
        }
    }
    for (path, kind) in [
        ("/api/v1/model/nobody/nothing", "application/json"),
        ("/model/nobody/nothing", "text/html; charset=utf-8"),
        ("/badge/nobody/nothing.svg", "application/json"),
        (
            "/api/v1/audit?model=nobody/nothing&workload=reasoning",
            "application/json",
        ),
        (
            "/audit?model=nobody/nothing&workload=reasoning",
            "text/html; charset=utf-8",
        ),
        ("/no/such/page", "text/html; charset=utf-8"),
    ] {
        let response = server.get(path);
        assert_eq!(response.status, 404, "{path}: {}", response.body);
        assert_eq!(response.content_type(), kind, "{path}");
    }
}

#[test]
fn serve_pages_feed_and_badge_answer_with_their_content_types() {
    let server = Server::start(demo_store());
    let model = top_model(&server);
    let namespace = model.split('/').next().unwrap().to_owned();
    let week = server.get("/api/v1/working-set").json()["population"]["to"]
        .as_str()
        .unwrap()[..10]
        .to_owned();
    for path in [
        "/".to_owned(),
        "/week".to_owned(),
        format!("/week/{week}"),
        "/week?family=true".to_owned(),
        "/week?new_models=true&k=50".to_owned(),
        format!("/model/{model}"),
        "/geography".to_owned(),
        "/geography?period=month".to_owned(),
        "/concentration".to_owned(),
        "/families".to_owned(),
        format!("/org/{namespace}"),
        format!("/compare?models={model}"),
        "/search?q=qwen".to_owned(),
        "/quality".to_owned(),
        "/audit".to_owned(),
        format!("/audit?model={model}&workload=reasoning&max_params=100B&include_base=true"),
        "/discover".to_owned(),
        "/discover?task=text-generation&contributor=individual,unknown&since=13w".to_owned(),
        "/contributors".to_owned(),
        "/contributors?k=50&task=text-generation".to_owned(),
    ] {
        let response = server.get(&path);
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        assert_eq!(
            response.content_type(),
            "text/html; charset=utf-8",
            "{path}"
        );
        assert!(
            response.body.contains("Synthetic demo data"),
            "{path}: no banner"
        );
        assert!(response.body.contains("Cite as: hubcensus"), "{path}");
    }
    for item in [
        "href=\"/audit\"",
        "href=\"/discover\"",
        "href=\"/contributors\"",
    ] {
        assert!(
            week_page_nav(&server).contains(item),
            "the nav lacks {item}"
        );
    }
    let audit = server
        .get(&format!("/audit?model={model}&workload=reasoning"))
        .body;
    assert!(audit.contains("Verdict"), "{audit}");
    assert!(
        audit.contains(&format!("value=\"{model}\"")),
        "the form keeps the model"
    );
    let discover = server.get("/discover?task=text-generation").body;
    assert!(discover.contains("id=\"discover\""), "{discover}");
    assert!(
        discover.contains("value=\"text-generation\""),
        "the form keeps the task"
    );
    let week_page = server.get("/week").body;
    assert!(week_page.contains(&format!("href=\"/model/{model}\"")));
    // The series behind the model page's and the comparison's charts are linked.
    let series_link = format!(
        "href=\"/api/v1/series?models={}&#38;format=csv\"",
        hubcensus_server_encode(&model)
    );
    for path in [
        format!("/model/{model}"),
        format!("/compare?models={model}"),
    ] {
        let body = server.get(&path).body;
        assert!(body.contains(&series_link), "{path} lacks {series_link}");
    }
    // Contributors' period picker: the page's types over time are the shares API's periods,
    // and the picker and the download keep the period.
    let quarterly = server.get("/api/v1/shares?by=type&period=quarter").json();
    let contributors = server.get("/contributors?period=quarter").body;
    for result in quarterly["results"].as_array().unwrap() {
        let label = result["period"].as_str().unwrap();
        assert!(label.contains("-Q"), "{label}");
        assert!(contributors.contains(&format!(">{label}</")), "{label}");
    }
    assert!(contributors.contains("<option value=\"quarter\" selected"));
    assert!(
        contributors.contains("&#38;period=quarter"),
        "the download keeps the period"
    );
    // The organization page: its share per window (from the shares view by organization) and
    // the derivatives of its models.
    let org = server.get(&format!("/org/{namespace}")).body;
    assert!(org.contains("Share of downloads over time"), "{org}");
    assert!(org.contains("Derivatives of its models"), "{org}");
    let families = server.get("/families").body;
    assert!(families.contains("id=\"derivative-share\""), "{families}");
    assert!(families.contains("To derivatives"));
    assert!(server.get(&format!("/model/{model}")).body.contains("<svg"));

    let feed = server.get("/feeds/working-set.atom");
    assert_eq!(feed.status, 200);
    assert_eq!(feed.content_type(), "application/atom+xml");
    // One entry per week that has a week before it.
    let weeks = server.get("/api/v1/working-set").json()["weeks"]
        .as_array()
        .unwrap()
        .len();
    assert!(feed.body.starts_with("<?xml"), "{}", feed.body);
    assert_eq!(
        feed.body.matches("<entry>").count(),
        weeks - 1,
        "{}",
        feed.body
    );

    let badge = server.get(&format!("/badge/{model}.svg"));
    assert_eq!(badge.status, 200);
    assert_eq!(badge.content_type(), "image/svg+xml");
    assert!(badge.body.contains("#1 ·"), "{}", badge.body);
    assert_eq!(server.get(&format!("/badge/{model}")).status, 400);

    for (path, kind) in [
        ("/static/app.css", "text/css"),
        ("/static/app.js", "text/javascript"),
    ] {
        let response = server.get(path);
        assert_eq!(response.status, 200);
        assert!(response.content_type().starts_with(kind), "{path}");
    }
}

#[test]
fn serve_sends_etags_security_headers_and_304s() {
    let server = Server::start(demo_store());
    let first = server.get("/api/v1/windows");
    let etag = first.headers.get("etag").expect("an ETag").clone();
    assert_eq!(first.headers["cache-control"], "no-cache");
    let again = server.get_with("/api/v1/windows", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // Another request, another ETag; the same request, the same one.
    assert_ne!(server.get("/api/v1/windows?k=10").headers["etag"], etag);
    assert_eq!(server.get("/api/v1/windows").headers["etag"], etag);
    for path in [
        "/",
        "/api/v1/windows",
        "/no/such/page",
        "/api/v1/working-set?k=0",
        "/static/app.js",
    ] {
        let response = server.get(path);
        let policy = &response.headers["content-security-policy"];
        assert!(
            policy.starts_with("default-src 'none'") && !policy.contains("unsafe"),
            "{path}: {policy}"
        );
        assert_eq!(
            response.headers["x-content-type-options"], "nosniff",
            "{path}"
        );
    }
}

#[test]
fn serve_refuses_paths_that_would_climb_or_hold_control_characters() {
    let server = Server::start(demo_store());
    for path in [
        "/model/..%2F..%2F..%2Fetc%2Fpasswd",
        "/model/a/../../Cargo.toml",
        "/model/%2e%2e/%2e%2e/etc/passwd",
        "/api/v1/model/..%2F..%2Fmanifest.json",
        "/api/v1/model/a%0Ab",
        "/api/v1/model/a%00b",
        "/badge/..%2F..%2Fetc%2Fpasswd.svg",
        "/org/..",
        "/static/..%2F..%2FCargo.toml",
        "/static/%2e%2e/%2e%2e/Cargo.toml",
    ] {
        let response = server.get(path);
        assert!(
            [400, 404].contains(&response.status),
            "{path}: {} {}",
            response.status,
            response.body
        );
        for leaked in ["root:", "[package]", "[workspace]", "schema_version"] {
            assert!(!response.body.contains(leaked), "{path} leaked {leaked:?}");
        }
    }
}

/// A store whose free text (tasks, libraries, licences, `_id` keys) is hostile: every context
/// it reaches (HTML text, attributes, JSON) must escape it.
fn hostile_store() -> tempfile::TempDir {
    const HOSTILE: [&str; 3] = [
        "<script>console.error('XSS-script')</script>",
        "\" onmouseover=\"console.error('XSS-attribute')\" x=\"",
        "javascript:console.error('XSS-url')",
    ];
    let dir = tempfile::tempdir().unwrap();
    for (week, day) in [(0u64, "2026-08-23"), (1, "2026-08-30")] {
        let as_of = Timestamp::parse(day).unwrap();
        let records: Vec<ModelRecord> = (0..30u64)
            .map(|i| {
                let mut record =
                    ModelRecord::new(ModelId::new(format!("org{}/model-{i}", i % 3)).unwrap());
                record.object_id = Some(format!("{}{i}", HOSTILE[(i % 3) as usize]));
                record.downloads_all_time = Some(1_000 * (i + 1) * (week + 1));
                record.created_at = Some(Timestamp::from_secs(1_700_000_000));
                record.pipeline_tag = Some(HOSTILE[0].to_owned());
                record.library_name = Some(HOSTILE[1].to_owned());
                record.license = Some(HOSTILE[2].to_owned());
                record
            })
            .collect();
        support::commit(dir.path(), support::draft(as_of), &records);
    }
    dir
}

fn hostile_query() -> String {
    format!(
        "task={}&library={}&license={}",
        hubcensus_server_encode("<script>console.error('XSS-script')</script>"),
        hubcensus_server_encode("\" onmouseover=\"console.error('XSS-attribute')\" x=\""),
        hubcensus_server_encode("javascript:console.error('XSS-url')"),
    )
}

/// Percent-encodes everything but unreserved characters.
fn hubcensus_server_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn serve_escapes_hostile_text_in_every_context() {
    let dir = hostile_store();
    let server = Server::start(dir.path());
    let query = hostile_query();
    for path in [
        format!("/week?{query}"),
        format!("/concentration?{query}"),
        format!("/geography?{query}"),
        format!("/contributors?{query}"),
        "/week?task=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_owned(),
        "/model/%3Cscript%3Ealert(1)%3C%2Fscript%3E/x".to_owned(),
        "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_owned(),
        "/org/%22%20onmouseover%3D%22alert(1)".to_owned(),
        "/audit?model=%3Cscript%3Ealert(1)%3C%2Fscript%3E/x&workload=reasoning".to_owned(),
        "/audit?model=org0/model-0&workload=reasoning&max_params=%22%20onmouseover%3D%22alert(1)"
            .to_owned(),
        format!(
            "/discover?task={}&contributor=individual,community,unclassified,unknown,industry&min_downloads=0",
            hubcensus_server_encode("<script>console.error('XSS-script')</script>")
        ),
    ] {
        let response = server.get(&path);
        assert!(
            [200, 400, 404].contains(&response.status),
            "{path}: {}",
            response.body
        );
        if path.contains("license=") {
            // The store holds these values: the page renders them.
            assert_eq!(response.status, 200, "{path}: {}", response.body);
        }
        let body = &response.body;
        assert!(
            !body.contains("<script>console") && !body.contains("<script>alert"),
            "{path}: unescaped script"
        );
        assert!(
            !body.contains("\" onmouseover=\""),
            "{path}: unescaped attribute"
        );
        assert!(
            !body.contains("href=\"javascript:"),
            "{path}: a javascript: link"
        );
        assert_eq!(
            body.matches("<script").count(),
            1,
            "{path}: only the page's own script"
        );
    }
    // In the browser: the pages load, and no payload runs (each would log to the console).
    let mut browser = Devtools::start("1400,900");
    for path in [
        format!("/week?{query}"),
        format!("/concentration?{query}"),
        format!("/contributors?{query}"),
        format!(
            "/discover?task={}&contributor=individual,community,unclassified,unknown,industry&min_downloads=0",
            hubcensus_server_encode("<script>console.error('XSS-script')</script>")
        ),
    ] {
        browser.call(
            "Page.navigate",
            &serde_json::json!({"url": server.url(&path)}),
        );
        browser.wait_for("!!document.querySelector('footer')");
        // Hover every element: an injected onmouseover would fire.
        browser.evaluate(
            "document.querySelectorAll('*').forEach(e => e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))); true",
        );
        browser.evaluate("document.querySelectorAll('a').forEach(a => { if (a.href.startsWith('javascript:')) throw new Error('XSS-url ' + a.href); }); true");
    }
    assert!(browser.console.is_empty(), "{:?}", browser.console);
    drop(browser);
    let api = server.get(&format!("/api/v1/working-set?{query}"));
    assert_eq!(api.status, 200, "{}", api.body);
    assert_eq!(
        api.json()["population"]["filter"]["task"],
        "<script>console.error('XSS-script')</script>"
    );
}

// ---------------------------------------------------------------------------------------------
// Headless Chromium

const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
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
        "the serve browser tests need a headless Chromium on PATH (scripts/test installs Debian's chromium)"
    );
}

/// Runs Chromium on `url` with `extra` flags; its stderr (console messages logged there) and
/// stdout.
fn run_chromium(url: &str, size: &str, extra: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={size}"))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "chromium failed on {url}: {stderr}"
    );
    (stderr, String::from_utf8_lossy(&output.stdout).into_owned())
}

fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| {
            [
                "Uncaught",
                "ERROR:CONSOLE",
                ":CONSOLE(",
                "Content Security Policy",
                "XSS-",
            ]
            .iter()
            .any(|marker| line.contains(marker))
        })
        .collect()
}

/// The size of a PNG screenshot: a blank page compresses to a few kilobytes, a page with text
/// and painted charts to far more (the DOM check below says the charts are there).
fn screenshot_bytes(png: &Path) -> usize {
    std::fs::read(png)
        .expect("chromium wrote no screenshot")
        .len()
}

#[test]
fn serve_pages_render_in_chromium_without_console_errors() {
    let server = Server::start(demo_store());
    let model = top_model(&server);
    let directory = tempfile::tempdir().unwrap();
    let pages = [
        ("overview", "/".to_owned()),
        ("week", "/week".to_owned()),
        ("model", format!("/model/{model}")),
        ("geography", "/geography".to_owned()),
        ("concentration", "/concentration".to_owned()),
        ("families", "/families".to_owned()),
        ("contributors", "/contributors".to_owned()),
        ("compare", format!("/compare?models={model}")),
        ("quality", "/quality".to_owned()),
        (
            "audit",
            format!("/audit?model={model}&workload=reasoning&include_base=true"),
        ),
        (
            "discover",
            "/discover?task=text-generation&contributor=individual,unknown".to_owned(),
        ),
    ];
    for (name, path) in &pages {
        for (label, size) in [("desktop", "1400,900"), ("phone", "390,844")] {
            let png = directory.path().join(format!("{name}-{label}.png"));
            let (stderr, _) = run_chromium(
                &server.url(path),
                size,
                &[&format!("--screenshot={}", png.display())],
            );
            let errors = console_errors(&stderr);
            assert!(errors.is_empty(), "{path} at {size}: {errors:?}");
            assert!(
                screenshot_bytes(&png) > 20_000,
                "{path} at {size}: the screenshot is nearly blank"
            );
            if let Ok(keep) = std::env::var("HUBCENSUS_SCREENSHOT_DIR") {
                std::fs::copy(
                    &png,
                    Path::new(&keep).join(format!("serve-{name}-{label}.png")),
                )
                .unwrap();
            }
        }
        // The laid-out page: its charts are drawn (an SVG with paths) and its script ran (it
        // marks sortable headers).
        let (_, dom) = run_chromium(&server.url(path), "1400,900", &["--dump-dom"]);
        assert!(
            dom.contains("<svg") || ["quality", "audit", "discover"].contains(name),
            "{path}: no chart"
        );
        assert!(
            dom.contains("class=\"num sortable\"") || dom.contains("class=\"sortable\""),
            "{path}: the script did not run"
        );
    }
}

/// Chromium driven over the `DevTools` protocol on a pipe (`--remote-debugging-pipe`: messages
/// are JSON terminated by a NUL byte, on the browser's file descriptors 3 and 4, here two named
/// pipes opened by the shell that starts it). No WebSocket, no other process.
struct Devtools {
    child: Child,
    to_browser: std::fs::File,
    from_browser: BufReader<std::fs::File>,
    next_id: u64,
    session: Option<String>,
    /// Console calls and exceptions seen so far.
    console: Vec<String>,
    _directory: tempfile::TempDir,
}

impl Devtools {
    fn start(size: &str) -> Self {
        let directory = tempfile::tempdir().unwrap();
        let to = directory.path().join("to-browser");
        let from = directory.path().join("from-browser");
        for fifo in [&to, &from] {
            assert!(Command::new("mkfifo").arg(fifo).status().unwrap().success());
        }
        let profile = directory.path().join("profile");
        let child = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<\"$TO_BROWSER\" 4>\"$FROM_BROWSER\"")
            .arg(chromium())
            .args(CHROMIUM_FLAGS)
            .arg("--remote-debugging-pipe")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--window-size={size}"))
            .arg("about:blank")
            .env("TO_BROWSER", &to)
            .env("FROM_BROWSER", &from)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The shell opens the browser's input first, then its output: the same order here.
        let to_browser = std::fs::OpenOptions::new().write(true).open(&to).unwrap();
        let from_browser = BufReader::new(std::fs::File::open(&from).unwrap());
        let mut devtools = Self {
            child,
            to_browser,
            from_browser,
            next_id: 0,
            session: None,
            console: Vec::new(),
            _directory: directory,
        };
        let target = devtools.call(
            "Target.createTarget",
            &serde_json::json!({"url": "about:blank"}),
        );
        let target_id = target["targetId"].as_str().unwrap().to_owned();
        let attached = devtools.call(
            "Target.attachToTarget",
            &serde_json::json!({"targetId": target_id, "flatten": true}),
        );
        devtools.session = Some(attached["sessionId"].as_str().unwrap().to_owned());
        devtools.call("Runtime.enable", &serde_json::json!({}));
        devtools.call("Page.enable", &serde_json::json!({}));
        devtools
    }

    /// Sends `method` (to the page once attached) and waits for its result, recording console
    /// events on the way.
    fn call(&mut self, method: &str, params: &Value) -> Value {
        match self.try_call(method, params) {
            Ok(result) => result,
            Err(answer) => panic!("{method}: {answer}"),
        }
    }

    /// [`Devtools::call`], giving back the protocol's error answer instead of failing.
    fn try_call(&mut self, method: &str, params: &Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = serde_json::json!({"id": id, "method": method, "params": params.clone()});
        if let Some(session) = &self.session {
            message["sessionId"] = Value::String(session.clone());
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to_browser.write_all(&bytes).unwrap();
        loop {
            let mut raw = Vec::new();
            let read = self.from_browser.read_until(0, &mut raw).unwrap();
            assert!(read > 0, "the browser closed its pipe");
            raw.pop();
            let answer: Value = serde_json::from_slice(&raw).unwrap();
            match answer["method"].as_str() {
                Some("Runtime.consoleAPICalled") => {
                    let kind = answer["params"]["type"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    if kind == "error" || kind == "warning" || kind == "assert" {
                        self.console
                            .push(format!("console.{kind}: {}", answer["params"]["args"]));
                    }
                }
                Some("Runtime.exceptionThrown") => {
                    self.console.push(format!(
                        "exception: {}",
                        answer["params"]["exceptionDetails"]
                    ));
                }
                _ => {}
            }
            if answer["id"] == id {
                return if answer["error"].is_null() {
                    Ok(answer["result"].clone())
                } else {
                    Err(answer)
                };
            }
        }
    }

    /// The value of a JavaScript expression in the page.
    fn evaluate(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            &serde_json::json!({"expression": expression, "returnByValue": true}),
        );
        assert!(
            result["exceptionDetails"].is_null(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    /// Waits (up to 30 s) until `condition` holds in a fully loaded page.
    fn wait_for(&mut self, condition: &str) {
        let expression = format!("document.readyState === 'complete' && ({condition})");
        for _ in 0..300 {
            // While the page navigates, the protocol may answer "Inspected target navigated or
            // closed" (or find no context): that is "not yet", not a failure.
            let answer = self.try_call(
                "Runtime.evaluate",
                &serde_json::json!({"expression": expression, "returnByValue": true}),
            );
            if answer.is_ok_and(|result| result["result"]["value"] == Value::Bool(true)) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("timed out waiting for {condition}");
    }
}

impl Drop for Devtools {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_filter_change_in_the_browser_updates_the_url_and_the_table() {
    let server = Server::start(demo_store());
    for size in ["1400,900", "390,844"] {
        let mut browser = Devtools::start(size);
        browser.call(
            "Page.navigate",
            &serde_json::json!({"url": server.url("/week")}),
        );
        browser
            .wait_for("location.pathname === '/week' && !!document.querySelector('#working-set')");
        let models = "Array.from(document.querySelectorAll('#working-set tbody a')).map(a => a.textContent).join(' ')";
        let before = browser.evaluate(models);
        // Tick "New models only": the page's script submits the form with the field changed.
        browser.evaluate(
            "(() => { const box = document.querySelector('form.filters input[name=new_models]'); \
             box.checked = true; box.dispatchEvent(new Event('change')); return true; })()",
        );
        browser.wait_for("location.search.includes('new_models=true') && !!document.querySelector('#working-set')");
        let search = browser.evaluate("location.search");
        let after = browser.evaluate(models);
        assert_ne!(before, after, "the table did not change at {size}");
        assert!(
            !after.as_str().unwrap().is_empty(),
            "an empty table at {size}"
        );
        // Only the fields set are in the URL (no blank task=...), and the week chosen is kept.
        let search = search.as_str().unwrap();
        assert!(
            search.contains("as_of=") && !search.contains("task="),
            "{search}"
        );
        assert_eq!(
            browser.evaluate("document.querySelector('input[name=new_models]').checked"),
            Value::Bool(true)
        );
        assert!(
            browser.console.is_empty(),
            "console at {size}: {:?}",
            browser.console
        );
    }
}

/// The report's layout check (hubcensus-report's tests/it/layout.js: text overflowing its cell,
/// words broken, text overlapping text or leaving its chart, a page wider than the viewport)
/// run on every dashboard page at 1,400 and 390 px, through the `DevTools` protocol (the pages'
/// Content-Security-Policy admits no inline script, and forbids framing them).
#[test]
fn serve_pages_pass_the_layout_check_at_1400_and_390_px() {
    let server = Server::start(demo_store());
    let model = top_model(&server);
    let namespace = model.split('/').next().unwrap().to_owned();
    let pages = [
        "/".to_owned(),
        "/week".to_owned(),
        format!("/model/{model}"),
        format!("/org/{namespace}"),
        "/geography".to_owned(),
        "/contributors?period=month".to_owned(),
        "/concentration".to_owned(),
        "/families".to_owned(),
        format!("/compare?models={model}"),
        "/quality".to_owned(),
        format!("/search?q={namespace}"),
        format!("/audit?model={model}&workload=reasoning&include_base=true"),
        "/discover?task=text-generation&contributor=individual,unknown".to_owned(),
    ];
    let script = include_str!("../../../hubcensus-report/tests/it/layout.js");
    let run = format!(
        "{script}\n;(function () {{ document.querySelectorAll('details').forEach(function (d) \
         {{ d.open = true; }}); return check(document).join('\\n'); }})()"
    );
    let mut failures = Vec::new();
    for width in [1400_u32, 390] {
        let mut browser = Devtools::start("1400,900");
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            &serde_json::json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        for path in &pages {
            browser.evaluate("window.__layoutStale = true");
            browser.call(
                "Page.navigate",
                &serde_json::json!({"url": server.url(path)}),
            );
            browser.wait_for("!window.__layoutStale && !!document.querySelector('footer')");
            let findings = browser.evaluate(&run);
            let findings: Vec<&str> = findings.as_str().unwrap().lines().collect();
            let summary = findings[0];
            assert!(summary.starts_with("checked "), "{path}: {findings:?}");
            let viewport: u32 = summary
                .rsplit("viewport=")
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap();
            assert_eq!(viewport, width, "{path}: {summary}");
            for finding in &findings[1..] {
                failures.push(format!("{path} at {width} px: {finding}"));
            }
        }
        assert!(browser.console.is_empty(), "{:?}", browser.console);
    }
    assert!(
        failures.is_empty(),
        "{} layout problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn serve_filter_in_the_url_changes_the_table() {
    let server = Server::start(demo_store());
    let task = server.get("/api/v1/working-set?k=1&task=text-generation");
    assert_eq!(task.status, 200, "{}", task.body);
    // The page with its form; Chromium runs the page's own script with a field changed through
    // the URL the script builds: the form's action plus the non-blank fields.
    let (_, all) = run_chromium(&server.url("/week"), "1400,900", &["--dump-dom"]);
    let (_, filtered) = run_chromium(
        &server.url("/week?task=text-generation"),
        "1400,900",
        &["--dump-dom"],
    );
    let models = |dom: &str| -> Vec<String> {
        dom.split("href=\"/model/")
            .skip(1)
            .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
            .collect()
    };
    assert!(!models(&filtered).is_empty());
    assert_ne!(
        models(&filtered),
        models(&all),
        "the filter did not change the table"
    );
    assert!(
        filtered.contains("value=\"text-generation\""),
        "the form keeps the filter"
    );
    assert!(
        filtered.contains("task = text-generation"),
        "the population says the filter"
    );
}

#[test]
fn serve_is_reachable_only_on_loopback_unless_asked_and_warns() {
    let dir = demo_store();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hubcensus"))
        .env_clear()
        .env("HUBCENSUS_HOME", dir)
        .args(["serve", "--addr", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("warning: listening on 0.0.0.0:0, which is not a loopback address"),
        "{line}"
    );

    let empty = tempfile::tempdir().unwrap();
    support::fails_with(
        support::hubcensus(empty.path()).arg("serve"),
        &["error: no store at", "hint:"],
    );
}

#[test]
fn serve_sees_a_snapshot_committed_while_it_runs() {
    let dir = hostile_store();
    let server = Server::start(dir.path());
    let before = server.get("/api/v1/snapshots");
    assert_eq!(before.json()["snapshots"].as_array().unwrap().len(), 2);
    let etag = before.headers["etag"].clone();
    let as_of = Timestamp::parse("2026-09-06").unwrap();
    let records: Vec<ModelRecord> = (0..30u64)
        .map(|i| {
            let mut record =
                ModelRecord::new(ModelId::new(format!("org{}/model-{i}", i % 3)).unwrap());
            record.downloads_all_time = Some(5_000 * (i + 1));
            record
        })
        .collect();
    support::commit(dir.path(), support::draft(as_of), &records);
    // The watcher looks every 5 s; the memos start again with the new state.
    for _ in 0..100 {
        let now = server.get("/api/v1/snapshots");
        if now.json()["snapshots"].as_array().unwrap().len() == 3 {
            assert_ne!(now.headers["etag"], etag);
            assert_eq!(
                server.get("/api/v1/working-set").json()["population"]["to"],
                "2026-09-06T00:00:00Z"
            );
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("the server never saw the new snapshot");
}
