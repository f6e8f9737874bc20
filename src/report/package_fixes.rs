//! Fixes first: one entry per vulnerable package, as Dependabot and Snyk lead ("upgrade django 4.2.7 → 4.2.30:
//! fixes 38"), with its advisories grouped by vulnerability across files. The page and the Markdown export open
//! with these; the per-finding cards come after.

use crate::fix::{Current, FixPlan};
use crate::report::{DependencyReport, Report};
use crate::severity::Rating;

/// One advisory of a package, once across files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisory {
    /// The finding's primary ID.
    pub id: String,
    /// How bad it is.
    pub rating: Rating,
    /// The one-line summary, without Markdown code marks.
    pub summary: Option<String>,
    /// The lowest version that fixes it alone, when one is known.
    pub fixed_in: Option<String>,
    /// True when the package's proposed version leaves it open.
    pub stays_open: bool,
}

/// The change to make to one package: every dependency on that name and version, in any file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFix {
    /// The PEP 503 name.
    pub package: String,
    /// The version as audited (a range's specifier as written).
    pub version: String,
    /// The version to move to: the one that fixes every finding, else the one that fixes the most; `None` when no
    /// version fixes any.
    pub to: Option<String>,
    /// How many of the package's open findings `to` fixes.
    pub fixes: usize,
    /// The package's open findings.
    pub findings: usize,
    /// The worst rating among them.
    pub worst: Rating,
    /// The requirement to write (`django==4.2.30`, `jinja2>=3.1.6`), when there is a version to move to.
    pub requirement: Option<String>,
    /// The files that ask for it, in report order.
    pub files: Vec<String>,
    /// Its advisories, worst first, then by ID.
    pub advisories: Vec<Advisory>,
}

impl PackageFix {
    /// One line: "upgrade django 4.2.7 → 4.2.30: fixes 38", "… fixes 42 of 44", or that no version fixes.
    pub fn headline(&self) -> String {
        let verb = if self.version.starts_with(|c: char| c.is_ascii_digit()) { "upgrade" } else { "raise" };
        match &self.to {
            Some(to) if self.fixes == self.findings => {
                format!("{verb} {} {} → {to}: fixes {}", self.package, self.version, self.fixes)
            }
            Some(to) => {
                format!("{verb} {} {} → {to}: fixes {} of {}", self.package, self.version, self.fixes, self.findings)
            }
            None => format!(
                "{} {}: no fixed version is known for its {}",
                self.package,
                self.version,
                super::counted(self.findings, "advisory", "advisories")
            ),
        }
    }
}

/// The version a plan moves to, how many of `open` it leaves open, and the requirement to write.
fn proposal(plan: &FixPlan, open: &[&str]) -> (Option<String>, Vec<String>, Option<String>) {
    match (&plan.target, &plan.best) {
        (Some(target), _) => {
            let written = plan.new_specifier.as_ref().map(|specifier| format!("{}{specifier}", plan.package));
            (Some(target.to_string()), Vec::new(), written)
        }
        (None, Some((version, left))) => {
            let left = left.iter().filter(|id| open.contains(&id.as_str())).cloned().collect();
            let version = version.to_string();
            let operator = if matches!(plan.current, Current::Pinned(_)) { "==" } else { ">=" };
            let written = format!("{}{operator}{version}", plan.package);
            (Some(version), left, Some(written))
        }
        (None, None) => (None, open.iter().map(|id| id.to_string()).collect(), None),
    }
}

fn without_code_marks(text: &str) -> String {
    text.replace('`', "")
}

fn add(fixes: &mut Vec<PackageFix>, file: &str, report: &DependencyReport) {
    let open: Vec<_> = report.findings.iter().filter(|finding| finding.ignored.is_none()).collect();
    if open.is_empty() {
        return;
    }
    let (package, version) = (report.dependency.name.clone(), report.dependency.version_text());
    let position = fixes.iter().position(|fix| fix.package == package && fix.version == version);
    let index = position.unwrap_or_else(|| {
        let ids: Vec<&str> = open.iter().map(|finding| finding.id.as_str()).collect();
        let (to, left, requirement) = match &report.fix {
            Some(plan) => proposal(plan, &ids),
            None => (None, ids.iter().map(|id| id.to_string()).collect(), None),
        };
        let worst = open.iter().map(|finding| finding.severity.rating).max().unwrap_or(Rating::Unknown);
        let fixes_count = if to.is_some() { open.len() - left.len() } else { 0 };
        let mut advisories: Vec<Advisory> = Vec::with_capacity(open.len());
        for advisory in open.iter().map(|finding| Advisory {
            id: finding.id.clone(),
            rating: finding.severity.rating,
            summary: finding.summary.as_deref().map(without_code_marks),
            fixed_in: report
                .fix
                .as_ref()
                .and_then(|plan| plan.per_finding.iter().find(|fix| fix.id == finding.id))
                .and_then(|fix| fix.fixed_in.as_ref().map(ToString::to_string)),
            stays_open: left.contains(&finding.id),
        }) {
            // Worst first, then by ID. Kept in order as it is built: a sort here weighed 3 KB of wasm.
            let at = advisories
                .iter()
                .position(|other| (other.rating, &advisory.id) < (advisory.rating, &other.id))
                .unwrap_or(advisories.len());
            advisories.insert(at, advisory);
        }
        let fix = PackageFix {
            package: package.clone(),
            version: version.clone(),
            to,
            fixes: fixes_count,
            findings: open.len(),
            worst,
            requirement,
            files: Vec::new(),
            advisories,
        };
        // The worst first, then the most findings, then by name.
        let key =
            |fix: &PackageFix| (std::cmp::Reverse(fix.worst), std::cmp::Reverse(fix.findings), fix.package.clone());
        let at = fixes.iter().position(|other| key(&fix) < key(other)).unwrap_or(fixes.len());
        fixes.insert(at, fix);
        at
    });
    let fix = &mut fixes[index];
    if !fix.files.iter().any(|name| name == file) {
        fix.files.push(file.to_string());
    }
}

