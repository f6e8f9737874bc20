//! Distribution file names: wheels (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, as the binary
//! distribution format specifies) and sdists (`{name}-{version}.tar.gz`, and the older archive kinds installers
//! still accept). A name that cannot be read, or that names another project, is `None`: the file is skipped, as pip
//! and uv skip it.

use std::cmp::Ordering;
use std::str::FromStr;

use pep508_rs::pep440_rs::Version;
use pep508_rs::PackageName;

use super::{FileKind, WheelTags};

/// The archive endings read as source distributions: `.tar.gz` (the standard one) and `.zip`, plus the older
/// `.tar.bz2` and `.tgz` that old releases carry and installers still build.
const SDIST_ENDINGS: [&str; 4] = [".tar.gz", ".zip", ".tar.bz2", ".tgz"];

/// A wheel's build tag: a number, then any text; it orders wheels of one version that have the same tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildTag {
    /// The leading digits.
    pub number: u64,
    /// What follows them.
    pub rest: String,
}

impl PartialOrd for BuildTag {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BuildTag {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.number, &self.rest).cmp(&(other.number, &other.rest))
    }
}

/// What a wheel's file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelName {
    /// The project, normalised.
    pub name: PackageName,
    /// The version.
    pub version: Version,
    /// The compatibility tags and the build tag.
    pub tags: WheelTags,
}

impl WheelName {
    /// Reads a wheel's file name; `None` when it is not one.
    pub fn parse(filename: &str) -> Option<Self> {
        let stem = filename.strip_suffix(".whl")?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, tags) = match parts.as_slice() {
            [name, version, python, abi, platform] => (*name, *version, None, [*python, *abi, *platform]),
            [name, version, build, python, abi, platform] => {
                (*name, *version, Some(*build), [*python, *abi, *platform])
            }
            _ => return None,
        };
        let build = match build {
            Some(text) => Some(build_tag(text)?),
            None => None,
        };
        let [python, abi, platform] = tags.map(tag_set);
        if python.is_empty() || abi.is_empty() || platform.is_empty() {
            return None;
        }
        Some(Self {
            name: PackageName::new(name.to_string()).ok()?,
            version: Version::from_str(version).ok()?,
            tags: WheelTags { python, abi, platform, build },
        })
    }
}

/// A build tag starts with a digit (the specification's rule); the digits are its number.
fn build_tag(text: &str) -> Option<BuildTag> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number = text[..digits].parse().ok()?;
    Some(BuildTag { number, rest: text[digits..].to_string() })
}

/// `cp311.cp312` → `["cp311", "cp312"]`; an empty member makes the set empty (the name is not read).
fn tag_set(text: &str) -> Vec<String> {
    // Sized first: a collected `Vec` would reserve room for four tags, and a page holds thousands of these.
    let mut tags = Vec::with_capacity(text.split('.').count());
    tags.extend(text.split('.').map(str::to_string));
    if tags.iter().any(String::is_empty) {
        return Vec::new();
    }
    tags
}

/// The version and kind of `filename`, a file of `project`: a wheel (with its tags) or an sdist. `None` for other
/// kinds of files (eggs, installers), unreadable names, and files of another project.
pub fn parse_filename(project: &PackageName, filename: &str) -> Option<(Version, FileKind)> {
    if filename.ends_with(".whl") {
        let wheel = WheelName::parse(filename)?;
        if &wheel.name != project {
            return None;
        }
        return Some((wheel.version, FileKind::Wheel(wheel.tags)));
    }
    let stem = SDIST_ENDINGS.iter().find_map(|ending| strip_suffix_ignore_case(filename, ending))?;
    sdist_version(project, stem).map(|version| (version, FileKind::Sdist))
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    (text.is_char_boundary(cut) && text[cut..].eq_ignore_ascii_case(suffix)).then(|| &text[..cut])
}

