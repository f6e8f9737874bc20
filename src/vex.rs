//! VEX (Vulnerability Exploitability eXchange): the triage decisions of a report written as an OpenVEX or a
//! CycloneDX VEX document, and such documents read back as ignore rules, so that decisions made here can be used by
//! other tools and the other way round.
//!
//! The writers and readers run in the worker (`ToWorker::VexWrite` and `VexRead`); the page only sends the findings
//! and its rules as text ([`export_input`]) and shows what came back. An ignored finding is `not_affected` with its reason; an
//! open one is `affected` (CycloneDX `exploitable`) with its fix. A rule's expiry and "until fixed" travel in a note
//! of osv-lens's own ([`rule_note`]), so that a document exported here gives the same rules when imported again.

pub mod cyclonedx_vex;
pub mod openvex;

use serde::{Deserialize, Serialize};

use crate::export::PATH_SEGMENT;
use crate::report::{counted, FindingKind, Report, MALICIOUS_ADVICE};
use crate::triage::Ignore;

/// A VEX format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VexFormat {
    /// OpenVEX 0.2.0.
    OpenVex,
    /// CycloneDX 1.6 with `vulnerabilities[].analysis`.
    CycloneDx,
}

impl VexFormat {
    /// The downloaded file's name.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::OpenVex => "osv-lens.openvex.json",
            Self::CycloneDx => "osv-lens.vex.cdx.json",
        }
    }

    /// The format's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::OpenVex => "OpenVEX",
            Self::CycloneDx => "CycloneDX VEX",
        }
    }
}

/// One finding, as much of it as a VEX statement says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VexFinding {
    /// The PEP 503 name.
    pub package: String,
    /// The pinned version; none for a range.
    #[serde(default)]
    pub version: Option<String>,
    /// The primary ID.
    pub id: String,
    /// Its other IDs.
    pub aliases: Vec<String>,
    /// The versions that fix it.
    pub fixed: Vec<String>,
    /// A malicious package: its action is removal, never an upgrade.
    pub malicious: bool,
    /// The rule that ignores it, when one does.
    #[serde(default)]
    pub rule: Option<Ignore>,
}

/// The findings the page sends the worker for an export, as text: the pip-audit JSON export of `report` with no
/// rule applied (every finding, with its aliases and fixes, by package and version). The page already has that
/// writer, so the list costs it no weight; its rules go beside, as it keeps them (`{"ignores": […]}`).
pub fn export_input(report: &Report) -> String {
    let mut every = report.clone();
    crate::triage::apply(&mut every, &[], "");
    crate::export::pip_audit_json::render(&every)
}

