//! What to resolve: the requirements and constraints read from the user's files, the target environment and the
//! "as of" date, and when an input needs resolving at all.

use std::fmt;
use std::str::FromStr;

use pep508_rs::pep440_rs::{Operator, VersionSpecifier, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName};

use crate::environment::TargetEnvironment;
use crate::model::{Dependency, DependencyVersion, Origin};
use crate::sources::pep508::parse_marker;
use crate::sources::{Format, ParsedFile, ParsedInput};

/// Everything the resolver is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The requirements to install, in input order.
    pub requirements: Vec<InputRequirement>,
    /// Constraints (`-c` files): they narrow the versions of a package when something requires it, and install
    /// nothing by themselves.
    pub constraints: Vec<InputRequirement>,
    /// The Python version and platform.
    pub target: TargetEnvironment,
    /// Files uploaded after this day are left out (uv's `--exclude-newer`).
    pub as_of: Option<AsOf>,
}

impl Request {
    /// A request for `requirements` on `target`, with no constraints and no date.
    pub fn new(requirements: Vec<InputRequirement>, target: TargetEnvironment) -> Self {
        Self { requirements, constraints: Vec::new(), target, as_of: None }
    }
}

/// One requirement of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRequirement {
    /// The PEP 503 name.
    pub name: PackageName,
    /// The name as the file writes it (`Flask`), for the explanations.
    pub written_name: String,
    /// The extras asked for.
    pub extras: Vec<ExtraName>,
    /// The versions allowed (empty: any).
    pub specifiers: VersionSpecifiers,
    /// Where it applies.
    pub marker: MarkerTree,
    /// Where it comes from, as `uv pip compile` names it in `# via` lines: `-r requirements.in`,
    /// `-c constraints.txt`, `my-project (pyproject.toml)`.
    pub source: String,
    /// The file, line and column.
    pub origin: Origin,
}

impl InputRequirement {
    /// A requirement on `name` with `specifiers` (`>=2.0`; empty for any version), from `source`.
    pub fn new(name: &str, specifiers: &str, source: &str) -> Result<Self, String> {
        let package = PackageName::new(name.to_string()).map_err(|error| error.to_string())?;
        let specifiers = VersionSpecifiers::from_str(specifiers).map_err(|error| error.to_string())?;
        Ok(Self {
            name: package,
            written_name: name.to_string(),
            extras: Vec::new(),
            specifiers,
            marker: MarkerTree::TRUE,
            source: source.to_string(),
            origin: Origin::new(source, 1, 1),
        })
    }

    /// The same requirement with `extras`.
    pub fn with_extras(mut self, extras: &[&str]) -> Self {
        self.extras = extras.iter().filter_map(|extra| ExtraName::new((*extra).to_string()).ok()).collect();
        self
    }

    /// The same requirement with a marker (an unreadable marker leaves it as it was).
    pub fn with_marker(mut self, marker: &str) -> Self {
        if let Ok(marker) = parse_marker(marker) {
            self.marker = marker;
        }
        self
    }

    /// The requirement as the report shows it: `flask[async]>=3.0`.
    pub fn written(&self) -> String {
        let extras = if self.extras.is_empty() {
            String::new()
        } else {
            format!("[{}]", self.extras.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))
        };
        format!("{}{extras}{}", self.written_name, self.specifiers)
    }

    /// True when it pins one version exactly (`==1.0` or `===1.0`, no wildcard).
    pub fn is_exact_pin(&self) -> bool {
        matches!(self.specifiers.iter().collect::<Vec<_>>().as_slice(),
            [one] if matches!(one.operator(), Operator::Equal | Operator::ExactEqual))
    }
}

/// A day (UTC): the resolver leaves out files uploaded after it, like uv's `--exclude-newer YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AsOf {
    year: i32,
    month: u8,
    day: u8,
}

impl AsOf {
    /// The first second after the day, in seconds since the Unix epoch: files uploaded at or after it are left out.
    pub fn cutoff(self) -> i64 {
        (days_from_civil(self.year, self.month, self.day) + 1) * 86_400
    }
}