/// One [`PackageFix`] per vulnerable (package, version) with open findings: the worst first, then the most
/// findings, then by name.
pub fn package_fixes(report: &Report) -> Vec<PackageFix> {
    let mut fixes = Vec::new();
    for file in &report.files {
        for dependency in &file.dependencies {
            add(&mut fixes, &file.name, dependency);
        }
    }
    fixes
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::audit::{Lookups, PackageKey};
    use crate::osv::api::VulnRef;
    use crate::report::build;
    use crate::sources::{parse_files, InputFile};

    /// A record of `alpha` or `beta` affected from 0 up to `fixed` (never fixed when empty).
    fn insert(lookups: &mut Lookups, id: &str, package: &str, fixed: &str, cvss: bool) {
        let fixed = if fixed.is_empty() { String::new() } else { format!(r#",{{"fixed":"{fixed}"}}"#) };
        let severity = if cvss {
            r#","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]"#
        } else {
            ""
        };
        let json = format!(
            r#"{{"id":"{id}","modified":"m","summary":"drops `<2.3`"{severity},"affected":[{{"package":{{"ecosystem":"PyPI","name":"{package}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}}{fixed}]}}]}}]}}"#
        );
        lookups.records.insert(id.into(), Ok(Rc::new(serde_json::from_str(&json).expect("valid record"))));
    }

    fn query(lookups: &mut Lookups, name: &str, version: &str, ids: &[&str]) {
        let refs = ids.iter().map(|id| VulnRef { id: id.to_string(), modified: String::new() }).collect();
        lookups.queries.insert(PackageKey { name: name.into(), version: version.into() }, Ok(refs));
    }

    #[test]
    fn one_entry_per_package_across_files_worst_first_with_the_version_that_fixes_most() {
        let parsed = parse_files(&[
            InputFile::new("a/requirements.txt", "alpha==1.0\nbeta==2.0\n"),
            InputFile::new("b/requirements.txt", "alpha==1.0\n"),
        ]);
        let mut lookups = Lookups::default();
        insert(&mut lookups, "A-1", "alpha", "1.2", false);
        insert(&mut lookups, "A-2", "alpha", "1.5", false);
        insert(&mut lookups, "A-3", "alpha", "", false);
        insert(&mut lookups, "B-1", "beta", "2.1", true);
        query(&mut lookups, "alpha", "1.0", &["A-1", "A-2", "A-3"]);
        query(&mut lookups, "beta", "2.0", &["B-1"]);
        let fixes = package_fixes(&build(&parsed, &lookups));

        let rows: Vec<_> = fixes
            .iter()
            .map(|fix| (fix.package.as_str(), fix.version.as_str(), fix.to.as_deref(), fix.fixes, fix.findings))
            .collect();
        assert_eq!(rows, [("beta", "2.0", Some("2.1"), 1, 1), ("alpha", "1.0", Some("1.5"), 2, 3)]);
        assert_eq!(fixes[0].headline(), "upgrade beta 2.0 → 2.1: fixes 1");
        assert_eq!(fixes[0].requirement.as_deref(), Some("beta==2.1"));
        assert_eq!(fixes[0].worst, Rating::Critical);
        assert_eq!(fixes[1].headline(), "upgrade alpha 1.0 → 1.5: fixes 2 of 3");
        assert_eq!(fixes[1].files, ["a/requirements.txt", "b/requirements.txt"], "one entry for both files");
        let open: Vec<_> =
            fixes[1].advisories.iter().map(|advisory| (advisory.id.as_str(), advisory.stays_open)).collect();
        assert_eq!(open, [("A-1", false), ("A-2", false), ("A-3", true)]);
        assert_eq!(fixes[1].advisories[0].summary.as_deref(), Some("drops <2.3"), "no raw Markdown");
        assert_eq!(fixes[1].advisories[1].fixed_in.as_deref(), Some("1.5"));
    }

    #[test]
    fn a_package_no_version_fixes_says_so() {
        let parsed = parse_files(&[InputFile::new("requirements.txt", "alpha==1.0\n")]);
        let mut lookups = Lookups::default();
        insert(&mut lookups, "A-3", "alpha", "", false);
        query(&mut lookups, "alpha", "1.0", &["A-3"]);
        let fixes = package_fixes(&build(&parsed, &lookups));
        assert_eq!((fixes[0].to.as_deref(), fixes[0].fixes, fixes[0].requirement.as_deref()), (None, 0, None));
        assert_eq!(fixes[0].headline(), "alpha 1.0: no fixed version is known for its 1 advisory");
    }
}
