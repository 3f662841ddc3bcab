//! Unit tests of the registry's answers on small registries written here.

use std::fmt::Write as _;

use hubcensus_model::{Attribution, ContributorType, ModelId, Timestamp};
use proptest::prelude::*;

use crate::{AccountKind, CoverageInput, Fallback, LineageOrigin, Problem, Registry, Root};

const FIXTURE: &str = r#"
[registry]
updated = "2026-01-01"

[[organization]]
id = "acme"
name = "Acme Corp"
country = "US"
contributor = "industry"
sources.country = "https://example.com/acme/about"
sources.contributor = "https://example.com/acme/about"
namespaces = [
  { name = "acme", source = "https://huggingface.co/acme" },
  { name = "acme-research", role = "alias", source = "https://huggingface.co/acme-research" },
]

[[organization]]
id = "acme-labs"
name = "Acme Labs"
parent = "acme"
sources.parent = "https://example.com/acme/labs"
namespaces = [{ name = "AcmeLabs", source = "https://huggingface.co/AcmeLabs" }]

[[organization]]
id = "oldco"
name = "OldCo"
country = "FR"
contributor = "academic"
sources.country = "https://example.com/oldco"
sources.contributor = "https://example.com/oldco"
namespaces = [
  { name = "newco", from = "2025-07-01", source = "https://huggingface.co/newco" },
  { name = "oldco", role = "former", to = "2025-07-01", source = "https://huggingface.co/oldco" },
]

[[organization]]
id = "first-owner"
name = "First Owner"
country = "JP"
contributor = "industry"
sources.country = "https://example.com/first"
sources.contributor = "https://example.com/first"
namespaces = [{ name = "shared", to = "2024-01-01", source = "https://huggingface.co/shared" }]

[[organization]]
id = "second-owner"
name = "Second Owner"
country = "KR"
contributor = "nonprofit"
sources.country = "https://example.com/second"
sources.contributor = "https://example.com/second"
namespaces = [{ name = "shared", from = "2024-01-01", source = "https://huggingface.co/shared" }]

[[organization]]
id = "quantizer"
name = "A Quantizer"
contributor = "individual"
sources.contributor = "https://huggingface.co/quantizer (a personal account)"
namespaces = [{ name = "quantizer", source = "https://huggingface.co/quantizer" }]

[[legacy]]
moved_to = "acme"
ids = ["acme-base"]
source = "https://huggingface.co/acme/acme-base"
"#;