impl FromStr for AsOf {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("`{text}` is not a date such as `2025-03-01`");
        let mut parts = text.trim().splitn(3, '-');
        let mut number = |digits: usize| -> Result<u32, String> {
            let part = parts.next().ok_or_else(invalid)?;
            if part.len() != digits || !part.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(invalid());
            }
            part.parse().map_err(|_| invalid())
        };
        let (year, month, day) = (number(4)?, number(2)?, number(2)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(invalid()),
        };
        if day == 0 || day > days_in_month {
            return Err(invalid());
        }
        Ok(Self { year: year as i32, month: month as u8, day: day as u8 })
    }
}

impl fmt::Display for AsOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Days from 1970-01-01 to the given day of the proleptic Gregorian calendar (negative before it).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    // Count from 0000-03-01, so that the leap day is the last day of the counted year.
    let (year, month) =
        if month <= 2 { (i64::from(year) - 1, i64::from(month) + 9) } else { (i64::from(year), i64::from(month) - 3) };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// True when a file states what to install rather than what is installed: a requirements file, a
/// `pyproject.toml`, a PEP 723 script or a conda environment's `pip:` section. Lockfiles, SBOMs and `pip list`
/// already name every installed package and are never resolved.
pub fn is_declaration(format: Format) -> bool {
    matches!(format, Format::RequirementsTxt | Format::PyprojectToml | Format::Pep723Script | Format::CondaEnvironment)
}

/// True when the input is not fully pinned, so that auditing it as written would miss what it installs: some
/// declaration file (see [`is_declaration`]) has a dependency to look up that is not an exact pin (a range or a
/// bare name), or is a `pyproject.toml`, a PEP 723 script, a conda environment or a requirements file named
/// `*.in`, which list only the top-level packages even when each is pinned. A requirements file of exact pins
/// only (pip freeze, pip-compile and `uv pip compile` output) is taken as complete, and so is every lockfile.
pub fn needs_resolution(input: &ParsedInput) -> bool {
    input.files.iter().filter(|file| is_declaration(file.format)).any(|file| {
        let mut auditable = file.dependencies.iter().filter(|dependency| dependency.is_auditable()).peekable();
        if auditable.peek().is_none() {
            return false;
        }
        let lists_top_level_only = file.format != Format::RequirementsTxt || file.name.ends_with(".in");
        lists_top_level_only || auditable.any(|dependency| dependency.version.pinned().is_none())
    })
}

/// The request for every declaration file of `input` (see [`is_declaration`]): the dependencies that can be looked
/// up become requirements, those of a file that is only included with `-c` become constraints. Pins stay pins.
/// Skipped dependencies (URLs, paths, editables) are not resolved; the report lists them as skipped already.
pub fn from_input(input: &ParsedInput, target: TargetEnvironment) -> Request {
    let mut request = Request::new(Vec::new(), target);
    for file in input.files.iter().filter(|file| is_declaration(file.format)) {
        let source = source_label(file);
        for dependency in &file.dependencies {
            let Some(requirement) = requirement_of(dependency, file, &source) else { continue };
            if file.constraints_only {
                request.constraints.push(requirement);
            } else {
                request.requirements.push(requirement);
            }
        }
    }
    request
}

/// How `uv pip compile` names a file in its `# via` lines.
fn source_label(file: &ParsedFile) -> String {
    if file.constraints_only {
        return format!("-c {}", file.name);
    }
    if file.format == Format::PyprojectToml {
        if let Some(name) = project_name(&file.text) {
            return format!("{name} ({})", file.name);
        }
    }
    format!("-r {}", file.name)
}

/// `project.name` of a `pyproject.toml`, normalised.
fn project_name(text: &str) -> Option<String> {
    let document = toml::de::DeTable::parse(text).ok()?;
    let project = document.get_ref().get("project")?.get_ref().as_table()?;
    let name = project.get("name")?.get_ref().as_str()?;
    PackageName::new(name.to_string()).ok().map(|name| name.to_string())
}

