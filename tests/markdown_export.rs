//! The Markdown export of a real audit: an old service's pins against the real PyPI advisories of the shared test
//! data (`osv-pypi/records`), through the in-memory OSV database. A pull-request comment holds at most 65,536
//! characters; the export must fit and still lead with what to change. Fails, naming the path, without the data.

mod common;

use std::rc::Rc;

use osv_lens::audit::{AuditEvent, Lookups, PackageKey};
use osv_lens::export::markdown;
use osv_lens::osv::api::VulnRef;
use osv_lens::osv::database::Database;
use osv_lens::osv::Vulnerability;
use osv_lens::sources::{parse_files, InputFile};

/// A service's requirements as they stood in 2019: 48 pins, most with years of advisories since.
const OLD_SERVICE: &str = "\
django==2.1.7\ndjangorestframework==3.9.1\ncelery==4.2.1\nkombu==4.3.0\nredis==3.2.0\nrequests==2.21.0\n\
urllib3==1.24.1\ncertifi==2018.11.29\nidna==2.8\nchardet==3.0.4\njinja2==2.10\nmarkupsafe==1.1.0\nwerkzeug==0.14.1\n\
flask==1.0.2\nitsdangerous==1.1.0\nclick==7.0\npyyaml==3.13\nsqlalchemy==1.2.17\npsycopg2==2.7.7\npillow==5.4.1\n\
numpy==1.16.1\nlxml==4.3.0\ncryptography==2.5\npyopenssl==19.0.0\nparamiko==2.4.2\npyjwt==1.7.1\noauthlib==3.0.1\n\
requests-oauthlib==1.2.0\nboto3==1.9.100\nbotocore==1.12.100\ns3transfer==0.2.0\njmespath==0.9.3\n\
python-dateutil==2.8.0\npytz==2018.9\nsix==1.12.0\ngunicorn==19.9.0\ngevent==1.4.0\ngreenlet==0.4.15\n\
mako==1.0.7\nalembic==1.0.7\nbleach==3.1.0\nhttplib2==0.12.1\nrsa==4.0\npyasn1==0.4.5\nansible==2.7.8\n\
tornado==5.1.1\naiohttp==3.5.4\nsetuptools==40.8.0\n";

fn records() -> Vec<Vulnerability> {
    let folder = common::shared_path("osv-pypi/records");
    let paths =
        common::files_under(&folder, &|path: &std::path::Path| path.extension().is_some_and(|ext| ext == "json"));
    assert!(paths.len() > 1000, "{} holds only {} records", folder.display(), paths.len());
    paths
        .iter()
        .map(|path| serde_json::from_slice(&std::fs::read(path).expect("readable record")).expect("a valid record"))
        .collect()
}

#[test]
fn an_old_services_two_hundred_findings_fit_a_comment_with_the_fixes_table_first() {
    let database = Database::new(records());
    let parsed = parse_files(&[InputFile::new("requirements.txt", OLD_SERVICE)]);
    let mut lookups = Lookups::default();
    for dependency in parsed.dependencies() {
        let key = osv_lens::report::package_key(dependency).expect("every line is a pin");
        let version = key.version.parse().expect("a version");
        let matched = database.matching(&key.name, Some(&version));
        let refs = matched.iter().map(|record| VulnRef { id: record.id.clone(), modified: String::new() }).collect();
        for record in matched {
            lookups.apply(&AuditEvent::Record(record.id.clone(), Ok(Rc::new(Vulnerability::clone(record)))));
        }
        lookups.queries.insert(PackageKey { name: key.name, version: key.version }, Ok(refs));
    }
    let report = osv_lens::report::build(&parsed, &lookups);
    assert!(report.summary.findings >= 150, "{} findings", report.summary.findings);
    let comment = markdown::render(&report, Some("https://osv-lens.example/#r=v1.payload"));
    let characters = comment.chars().count();
    assert!(characters < markdown::LIMIT, "{characters} characters for {} findings", report.summary.findings);
    // The fixes table comes first, one row per vulnerable package, then the advisories under it.
    let table = comment.find("| Package | From | To | Fixes | Worst |").expect("the fixes table");
    let first_advisory = comment.find("<details><summary>").expect("advisories");
    assert!(table < first_advisory);
    let rows = comment.lines().filter(|line| line.starts_with("| `")).count();
    assert_eq!(rows, report.summary.vulnerable, "one row per vulnerable package");
    assert!(comment.contains("| `django` | `2.1.7` | `"), "django's row names the version to move to");
    // Every advisory is one line: either all are listed, or the comment says how many were left out.
    let listed = comment.lines().filter(|line| line.starts_with("- [")).count();
    match comment.lines().find(|line| line.starts_with("**Cut to fit")) {
        Some(note) => assert!(note.contains(&format!("{} advisory lines", report.summary.findings - listed)), "{note}"),
        None => assert_eq!(listed, report.summary.findings),
    }
}