fn fixture() -> Registry {
    Registry::parse(FIXTURE).unwrap()
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn known(organization: &str, country: Option<&str>, kind: ContributorType) -> Attribution {
    Attribution {
        organization: Some(organization.to_owned()),
        country: country.map(str::to_owned),
        contributor: Some(kind),
    }
}

fn unknown(kind: Option<ContributorType>) -> Attribution {
    Attribution {
        organization: None,
        country: None,
        contributor: kind,
    }
}

#[test]
fn the_fixture_is_clean() {
    assert_eq!(fixture().check(), Vec::<Problem>::new());
}

#[test]
fn attribution_of_namespaces() {
    use ContributorType::{Academic, Individual, Industry, Nonprofit, UnclassifiedOrganization};
    let registry = fixture();
    let user = Some(AccountKind::User);
    let org = Some(AccountKind::Organization);
    let cases = [
        (
            "acme",
            "2026-01-01",
            None,
            known("Acme Corp", Some("US"), Industry),
        ),
        (
            "ACME",
            "2026-01-01",
            None,
            known("Acme Corp", Some("US"), Industry),
        ),
        (
            "acme-research",
            "2020-01-01",
            user,
            known("Acme Corp", Some("US"), Industry),
        ),
        // Inherited from the parent.
        (
            "AcmeLabs",
            "2026-01-01",
            None,
            known("Acme Labs", Some("US"), Industry),
        ),
        // A rename: the old name before, and still after (redirect); the new name after.
        (
            "oldco",
            "2024-01-01",
            None,
            known("OldCo", Some("FR"), Academic),
        ),
        (
            "oldco",
            "2026-01-01",
            None,
            known("OldCo", Some("FR"), Academic),
        ),
        (
            "newco",
            "2026-01-01",
            None,
            known("OldCo", Some("FR"), Academic),
        ),
        // Before the new name existed it was nobody's.
        (
            "newco",
            "2024-01-01",
            org,
            unknown(Some(UnclassifiedOrganization)),
        ),
        // A namespace that changed hands.
        (
            "shared",
            "2023-12-31",
            None,
            known("First Owner", Some("JP"), Industry),
        ),
        (
            "shared",
            "2024-01-01",
            None,
            known("Second Owner", Some("KR"), Nonprofit),
        ),
        // A known individual without a stated country.
        (
            "quantizer",
            "2026-01-01",
            None,
            known("A Quantizer", None, Individual),
        ),
        // METHODS.md §6 unknown rules.
        ("stranger", "2026-01-01", user, unknown(Some(Individual))),
        (
            "stranger",
            "2026-01-01",
            org,
            unknown(Some(UnclassifiedOrganization)),
        ),
        ("stranger", "2026-01-01", None, unknown(None)),
    ];
    for (namespace, time, account, expected) in cases {
        assert_eq!(
            registry.attribute(namespace, at(time), account),
            expected,
            "{namespace} at {time}"
        );
    }
}

#[test]
fn legacy_ids_follow_their_move() {
    let registry = fixture();
    let legacy = ModelId::new("acme-base").unwrap();
    assert_eq!(registry.namespace_of(&legacy), Some("acme"));
    assert_eq!(
        registry
            .attribute_model(&legacy, at("2026-01-01"), None)
            .organization
            .as_deref(),
        Some("Acme Corp")
    );
    let unplaced = ModelId::new("mystery-model").unwrap();
    assert_eq!(registry.namespace_of(&unplaced), None);
    assert_eq!(
        registry.attribute_model(&unplaced, at("2026-01-01"), Some(AccountKind::User)),
        unknown(None)
    );
}

#[test]
fn entries_carry_their_sources() {
    let registry = fixture();
    let entry = registry.entry("AcmeLabs", at("2026-01-01")).unwrap();
    assert_eq!(entry.organization.id, "acme-labs");
    assert_eq!(entry.ancestors.len(), 1);
    let country = entry.country.unwrap();
    assert_eq!(country.value, "US");
    assert_eq!(country.from.id, "acme");
    assert_eq!(country.source, Some("https://example.com/acme/about"));
    assert_eq!(
        entry.link.source.as_deref(),
        Some("https://huggingface.co/AcmeLabs")
    );
    assert!(registry.entry("stranger", at("2026-01-01")).is_none());
}

#[test]
fn version_is_the_date_and_a_content_hash() {
    let one = fixture().version();
    assert!(one.starts_with("2026-01-01+"), "{one}");
    assert_eq!(one.len(), "2026-01-01+".len() + 12);
    let other = Registry::parse(&FIXTURE.replace("Acme Labs", "Acme Lab")).unwrap();
    assert_ne!(one, other.version());
    assert_eq!(one, fixture().version());
}

#[test]
fn syntax_errors_name_the_file() {
    let error = Registry::parse("[[organization]]\nid = 3").unwrap_err();
    assert_eq!(
        error.to_string(),
        "registry file registry.toml: invalid TOML or schema"
    );
    let error = Registry::parse(
        "[[organization]]\nid = \"x\"\nname = \"X\"\nnamespaces = [{ name = \"x\", from = \"soon\" }]",
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "registry file registry.toml: organization \"x\": invalid date \"soon\""
    );
    assert!(Registry::parse("[[organization]]\nid = \"x\"\nname = \"X\"\ncolour = 1").is_err());
}

#[test]
fn check_finds_every_kind_of_problem() {
    let broken = r#"
[[organization]]
id = "a"
name = "A"
country = "UK"
contributor = "startup"
namespaces = [
  { name = "a" },
  { name = "dup", source = "s", role = "mirror" },
]

[[organization]]
id = "a"
name = "A again"
parent = "nobody"
namespaces = [{ name = "DUP", source = "s", from = "2025-01-01", to = "2024-01-01" }]

[[organization]]
id = "b"
name = "B"
multinational = true
namespaces = [{ name = "b-old", role = "former", source = "s" }]

[[organization]]
id = "c1"
name = "C1"
parent = "c2"
sources.parent = "s"

[[organization]]
id = "c2"
name = "C2"
parent = "c1"
sources.parent = "s"

[[legacy]]
moved_to = "nowhere"
ids = ["x", "X"]
"#;
    let problems: Vec<String> = Registry::parse(broken)
        .unwrap()
        .check()
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected = [
        "organization id \"a\" is defined more than once (in registry.toml, registry.toml)",
        "namespace \"dup\" is claimed by overlapping validity periods (a)",
        "a: country \"UK\" is not an ISO 3166-1 alpha-2 code",
        "a: contributor type \"startup\" is not one of industry, academic, nonprofit, government, community, individual",
        "a: namespace \"dup\" has role \"mirror\" (expected primary, alias or former)",
        "a: parent \"nobody\" is not an organization id in the registry",
        "c1: its parent chain loops back to itself",
        "c2: its parent chain loops back to itself",
        "a: contributor type has no source",
        "a: country has no source",
        "a: namespace \"a\" has no source",
        "a: parent has no source",
        "legacy ids moved to nowhere: the move has no source",
        "a: namespace \"DUP\" has a validity period that ends before it starts",
        "b: former namespace \"b-old\" has no `to` date",
        "b: multinational without a country (its legal home) and a note",
        "legacy id \"x\" is listed more than once",
        "legacy id \"X\" moved to namespace \"nowhere\", which the registry does not know",
        "legacy id \"x\" moved to namespace \"nowhere\", which the registry does not know",
        "no `[registry] updated = \"YYYY-MM-DD\"` in any registry file",
    ];
    for line in expected {
        assert!(
            problems.iter().any(|p| p == line),
            "missing {line:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
}

#[test]
fn origin_modes() {
    let registry = fixture();
    let when = at("2026-01-01");
    let uploader = registry.attribute("quantizer", when, None);
    let cases = [
        (
            Root::Model {
                namespace: Some("acme"),
            },
            LineageOrigin::Root {
                namespace: Some("acme".into()),
                attribution: registry.attribute("acme", when, None),
            },
            Some("US"),
        ),
        (
            Root::Itself,
            LineageOrigin::Uploader {
                attribution: uploader.clone(),
                reason: Fallback::OwnRoot,
            },
            None,
        ),
        (
            Root::Unknown,
            LineageOrigin::Uploader {
                attribution: uploader.clone(),
                reason: Fallback::UnknownLineage,
            },
            None,
        ),
        (
            Root::Model {
                namespace: Some("stranger"),
            },
            LineageOrigin::Uploader {
                attribution: uploader.clone(),
                reason: Fallback::RootUnattributed,
            },
            None,
        ),
        (Root::Mixed, LineageOrigin::Mixed, None),
    ];
    for (root, expected, country) in cases {
        let origin = registry.origin(Some("quantizer"), root, when, |_| None);
        assert_eq!(origin.uploader, uploader);
        assert_eq!(origin.lineage, expected, "{root:?}");
        assert_eq!(origin.lineage.country(), country, "{root:?}");
    }
    // Falling back to an uploader that has a country gives that country.
    let origin = registry.origin(Some("acme"), Root::Itself, when, |_| None);
    assert_eq!(origin.lineage.country(), Some("US"));
}

#[test]
fn coverage_counts_and_orders_the_gaps() {
    let registry = fixture();
    let population = [
        ("acme", None, 100),
        ("quantizer", None, 50),
        ("stranger", Some(AccountKind::User), 30),
        ("unknown-org", Some(AccountKind::Organization), 30),
        ("quantizer", None, 10),
    ];
    let mut inputs: Vec<CoverageInput<'_>> = population
        .iter()
        .map(|&(namespace, account, downloads)| CoverageInput {
            namespace: Some(namespace),
            account,
            downloads,
        })
        .collect();
    inputs.push(CoverageInput {
        namespace: None,
        account: None,
        downloads: 60,
    });
    let coverage = registry.coverage(at("2026-01-01"), inputs, 3);
    assert_eq!(coverage.models, 6);
    assert_eq!(coverage.downloads, 280);
    assert_eq!(coverage.downloads_with_country, 100);
    assert_eq!(coverage.downloads_with_type, 190);
    assert_eq!(coverage.models_with_type, 4);
    assert_eq!(coverage.models_share_with_country(), Some(1.0 / 6.0));
    assert_eq!(coverage.unattributed_namespaces, 4);
    let gaps: Vec<(Option<&str>, u64, bool)> = coverage
        .top_unattributed
        .iter()
        .map(|gap| (gap.namespace.as_deref(), gap.downloads, gap.has_type))
        .collect();
    assert_eq!(
        gaps,
        [
            (Some("quantizer"), 60, true),
            (None, 60, false),
            (Some("stranger"), 30, true)
        ]
    );
    let empty = registry.coverage(at("2026-01-01"), [], 10);
    assert_eq!(empty.downloads_share_with_type(), None);
}

proptest! {
    /// The per-namespace memoised coverage equals attributing every model on its own.
    #[test]
    fn coverage_equals_the_naive_sum(
        models in proptest::collection::vec(
            (0usize..8, 0u8..3, 0u64..1_000_000),
            0..200,
        )
    ) {
        let registry = fixture();
        let names = ["acme", "AcmeLabs", "oldco", "newco", "shared", "quantizer", "stranger", "x"];
        let when = at("2025-06-01");
        let inputs: Vec<CoverageInput<'_>> = models
            .iter()
            .map(|&(name, account, downloads)| CoverageInput {
                namespace: Some(names[name]),
                account: match account {
                    0 => None,
                    1 => Some(AccountKind::User),
                    _ => Some(AccountKind::Organization),
                },
                downloads,
            })
            .collect();
        let coverage = registry.coverage(when, inputs.iter().copied(), usize::MAX);
        let (mut with_country, mut with_type, mut total) = (0u64, 0u64, 0u64);
        for input in &inputs {
            let attribution = registry.attribute(input.namespace.unwrap(), when, input.account);
            total += input.downloads;
            if attribution.country.is_some() {
                with_country += input.downloads;
            }
            if attribution.contributor.is_some_and(ContributorType::is_classified) {
                with_type += input.downloads;
            }
        }
        prop_assert_eq!(coverage.downloads, total);
        prop_assert_eq!(coverage.downloads_with_country, with_country);
        prop_assert_eq!(coverage.downloads_with_type, with_type);
        let gap_sum: u64 = coverage.top_unattributed.iter().map(|gap| gap.downloads).sum();
        prop_assert_eq!(gap_sum, total - with_country);
        prop_assert!(coverage
            .top_unattributed
            .windows(2)
            .all(|pair| pair[0].downloads >= pair[1].downloads));
    }
}

#[test]
fn the_embedded_registry_is_clean() {
    let registry = Registry::embedded();
    let problems: Vec<String> = registry.check().iter().map(ToString::to_string).collect();
    assert_eq!(problems, Vec::<String>::new());
    assert_eq!(registry.files().len(), Registry::embedded_files().len());
}

#[test]
fn the_embedded_registry_knows_the_renames_the_issue_names() {
    let registry = Registry::embedded();
    let when = at("2026-08-01");
    for (old, new) in [("THUDM", "zai-org"), ("CohereForAI", "CohereLabs")] {
        assert_eq!(
            registry.attribute(old, when, None),
            registry.attribute(new, when, None),
            "{old} -> {new}"
        );
        assert!(registry.attribute(new, when, None).country.is_some());
    }
    let gpt2 = ModelId::new("gpt2").unwrap();
    assert_eq!(registry.namespace_of(&gpt2), Some("openai-community"));
}

proptest! {
    /// One namespace handed between owners over time: the lookup equals a naive scan of the
    /// periods, whatever the dates and roles, and `check` finds no overlap in a generated
    /// registry whose periods are disjoint by construction.
    #[test]
    fn lookup_equals_a_naive_scan_of_periods(
        cuts in proptest::collection::btree_set(1i64..400, 1..6),
        former in proptest::collection::vec(any::<bool>(), 6),
        query_days in proptest::collection::vec(0i64..450, 1..20),
    ) {
        let day = |n: i64| Timestamp::parse("2024-01-01").unwrap().plus_days(n);
        // Periods: [None, c1), [c1, c2), ..., [cn, None); owner i holds period i.
        let cuts: Vec<i64> = cuts.into_iter().collect();
        let mut text = String::from("[registry]\nupdated = \"2026-01-01\"\n");
        let mut periods = Vec::new();
        for (owner, &is_former_wanted) in former.iter().enumerate().take(cuts.len() + 1) {
            let from = owner.checked_sub(1).map(|i| cuts[i]);
            let to = cuts.get(owner).copied();
            // Only a period that ends can be a former name.
            let is_former = is_former_wanted && to.is_some();
            periods.push((from, to, is_former));
            let mut link = String::from("{ name = \"shared\", source = \"s\"");
            if let Some(from) = from {
                let _ = write!(link, ", from = \"{}\"", day(from).date_string());
            }
            if let Some(to) = to {
                let _ = write!(link, ", to = \"{}\"", day(to).date_string());
            }
            if is_former {
                link.push_str(", role = \"former\"");
            }
            link.push_str(" }");
            let _ = write!(
                text,
                "\n[[organization]]\nid = \"owner{owner}\"\nname = \"Owner {owner}\"\ncontributor = \"industry\"\nsources.contributor = \"s\"\nnamespaces = [{link}]\n"
            );
        }
        let registry = Registry::parse(&text).unwrap();
        prop_assert_eq!(registry.check(), Vec::<Problem>::new());
        for query in query_days {
            let holding = periods.iter().position(|&(from, to, _)| {
                from.is_none_or(|from| from <= query) && to.is_none_or(|to| query < to)
            });
            // Periods cover all time, so some owner always holds; the naive answer is it.
            let expected = holding.map(|owner| format!("Owner {owner}"));
            let got = registry.attribute("shared", day(query), None).organization;
            prop_assert_eq!(got, expected, "day {}", query);
        }
    }

    /// A renamed namespace: before the rename only the old name answers; after it both do, and
    /// both give the same organization.
    #[test]
    fn a_rename_resolves_both_names_after_it(rename in 1i64..400, query in 0i64..450) {
        let day = |n: i64| Timestamp::parse("2024-01-01").unwrap().plus_days(n);
        let text = format!(
            "[[organization]]\nid = \"o\"\nname = \"O\"\ncountry = \"FR\"\nsources.country = \"s\"\nnamespaces = [\n  {{ name = \"new\", from = \"{date}\", source = \"s\" }},\n  {{ name = \"old\", role = \"former\", to = \"{date}\", source = \"s\" }},\n]\n",
            date = day(rename).date_string()
        );
        let registry = Registry::parse(&text).unwrap();
        let old = registry.attribute("old", day(query), None);
        let new = registry.attribute("new", day(query), None);
        prop_assert_eq!(old.country.as_deref(), Some("FR"));
        if query >= rename {
            prop_assert_eq!(new, old);
        } else {
            prop_assert_eq!(new.organization, None);
        }
    }
}

#[test]
fn lookups_lower_case_as_to_lowercase_does() {
    let long = "Ab".repeat(100);
    for text in [
        "Qwen",
        "deepseek-ai",
        "",
        "ÉCOLE",
        "MiXeD.Case_1-2",
        long.as_str(),
    ] {
        assert_eq!(
            crate::registry::with_lowercase(text, str::to_owned),
            text.to_lowercase(),
            "{text}"
        );
    }
    // Case-insensitive lookups still answer.
    let registry = Registry::embedded();
    assert!(registry.names("QWEN") && registry.names("qwen"));
}
