//! What PubGrub solves for: the input itself, each project, and each project with an extra (a virtual package that
//! depends on the project at the same version, as uv models extras), and how version sets are written.

use std::collections::Bound;
use std::fmt;

use pep508_rs::pep440_rs::Version;
use pep508_rs::{ExtraName, PackageName};
use pubgrub::Ranges;

/// A package as PubGrub sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Node {
    /// The user's input: its dependencies are the requirements.
    Root,
    /// A project.
    Project(PackageName),
    /// A project with one extra: depends on the project at the same version and on what the extra adds.
    Extra(PackageName, ExtraName),
}

impl Node {
    /// The project's name; `None` for the input.
    pub(crate) fn name(&self) -> Option<&PackageName> {
        match self {
            Self::Root => None,
            Self::Project(name) | Self::Extra(name, _) => Some(name),
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root => f.write_str("your requirements"),
            Self::Project(name) => write!(f, "{name}"),
            Self::Extra(name, extra) => write!(f, "{name}[{extra}]"),
        }
    }
}

/// The version a [`Node::Root`] has.
pub(crate) fn root_version() -> Version {
    Version::new([0u64])
}

/// A version set written as PEP 440 specifiers glued to a name (`==3.0.0`, `>=1.0,<2`, `!=1.4`, `<1 | >=2`); empty
/// for every version.
pub(crate) fn specifier_text(range: &Ranges<Version>) -> String {
    if range == &Ranges::full() {
        return String::new();
    }
    if let Some(version) = range.as_singleton() {
        return format!("=={}", plain(version));
    }
    let segments: Vec<(Bound<&Version>, Bound<&Version>)> =
        range.iter().map(|(a, b)| (a.as_ref(), b.as_ref())).collect();
    if let [(Bound::Unbounded, Bound::Excluded(below)), (Bound::Excluded(above), Bound::Unbounded)] =
        segments.as_slice()
    {
        if below == above {
            return format!("!={}", plain(below));
        }
    }
    let written: Vec<String> = segments
        .iter()
        .map(|segment| match *segment {
            (Bound::Included(low), Bound::Included(high)) if low == high => format!("=={}", plain(low)),
            (low, high) => {
                let low = match low {
                    Bound::Unbounded => None,
                    Bound::Included(version) => Some(format!(">={}", plain(version))),
                    Bound::Excluded(version) => Some(format!(">{}", plain(version))),
                };
                let high = match high {
                    Bound::Unbounded => None,
                    Bound::Included(version) => Some(format!("<={}", plain(version))),
                    Bound::Excluded(version) => Some(format!("<{}", plain(version))),
                };
                low.into_iter().chain(high).collect::<Vec<_>>().join(",")
            }
        })
        .collect();
    written.join(" | ")
}

/// A version as people write it: without the internal "smallest" and "largest" markers pep440_rs puts on range
/// bounds, and `2.dev0` as `2` when it is an upper bound made from `~=` or `<2`.
fn plain(version: &Version) -> String {
    let mut version = version.clone();
    if Version::min(&version).is_some() {
        version = version.with_min(None);
    }
    if Version::max(&version).is_some() {
        version = version.with_max(None);
    }
    if version.dev() == Some(0) && version.pre().is_none() && version.post().is_none() {
        version = version.with_dev(None);
    }
    version.to_string()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use pep508_rs::pep440_rs::VersionSpecifiers;

    use super::*;

    #[test]
    fn version_sets_are_written_as_specifiers() {
        let text = |specifiers: &str| specifier_text(&Ranges::from(VersionSpecifiers::from_str(specifiers).unwrap()));
        assert_eq!(text(""), "");
        assert_eq!(text("==3.0.0"), "==3.0.0");
        assert_eq!(text("<3"), "<3");
        assert_eq!(text(">=3.0.0"), ">=3.0.0");
        assert_eq!(text(">=1.0,<2"), ">=1.0,<2");
        assert_eq!(text("~=1.4"), ">=1.4,<2");
        assert_eq!(text("!=1.4"), "!=1.4");
        assert_eq!(text(">1.0"), ">1.0");
        assert_eq!(text(">=1,!=1.5,<2"), ">=1,<1.5 | >1.5,<2");
    }
}
