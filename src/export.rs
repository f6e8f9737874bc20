//! The report in the formats other tools read. Every export is a pure function of the [`Report`], so that the
//! host tests check exactly what the page downloads.
//!
//! Ignored findings are left out of the machine formats (as `pip-audit --ignore-vuln` leaves them out), except SARIF,
//! which records them as suppressed results, and CSV and Markdown, which list them with their reason.

pub mod csv;
pub mod cyclonedx;
pub mod json_writer;
pub mod markdown;
pub mod pip_audit_json;
pub mod sarif;

use crate::model::DependencyVersion;
use crate::report::{DependencyReport, DependencyState, Finding, Report};

/// The tool's name in the exports.
pub const TOOL_NAME: &str = "osv-lens";
/// The tool's version in the exports.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// An export format: its control's name, its file name and its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// pip-audit's `-f json`.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
    /// SARIF 2.1.0.
    Sarif,
    /// CycloneDX 1.6 JSON.
    CycloneDx,
    /// CSV (RFC 4180).
    Csv,
}

impl ExportFormat {
    /// Every format, in the order of the controls.
    pub const ALL: [ExportFormat; 5] = [Self::Json, Self::Markdown, Self::Sarif, Self::CycloneDx, Self::Csv];

    /// The name in `data-testid=export-<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Markdown => "markdown",
            Self::Sarif => "sarif",
            Self::CycloneDx => "cyclonedx",
            Self::Csv => "csv",
        }
    }

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Json => "pip-audit JSON",
            Self::Markdown => "Markdown",
            Self::Sarif => "SARIF",
            Self::CycloneDx => "CycloneDX",
            Self::Csv => "CSV",
        }
    }

    /// The downloaded file's name.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Json => "osv-lens-pip-audit.json",
            Self::Markdown => "osv-lens-report.md",
            Self::Sarif => "osv-lens.sarif",
            Self::CycloneDx => "osv-lens.cdx.json",
            Self::Csv => "osv-lens-findings.csv",
        }
    }

    /// The media type of the download.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Markdown => "text/markdown;charset=utf-8",
            Self::Sarif => "application/sarif+json",
            Self::CycloneDx => "application/vnd.cyclonedx+json",
            Self::Csv => "text/csv;charset=utf-8",
        }
    }

    /// The export of `report`; `generated_at` (RFC 3339) is written where the format has a timestamp.
    pub fn render(self, report: &Report, generated_at: &str) -> String {
        match self {
            Self::Json => pip_audit_json::render(report),
            Self::Markdown => markdown::render(report, None),
            Self::Sarif => sarif::render(report),
            Self::CycloneDx => cyclonedx::render(report, generated_at),
            Self::Csv => csv::render(report),
        }
    }
}

/// The osv.dev page of an ID.
pub fn osv_url(id: &str) -> String {
    format!("https://osv.dev/vulnerability/{}", percent_encoding::utf8_percent_encode(id, PATH_SEGMENT))
}

/// Characters escaped in a URL path segment.
pub const PATH_SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The package URL of a pinned PyPI dependency: `pkg:pypi/name@version`.
pub fn purl(name: &str, version: &str) -> String {
    format!(
        "pkg:pypi/{}@{}",
        percent_encoding::utf8_percent_encode(name, PATH_SEGMENT),
        percent_encoding::utf8_percent_encode(version, PATH_SEGMENT)
    )
}

/// Every dependency of the report with the file it came from.
pub(crate) fn dependencies(report: &Report) -> impl Iterator<Item = &DependencyReport> {
    report.files.iter().flat_map(|file| file.dependencies.iter())
}

/// For a package `file` records as pulled in by others, its shortest path from a package the project names:
/// `fastapi → starlette → anyio`.
pub(crate) fn pulled_in(file: &crate::report::FileReport, name: &str) -> Option<String> {
    let node = file.graph.as_deref()?.node(name)?;
    (node.depth? > 0).then(|| node.path.join(" → "))
}

/// The findings that are not ignored.
pub(crate) fn open_findings(dependency: &DependencyReport) -> impl Iterator<Item = &Finding> {
    dependency.findings.iter().filter(|finding| finding.ignored.is_none())
}

/// Why a dependency has no answer, or `None` when it was checked (vulnerable or clean).
pub(crate) fn not_checked_reason(dependency: &DependencyReport) -> Option<String> {
    match &dependency.state {
        DependencyState::Vulnerable | DependencyState::Clean => None,
        DependencyState::Skipped(reason) => Some(reason.clone()),
        DependencyState::Unchecked(reason) => Some(format!("not checked: {reason}")),
        DependencyState::Pending => Some("not checked: the lookup had not answered".to_string()),
    }
}

/// The pinned version, when there is one.
pub(crate) fn pinned(dependency: &DependencyReport) -> Option<String> {
    match &dependency.dependency.version {
        DependencyVersion::Pinned(version) => Some(version.to_string()),
        _ => None,
    }
}

/// A finding's description: the summary, else the first lines of the details.
pub(crate) fn description(finding: &Finding) -> String {
    if let Some(summary) = &finding.summary {
        return summary.clone();
    }
    match &finding.detail {
        crate::report::FindingDetail::Record(record) => record.details.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