/// The version in an sdist's `{name}-{version}`: the name may itself hold `-` (older sdists keep the project's
/// spelling, `python-dateutil-2.8.2`), so the split is the first `-` whose left side normalises to the project's
/// name and whose right side is a version.
fn sdist_version(project: &PackageName, stem: &str) -> Option<Version> {
    stem.match_indices('-').find_map(|(at, _)| {
        let name = PackageName::new(stem[..at].to_string()).ok()?;
        if &name != project {
            return None;
        }
        Version::from_str(&stem[at + 1..]).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        PackageName::new(text.to_string()).expect("test names are valid")
    }

    fn read(project: &str, filename: &str) -> Option<(String, String)> {
        parse_filename(&name(project), filename).map(|(version, kind)| {
            let kind = match kind {
                FileKind::Wheel(tags) => {
                    format!("{}-{}-{}", tags.python.join("."), tags.abi.join("."), tags.platform.join("."))
                }
                FileKind::Sdist => "sdist".to_string(),
            };
            (version.to_string(), kind)
        })
    }

    #[test]
    fn wheels_are_read_into_name_version_build_and_tags() {
        let wheel =
            WheelName::parse("Zope.Interface-6.0-2cpu-cp311.cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
                .expect("a wheel");
        assert_eq!(wheel.name.to_string(), "zope-interface");
        assert_eq!(wheel.version.to_string(), "6.0");
        assert_eq!(wheel.tags.build, Some(BuildTag { number: 2, rest: "cpu".into() }));
        assert_eq!(wheel.tags.python, ["cp311", "cp312"]);
        assert_eq!(wheel.tags.abi, ["abi3"]);
        assert_eq!(wheel.tags.platform, ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]);
        assert_eq!(
            read("requests", "requests-2.32.3-py3-none-any.whl"),
            Some(("2.32.3".into(), "py3-none-any".into()))
        );
        assert!(BuildTag { number: 2, rest: String::new() } < BuildTag { number: 10, rest: String::new() });
    }

    #[test]
    fn bad_wheel_names_are_skipped() {
        for bad in [
            "requests-2.32.3-py3-none.whl",
            "requests-2.32.3-x-y-py3-none-any.whl",
            "requests-not.a.version!-py3-none-any.whl",
            "requests-2.0-abc-py3-none-any.whl",
            "requests-2.0-99999999999999999999999-py3-none-any.whl",
            "requests-2.0-py3..py2-none-any.whl",
            "requests-2.0--none-any.whl",
            "-2.0-py3-none-any.whl",
            ".whl",
            "requests-2.0-py3-none-any.whl.asc",
        ] {
            assert_eq!(read("requests", bad), None, "{bad}");
        }
        assert_eq!(read("urllib3", "requests-2.0-py3-none-any.whl"), None, "a file of another project");
    }

    #[test]
    fn sdists_split_at_the_project_name() {
        assert_eq!(read("python-dateutil", "python-dateutil-2.8.2.tar.gz").map(|r| r.0), Some("2.8.2".into()));
        assert_eq!(read("osv-lens-major", "osv_lens_major-1.0.0.tar.gz").map(|r| r.1), Some("sdist".into()));
        assert_eq!(read("django", "Django-1.0.zip").map(|r| r.0), Some("1.0".into()));
        assert_eq!(read("pyyaml", "PyYAML-3.10.tar.bz2").map(|r| r.0), Some("3.10".into()));
        assert_eq!(read("foo", "foo-1.0-1.tar.gz").map(|r| r.0), Some("1.0.post1".into()));
        assert_eq!(read("foo-bar", "foo-bar-1.0.TGZ").map(|r| r.0), Some("1.0".into()));
        for skipped in
            ["foo-1.0.egg", "foo-1.0.win32.exe", "foo-1.0.tar.xz.sig", "foo.tar.gz", "foo-.tar.gz", "foo-x!y.zip"]
        {
            assert_eq!(read("foo", skipped), None, "{skipped}");
        }
        assert_eq!(read("foo", "foobar-1.0.tar.gz"), None, "another project");
        assert_eq!(read("foo", "é-1.0.tar.gz"), None);
        assert_eq!(read("foo", "ééé.zip"), None);
    }
}
