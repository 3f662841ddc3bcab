//! `/api/v1/openapi.json`: the API described once. The router registers its API routes from
//! [`ROUTES`], so a route cannot exist without its description; the integration test requests
//! every documented route with its example and checks the `schema` it answers.

use serde_json::{Value, json};

/// One parameter of a route.
pub struct Param {
    pub name: &'static str,
    /// `query` or `path`.
    pub location: &'static str,
    pub description: &'static str,
    /// A JSON Schema type: `string`, `integer` or `boolean`.
    pub kind: &'static str,
    pub example: &'static str,
    /// Whether a request must give it (a path parameter always must).
    pub required: bool,
}

/// One API route.
pub struct Route {
    /// As `OpenAPI` writes it (`/api/v1/model/{id}`).
    pub path: &'static str,
    /// As axum routes it (`/api/v1/model/{*id}`).
    pub axum_path: &'static str,
    pub summary: &'static str,
    /// The `schema` field of the answer (the CLI's `--format json` contract).
    pub schema: &'static str,
    pub params: &'static [Param],
    /// Whether it takes the population filters.
    pub filters: bool,
}

const fn query(
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    example: &'static str,
) -> Param {
    Param {
        name,
        location: "query",
        description,
        kind,
        example,
        required: false,
    }
}

/// A query parameter a request must give; `example` is a value that answers.
const fn required(
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    example: &'static str,
) -> Param {
    Param {
        required: true,
        ..query(name, kind, description, example)
    }
}

const K: Param = query(
    "k",
    "integer",
    "Working-set size and top-k share's k, 1 to 1000 (default 200)",
    "200",
);
const AS_OF: Param = query(
    "as_of",
    "string",
    "The window ending at this snapshot: a date (that day's latest) or an RFC 3339 time; default the latest",
    "",
);
const FILTER_PARAMS: [Param; 6] = [
    query("task", "string", "Only models with this pipeline_tag", ""),
    query("library", "string", "Only models of this library_name", ""),
    query("license", "string", "Only models under this licence", ""),
    query(
        "min_params",
        "string",
        "At least this many parameters (7B, 500M)",
        "",
    ),
    query(
        "max_params",
        "string",
        "At most this many parameters (7B, 500M)",
        "",
    ),
    query(
        "new_models",
        "boolean",
        "Only models created within 365 days before each window's end",
        "",
    ),
];