/// The findings the worker reads from [`export_input`]'s text, with `rules` applied on `today` (`YYYY-MM-DD`) as the
/// page applies them ([`crate::triage::apply`]): an expired rule, or an "until fixed" rule on a finding with a fix,
/// ignores nothing.
pub fn findings_of(pip_audit_json: &str, rules_json: &str, today: &str) -> Vec<VexFinding> {
    let export: serde_json::Value = serde_json::from_str(pip_audit_json).unwrap_or_default();
    let rules: Vec<Ignore> = serde_json::from_str::<serde_json::Value>(rules_json)
        .ok()
        .and_then(|kept| serde_json::from_value(kept["ignores"].clone()).ok())
        .unwrap_or_default();
    let strings = |value: &serde_json::Value| -> Vec<String> {
        value
            .as_array()
            .map(|items| items.iter().filter_map(|item| item.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let mut findings = Vec::new();
    for dependency in export["dependencies"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let (Some(package), Some(version)) = (dependency["name"].as_str(), dependency["version"].as_str()) else {
            continue;
        };
        // A range is written as its specifier: only a version is a pin.
        let version = version.parse::<pep508_rs::pep440_rs::Version>().is_ok().then(|| version.to_string());
        for vuln in dependency["vulns"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let id = vuln["id"].as_str().unwrap_or_default().to_string();
            let (aliases, fixed) = (strings(&vuln["aliases"]), strings(&vuln["fix_versions"]));
            let rule = rules
                .iter()
                .find(|rule| {
                    rule.is_active(today) && rule.matches(&id, &aliases) && !rule.ended_by_fix(!fixed.is_empty())
                })
                .cloned();
            let malicious =
                std::iter::once(&id).chain(&aliases).any(|id| FindingKind::of(id, None) == FindingKind::Malicious);
            findings.push(VexFinding {
                package: package.to_string(),
                version: version.clone(),
                id,
                aliases,
                fixed,
                malicious,
                rule,
            });
        }
    }
    findings
}

/// What a VEX document gave: the ignore rules, and a sentence for the page saying what was used and what not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexImport {
    /// The rules, one per vulnerability ID, in the document's order.
    pub rules: Vec<Ignore>,
    /// What was done, for people.
    pub summary: String,
}

impl VexImport {
    /// The rules as the page reads them: JSON in the shape of its kept triage (`{"ignores": […]}`), whose reader the
    /// page already has.
    pub fn rules_json(&self) -> String {
        serde_json::json!({ "ignores": self.rules }).to_string()
    }
}

/// Writes `findings` as a `format` document made at `timestamp` (RFC 3339).
pub fn write(format: VexFormat, findings: &[VexFinding], timestamp: &str) -> String {
    match format {
        VexFormat::OpenVex => openvex::write(findings, timestamp),
        VexFormat::CycloneDx => cyclonedx_vex::write(findings, timestamp),
    }
}

/// Reads `bytes`, the file `name`, as an OpenVEX or CycloneDX VEX document.
pub fn read(name: &str, bytes: &[u8]) -> Result<VexImport, String> {
    let document: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|error| format!("`{name}` could not be read as a VEX document: it is not JSON ({error})"))?;
    let is_openvex = document["@context"].as_str().is_some_and(|context| context.contains("openvex"));
    let (format, read) = if is_openvex {
        (VexFormat::OpenVex, openvex::read(&document))
    } else if document["bomFormat"] == "CycloneDX" {
        (VexFormat::CycloneDx, cyclonedx_vex::read(&document))
    } else {
        return Err(format!(
            "`{name}` is not a VEX document: it is neither OpenVEX (an `@context` of openvex.dev) nor CycloneDX \
             (`bomFormat`)"
        ));
    };
    Ok(read.finish(name, format))
}

/// The statements of a document as they are read: the rules so far and the statements left unused, by why.
#[derive(Debug, Default)]
pub(crate) struct Reading {
    rules: Vec<Ignore>,
    statements: usize,
    unused: Vec<(String, usize)>,
}

impl Reading {
    /// A statement that gives a rule for `id` (a later statement for the same ID adds nothing).
    pub(crate) fn rule(&mut self, id: &str, reason: &str, note: Option<&str>) {
        self.statements += 1;
        let id = id.trim();
        if id.is_empty() {
            return self.unused("without a vulnerability name");
        }
        if self.rules.iter().any(|rule| rule.id == id) {
            return;
        }
        let reason = if reason.trim() == NO_REASON { "" } else { reason };
        let Ok(mut rule) = Ignore::new(id, reason, None) else { return };
        if let Some(note) = note {
            read_rule_note(note, &mut rule);
        }
        self.rules.push(rule);
    }

    /// A statement not used, and why (`affected`, …).
    pub(crate) fn unused(&mut self, why: &str) {
        match self.unused.iter_mut().find(|(known, _)| known == why) {
            Some((_, count)) => *count += 1,
            None => self.unused.push((why.to_string(), 1)),
        }
    }

    /// A statement that gives no rule, and why.
    pub(crate) fn skip(&mut self, why: &str) {
        self.statements += 1;
        self.unused(why);
    }

    fn finish(self, name: &str, format: VexFormat) -> VexImport {
        let mut summary = format!(
            "{} added from `{name}` ({}, {}).",
            counted(self.rules.len(), "ignore rule", "ignore rules"),
            format.label(),
            counted(self.statements, "statement", "statements")
        );
        let unused: usize = self.unused.iter().map(|(_, count)| count).sum();
        if unused > 0 {
            let why: Vec<String> = self.unused.iter().map(|(why, count)| format!("{count} {why}")).collect();
            summary.push_str(&format!(
                " {} not used: {}. Only not_affected, false_positive, resolved and fixed statements become ignore \
                 rules.",
                counted(unused, "statement", "statements"),
                why.join(", ")
            ));
        }
        VexImport { rules: self.rules, summary }
    }
}

/// The statement text of an ignored finding whose rule gives no reason (a `not_affected` statement needs one).
pub(crate) const NO_REASON: &str = "Ignored in osv-lens; no reason was given.";

/// The start of osv-lens's own note on a statement, which carries what a VEX status cannot: the rule's expiry and
/// "until fixed".
const NOTE_START: &str = "osv-lens ignore rule:";

/// The note of `rule` ([`NOTE_START`], then `until YYYY-MM-DD` and `until fixed`, `;`-separated), when it has an
/// expiry or ends with a fix.
pub(crate) fn rule_note(rule: &Ignore) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(until) = &rule.until {
        parts.push(format!("until {until}"));
    }
    if rule.until_fixed {
        parts.push("until fixed".to_string());
    }
    (!parts.is_empty()).then(|| format!("{NOTE_START} {}", parts.join("; ")))
}

