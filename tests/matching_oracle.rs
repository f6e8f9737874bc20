//! The core matcher against two oracles: what the real api.osv.dev answered (recorded in `../shared/data`), and
//! the records' own explicit `versions` lists. Both need the real data and skip with a notice without it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use osv_lens::matching::CompiledVulnerability;
use osv_lens::osv::database::Database;
use osv_lens::osv::Vulnerability;
use osv_lens::pep440_rs::Version;

fn shared_data() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("notice: ../shared/data is absent; skipping the matching oracle tests");
        None
    }
}

fn load_records(data: &Path) -> Vec<Vulnerability> {
    let folder = data.join("osv-pypi/records");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("the records folder reads")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("a record reads");
            serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        })
        .collect()
}

/// PYSEC IDs per (name, version) from the recorded real querybatch answers.
fn recorded_answers(data: &Path) -> BTreeMap<(String, String), BTreeSet<String>> {
    let text = std::fs::read_to_string(data.join("osv-api-recordings/osv-scanner-pypi-querybatch.json"))
        .expect("the recordings read");
    let interactions: serde_json::Value = serde_json::from_str(&text).expect("the recordings are JSON");
    let mut answers = BTreeMap::new();
    for interaction in interactions.as_array().expect("a list of interactions") {
        let queries = interaction["request"]["queries"].as_array().expect("queries");
        let results = interaction["response"]["results"].as_array().expect("results");
        for (query, result) in queries.iter().zip(results) {
            if query["package"]["ecosystem"] != "PyPI" {
                continue;
            }
            let ids = result["vulns"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|vuln| vuln["id"].as_str())
                .filter(|id| id.starts_with("PYSEC-"))
                .map(str::to_string)
                .collect();
            let key = (
                query["package"]["name"].as_str().expect("a name").to_string(),
                query["version"].as_str().expect("a version").to_string(),
            );
            answers.insert(key, ids);
        }
    }
    answers
}

#[test]
fn the_matcher_agrees_with_api_osv_dev_on_every_recorded_query() {
    let Some(data) = shared_data() else { return };
    let database = Database::new(load_records(&data));
    let answers = recorded_answers(&data);
    assert!(answers.len() >= 30, "the recordings hold the 31 distinct PyPI queries");
    for ((name, version), expected) in &answers {
        let version = Version::from_str(version).expect("recorded versions are PEP 440");
        let found: BTreeSet<String> =
            database.matching(name, Some(&version)).iter().map(|record| record.id.clone()).collect();
        assert_eq!(&found, expected, "{name} {version}");
    }
}

#[test]
fn every_version_a_record_lists_is_affected_by_it() {
    let Some(data) = shared_data() else { return };
    let mut checked = 0;
    for record in load_records(&data).iter().filter(|record| !record.is_withdrawn()) {
        let compiled = CompiledVulnerability::new(record);
        for affected in &record.affected {
            let Some(package) = &affected.package else { continue };
            let name = osv_lens::model::normalize_name(&package.name);
            for listed in &affected.versions {
                let Ok(version) = Version::from_str(listed) else { continue };
                assert!(compiled.affects(&name, &version).is_some(), "{} lists {name} {listed}", record.id);
                checked += 1;
            }
        }
    }
    assert!(checked > 100_000, "checked {checked} listed versions");
}