pub const ROUTES: &[Route] = &[
    Route {
        path: "/api/v1/working-set",
        axum_path: "/api/v1/working-set",
        summary: "The weekly working set (top k by window downloads) with entries, exits, rank changes and tenure",
        schema: "hubcensus.working-set/1",
        params: &[AS_OF, K],
        filters: true,
    },
    Route {
        path: "/api/v1/windows",
        axum_path: "/api/v1/windows",
        summary: "Every window: downloads, concentration (top-k share, N50/80/90, Gini, HHI, Lorenz) and the working set (as `hubcensus windows --format json`)",
        schema: "hubcensus.windows/1",
        params: &[K],
        filters: true,
    },
    Route {
        path: "/api/v1/shares",
        axum_path: "/api/v1/shares",
        summary: "Download shares by country, region, contributor type or organization, in one or both origin modes (as `hubcensus shares --format json`)",
        schema: "hubcensus.shares/1",
        params: &[
            query(
                "by",
                "string",
                "country, region, type or organization (default country)",
                "region",
            ),
            query(
                "origin",
                "string",
                "uploader, lineage or both (default uploader, as the CLI)",
                "both",
            ),
            query(
                "period",
                "string",
                "week, month, quarter or year (default week)",
                "week",
            ),
        ],
        filters: true,
    },
    Route {
        path: "/api/v1/top",
        axum_path: "/api/v1/top",
        summary: "The top k models or families of one window (as `hubcensus top --format json`)",
        schema: "hubcensus.top/1",
        params: &[
            AS_OF,
            K,
            query(
                "family",
                "boolean",
                "Rank families (quantized and adapter derivatives folded into their base)",
                "false",
            ),
        ],
        filters: true,
    },
    Route {
        path: "/api/v1/churn",
        axum_path: "/api/v1/churn",
        summary: "Entries, exits and rank changes of the working set against the window before (as `hubcensus churn --format json`)",
        schema: "hubcensus.churn/1",
        params: &[AS_OF, K],
        filters: true,
    },
    Route {
        path: "/api/v1/derivatives",
        axum_path: "/api/v1/derivatives",
        summary: "Base models ranked by their derivative ecosystems, with the relation mix (as `hubcensus derivatives --format json`)",
        schema: "hubcensus.derivatives/1",
        params: &[
            AS_OF,
            query(
                "top",
                "integer",
                "How many bases, 1 to 1000 (default 20)",
                "20",
            ),
        ],
        filters: true,
    },
    Route {
        path: "/api/v1/model/{id}",
        axum_path: "/api/v1/model/{*id}",
        summary: "One model: weekly downloads and working-set rank, lineage up and down, attribution in both origin modes with sources; 404 for an unknown model",
        schema: "hubcensus.model/1",
        params: &[
            Param {
                name: "id",
                location: "path",
                description: "A model id (org/name), a former id or an _id key",
                kind: "string",
                example: "",
                required: true,
            },
            query(
                "limit",
                "integer",
                "How many children and descendants to list, 1 to 200 (default 20)",
                "20",
            ),
        ],
        filters: false,
    },
    Route {
        path: "/api/v1/who/{name}",
        axum_path: "/api/v1/who/{*name}",
        summary: "Who made a namespace or model, from where, as what, with sources (as `hubcensus who --format json`)",
        schema: "hubcensus.who/1",
        params: &[Param {
            name: "name",
            location: "path",
            description: "A namespace (Qwen) or a model id (Qwen/Qwen3-8B)",
            kind: "string",
            example: "Qwen",
            required: true,
        }],
        filters: false,
    },
    Route {
        path: "/api/v1/snapshots",
        axum_path: "/api/v1/snapshots",
        summary: "The store's snapshots as their manifests record them",
        schema: "hubcensus.snapshots/v1",
        params: &[],
        filters: false,
    },
    Route {
        path: "/api/v1/search",
        axum_path: "/api/v1/search",
        summary: "Model ids and namespaces containing a text, case-insensitively (the search box's answer): an exact match first, then ids starting with it, then shorter ids",
        schema: "hubcensus.search/1",
        params: &[
            required("q", "string", "Part of a model id or namespace", "{model}"),
            query(
                "limit",
                "integer",
                "How many model ids to list, 1 to 200 (default 50)",
                "50",
            ),
        ],
        filters: false,
    },
    Route {
        path: "/api/v1/series",
        axum_path: "/api/v1/series",
        summary: "The weekly series of up to 5 models (the model page's and the comparison's chart) as a file: one row per model and window (docs/exports.md, series); Parquet by default; 404 for an unknown model",
        schema: "",
        params: &[
            required(
                "models",
                "string",
                "1 to 5 model ids, comma-separated",
                "{model}",
            ),
            query(
                "format",
                "string",
                "parquet (default), csv or json (JSON Lines)",
                "csv",
            ),
        ],
        filters: false,
    },
    Route {
        path: "/api/v1/export/{table}",
        axum_path: "/api/v1/export/{table}",
        summary: "The table behind a chart as a file: the tables, columns and parameters of `hubcensus export` (docs/exports.md); Parquet by default",
        schema: "",
        params: &[
            Param {
                name: "table",
                location: "path",
                description: "windows, working-set, families, churn, shares, lineage-edges, derivatives, registry, evals or snapshots",
                kind: "string",
                example: "windows",
                required: true,
            },
            query(
                "format",
                "string",
                "parquet (default), csv or json (JSON Lines)",
                "csv",
            ),
            AS_OF,
            K,
            query(
                "by",
                "string",
                "shares: country, region, type, organization (comma-separated)",
                "",
            ),
            query("origin", "string", "shares: uploader, lineage or both", ""),
            query(
                "period",
                "string",
                "shares: week, month, quarter or year (comma-separated)",
                "",
            ),
        ],
        filters: true,
    },
    Route {
        path: "/api/v1/audit",
        axum_path: "/api/v1/audit",
        summary: "Whether a default model is still the right baseline for a workload: the verdict with its evidence (as `hubcensus audit --format json`); 404 for a model in no snapshot",
        schema: "hubcensus.audit/2",
        params: &[
            required(
                "model",
                "string",
                "The default model to audit (a Hub id, org/name)",
                "{model}",
            ),
            required(
                "workload",
                "string",
                "code, embedding, instruction-following, long-context, multilingual or reasoning",
                "reasoning",
            ),
            query(
                "max_params",
                "string",
                "Candidates have at most this many parameters (70B, 500M) instead of being within twice or half the default's size",
                "",
            ),
            query(
                "license",
                "string",
                "Acceptable candidate licences: any (default) or permissive",
                "any",
            ),
            query(
                "include_base",
                "boolean",
                "Compare an instruct or chat default with base models too",
                "false",
            ),
            AS_OF,
        ],
        filters: false,
    },
    Route {
        path: "/api/v1/discover",
        axum_path: "/api/v1/discover",
        summary: "Credible releases of a task by small teams and individuals: models that entered the working set or whose weekly downloads grew (as `hubcensus discover --format json`)",
        schema: "hubcensus.discover/1",
        params: &[
            required(
                "task",
                "string",
                "The task (pipeline_tag), e.g. text-generation",
                "text-generation",
            ),
            query(
                "contributor",
                "string",
                "Contributor types, comma-separated: individual, community, academic, nonprofit, government, industry, unclassified, unknown (default individual,community,unclassified)",
                "individual,community,unclassified",
            ),
            query(
                "since",
                "string",
                "The window: days (90d) or weeks (13w); default 90d",
                "90d",
            ),
            query(
                "min_downloads",
                "integer",
                "Minimum weekly downloads now for a riser (default 1000)",
                "1000",
            ),
            AS_OF,
        ],
        filters: false,
    },
    Route {
        path: "/api/v1/openapi.json",
        axum_path: "/api/v1/openapi.json",
        summary: "This description",
        schema: "",
        params: &[],
        filters: false,
    },
];