fn requirement_of(dependency: &Dependency, file: &ParsedFile, source: &str) -> Option<InputRequirement> {
    let specifiers = match &dependency.version {
        DependencyVersion::Pinned(version) => {
            VersionSpecifiers::from(VersionSpecifier::equals_version(version.clone()))
        }
        DependencyVersion::Range(specifiers) => specifiers.clone(),
        DependencyVersion::Skipped(_) => return None,
    };
    let name = PackageName::new(dependency.name.clone()).ok()?;
    let marker = match &dependency.marker {
        Some(marker) => parse_marker(marker).ok()?,
        None => MarkerTree::TRUE,
    };
    let extras = dependency.extras.iter().filter_map(|extra| ExtraName::new(extra.clone()).ok()).collect();
    Some(InputRequirement {
        written_name: written_name(&file.text, &dependency.origin).unwrap_or_else(|| name.to_string()),
        name,
        extras,
        specifiers,
        marker,
        source: source.to_string(),
        origin: dependency.origin.clone(),
    })
}

/// The project name written at `origin` in `text`, when the text there is a name that normalises to it.
fn written_name(text: &str, origin: &Origin) -> Option<String> {
    let line = text.lines().nth(usize::try_from(origin.line).ok()?.checked_sub(1)?)?;
    let rest: String = line.chars().skip(usize::try_from(origin.column).ok()?.saturating_sub(1)).collect();
    let rest = rest.trim_start_matches(['"', '\'']);
    let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    let normalised = PackageName::new(name.clone()).ok()?;
    (normalised.as_ref() == crate::model::normalize_name(&name)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{parse_files, InputFile};

    #[test]
    fn as_of_is_the_end_of_the_day_utc() {
        let day: AsOf = "2025-03-01".parse().unwrap();
        assert_eq!(day.to_string(), "2025-03-01");
        // 2025-03-02T00:00:00Z
        assert_eq!(day.cutoff(), 1_740_873_600);
        assert_eq!("1970-01-01".parse::<AsOf>().unwrap().cutoff(), 86_400);
        assert_eq!("2024-02-29".parse::<AsOf>().unwrap().cutoff(), 1_709_251_200);
        for bad in ["2023-02-29", "2025-13-01", "2025-1-01", "25-01-01", "2025-01-32", "", "2025-01-01T00:00"] {
            assert!(bad.parse::<AsOf>().is_err(), "{bad}");
        }
    }

    #[test]
    fn requirements_constraints_and_sources_come_from_the_files() {
        let input = parse_files(&[
            InputFile::new(
                "requirements.in",
                "-c constraints.txt\nFlask>=3.0\nrequests[socks]==2.32.3 ; python_version > '3'\n./local\n",
            ),
            InputFile::new("constraints.txt", "werkzeug<3.1\n"),
        ]);
        let target = TargetEnvironment::default();
        let request = from_input(&input, target);
        let names: Vec<_> = request.requirements.iter().map(|requirement| requirement.written()).collect();
        assert_eq!(names, ["Flask>=3.0", "requests[socks]==2.32.3"]);
        assert_eq!(request.requirements[0].source, "-r requirements.in");
        assert_eq!(request.requirements[0].origin.line, 2);
        assert!(request.requirements[1].is_exact_pin() && !request.requirements[0].is_exact_pin());
        assert_ne!(request.requirements[1].marker, MarkerTree::TRUE);
        assert_eq!(request.constraints.len(), 1);
        assert_eq!(request.constraints[0].source, "-c constraints.txt");
    }

    #[test]
    fn a_pyproject_is_named_by_its_project() {
        let text = "[project]\nname = \"My_Service\"\ndependencies = [\"fastapi==0.115.6\"]\n";
        let input = parse_files(&[InputFile::new("pyproject.toml", text)]);
        let request = from_input(&input, TargetEnvironment::default());
        assert_eq!(request.requirements[0].source, "my-service (pyproject.toml)");
        assert!(needs_resolution(&input), "a pyproject lists only the top level, pinned or not");
    }

    #[test]
    fn only_inputs_that_are_not_fully_pinned_need_resolving() {
        let needs = |name: &str, text: &str| needs_resolution(&parse_files(&[InputFile::new(name, text)]));
        assert!(needs("requirements.txt", "requests>=2.31\n"));
        assert!(needs("requirements.txt", "requests\n"));
        assert!(needs("requirements.in", "requests==2.32.3\n"));
        assert!(!needs("requirements.txt", "requests==2.32.3\nurllib3==2.2.1\n"));
        assert!(!needs("requirements.txt", "-e ./local\n"));
        let lock = "version = 1\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
        assert!(!needs("uv.lock", lock));
    }
}