/// Reads a note written by [`rule_note`] into `rule`; any other text is left alone.
fn read_rule_note(note: &str, rule: &mut Ignore) {
    let Some(parts) = note.trim().strip_prefix(NOTE_START) else { return };
    for part in parts.split(';').map(str::trim) {
        match part.strip_prefix("until ") {
            Some("fixed") => rule.until_fixed = true,
            Some(day) if crate::triage::is_date(day) => rule.until = Some(day.to_string()),
            _ => {}
        }
    }
}

/// A justification word (`vulnerable_code_not_present`) as words.
pub(crate) fn words(token: &str) -> String {
    token.trim().replace(['_', '-'], " ")
}

/// A statement: one vulnerability (by the name its rule uses) and the products it is said of, all with the same
/// decision.
pub(crate) struct Statement<'a> {
    /// The vulnerability's name: the rule's ID when ignored, else the finding's primary ID.
    pub name: &'a str,
    /// Its other IDs.
    pub aliases: Vec<&'a str>,
    /// The package URLs.
    pub products: Vec<String>,
    /// The rule that ignores it, when one does.
    pub rule: Option<&'a Ignore>,
    /// The fix versions, ascending within each finding, without repeats.
    pub fixed: Vec<&'a str>,
    /// A malicious package.
    pub malicious: bool,
}

impl Statement<'_> {
    /// What to do about an open finding.
    pub(crate) fn action(&self) -> String {
        if self.malicious {
            MALICIOUS_ADVICE.to_string()
        } else if self.fixed.is_empty() {
            "No fixed version is known yet: remove or replace the package, or accept the risk until a fix appears."
                .to_string()
        } else {
            format!("Upgrade to {}.", self.fixed.join(" or "))
        }
    }

    /// The statement text of an ignored finding: its reason.
    pub(crate) fn reason(&self) -> &str {
        self.rule.map(|rule| rule.reason.as_str()).filter(|reason| !reason.is_empty()).unwrap_or(NO_REASON)
    }
}

/// The statements of `findings`: one per vulnerability name and decision, its products in order, sorted by name.
pub(crate) fn statements(findings: &[VexFinding]) -> Vec<Statement<'_>> {
    let mut statements: Vec<Statement> = Vec::new();
    for finding in findings {
        let name = finding.rule.as_ref().map_or(finding.id.as_str(), |rule| rule.id.as_str());
        let product = purl(&finding.package, finding.version.as_deref());
        let rule = finding.rule.as_ref();
        match statements.iter_mut().find(|known| known.name == name && known.rule == rule) {
            Some(known) => {
                if !known.products.contains(&product) {
                    known.products.push(product);
                }
                for version in &finding.fixed {
                    if !known.fixed.contains(&version.as_str()) {
                        known.fixed.push(version);
                    }
                }
                known.malicious |= finding.malicious;
            }
            None => {
                let aliases = std::iter::once(finding.id.as_str())
                    .chain(finding.aliases.iter().map(String::as_str))
                    .filter(|alias| *alias != name)
                    .collect();
                statements.push(Statement {
                    name,
                    aliases,
                    products: vec![product],
                    rule,
                    fixed: finding.fixed.iter().map(String::as_str).collect(),
                    malicious: finding.malicious,
                });
            }
        }
    }
    crate::sorting::sort_by(&mut statements, |a, b| (a.name, a.rule.is_some()).cmp(&(b.name, b.rule.is_some())));
    statements
}

/// The package URL of a PyPI package, with its version when pinned: `pkg:pypi/name@version` or `pkg:pypi/name`.
pub(crate) fn purl(name: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => crate::export::purl(name, version),
        None => format!("pkg:pypi/{}", percent_encoding::utf8_percent_encode(name, PATH_SEGMENT)),
    }
}

/// A short, stable hash of `text` (64-bit FNV-1a), in hex: the document's identifier is made from its content.
pub(crate) fn digest(text: &str) -> String {
    let hash = text
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests;