/// Whether a route answers a file (Parquet, CSV or JSON Lines) rather than a JSON view.
#[must_use]
pub fn is_file(path: &str) -> bool {
    path.starts_with("/api/v1/export/") || path == "/api/v1/series"
}

/// The `OpenAPI` 3.1 document of [`ROUTES`].
#[must_use]
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for route in ROUTES {
        let params: Vec<Value> = route
            .params
            .iter()
            .chain(if route.filters {
                &FILTER_PARAMS[..]
            } else {
                &[]
            })
            .map(|param| {
                let mut described = json!({
                    "name": param.name,
                    "in": param.location,
                    "required": param.required || param.location == "path",
                    "description": param.description,
                    "schema": { "type": param.kind },
                });
                if !param.example.is_empty() {
                    described["example"] = json!(param.example);
                }
                described
            })
            .collect();
        let mut responses = serde_json::Map::new();
        responses.insert(
            "200".to_owned(),
            json!({
                "description": if is_file(route.path) {
                    "A file: Parquet, CSV or JSON Lines, as `format` asks".to_owned()
                } else if route.schema.is_empty() {
                    "The OpenAPI document".to_owned()
                } else {
                    format!("A `{}` view with a `meta` block", route.schema)
                },
                "content": if is_file(route.path) {
                    json!({
                        "application/vnd.apache.parquet": {},
                        "text/csv": {},
                        "application/x-ndjson": {},
                    })
                } else {
                    json!({ "application/json": { "schema": { "type": "object" } } })
                },
            }),
        );
        responses.insert(
            "304".to_owned(),
            json!({ "description": "Not modified (If-None-Match matched the ETag)" }),
        );
        if !route.params.is_empty() || route.filters {
            responses.insert(
                "400".to_owned(),
                json!({
                    "description": "A bad parameter, named in error.parameter",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
                }),
            );
        }
        if route.path.contains('{') || route.path == "/api/v1/series" {
            responses.insert(
                "404".to_owned(),
                json!({
                    "description": "No such model",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
                }),
            );
        }
        let mut operation = json!({
            "summary": route.summary,
            "parameters": params,
            "responses": responses,
        });
        if !route.schema.is_empty() {
            operation["x-hubcensus-schema"] = json!(route.schema);
        }
        paths.insert(route.path.to_owned(), json!({ "get": operation }));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "hubcensus",
            "version": hubcensus_query::TOOL_VERSION,
            "description": "The hubcensus views over a local store, read-only. Every 200 carries a `meta` block (snapshots used, source, schema era, population, registry version, citation) beside the view's own fields, which are those of the CLI's --format json.",
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "status": { "type": "integer" },
                                "parameter": { "type": ["string", "null"] },
                                "message": { "type": "string" },
                                "hint": { "type": ["string", "null"] },
                            },
                        },
                    },
                },
            },
        },
    })
}
