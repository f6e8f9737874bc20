//! Which wheels install on the target, and which of them an installer prefers: the tags CPython X.Y accepts, in the
//! order pip and uv rank them (PEP 425, as `packaging.tags.sys_tags` lists them).
//!
//! The platforms, all x86_64:
//! - Linux: glibc 2.17, as uv's `--python-platform linux` (`x86_64-unknown-linux-gnu`, "equivalent to
//!   `x86_64-manylinux_2_17`"): `manylinux_2_17` down to `manylinux_2_5` with their legacy names (`manylinux2014`,
//!   `manylinux2010`, `manylinux1`), then `linux_x86_64`. A wheel that needs a newer glibc (`manylinux_2_28`) is not
//!   installable there; a version offering only such wheels and no sdist is unavailable, as with uv.
//! - macOS: 12.0, uv's default deployment target (the oldest macOS then supported): `macosx_12_0`, `macosx_11_0`,
//!   then `macosx_10_16` down to `macosx_10_4`, each as `x86_64`, `intel`, `fat64`, `fat32`, `universal2`,
//!   `universal`.
//! - Windows: `win_amd64`.

use std::collections::HashMap;

use crate::environment::{Platform, TargetEnvironment};
use crate::index::WheelTags;

/// The oldest glibc minor version (2.x) a `manylinux_2_x` tag names.
const OLDEST_GLIBC_MINOR: u32 = 5;
/// The glibc the Linux target has (2.17: CentOS 7, `manylinux2014`).
const TARGET_GLIBC_MINOR: u32 = 17;
/// The macOS major version the macOS target has.
const TARGET_MACOS_MAJOR: u32 = 12;

/// The tags the target accepts, each with its rank (0 is the most preferred).
#[derive(Debug, Clone)]
pub(crate) struct TagRanks {
    ranks: HashMap<(String, String, String), u32>,
}

impl TagRanks {
    /// The tags of CPython on `target`, ranked.
    pub(crate) fn new(target: &TargetEnvironment) -> Self {
        let minor = u32::from(target.python.minor);
        let platforms = platforms(target.platform);
        let cp = format!("cp3{minor}");
        let mut ordered: Vec<(String, String, String)> = Vec::new();
        let each_platform = |python: &str, abi: &str, ordered: &mut Vec<_>| {
            for platform in &platforms {
                ordered.push((python.to_string(), abi.to_string(), platform.clone()));
            }
        };
        // The interpreter's own ABI, the stable ABI, then no ABI, on each platform.
        each_platform(&cp, &cp, &mut ordered);
        each_platform(&cp, "abi3", &mut ordered);
        each_platform(&cp, "none", &mut ordered);
        // The stable ABI of older minor releases (abi3 appeared in 3.2).
        for older in (2..minor).rev() {
            each_platform(&format!("cp3{older}"), "abi3", &mut ordered);
        }
        // Pure-Python tags for the platform, then for any platform.
        let generic: Vec<String> = std::iter::once(format!("py3{minor}"))
            .chain(std::iter::once("py3".to_string()))
            .chain((0..minor).rev().map(|older| format!("py3{older}")))
            .collect();
        for python in &generic {
            each_platform(python, "none", &mut ordered);
        }
        ordered.push((cp.clone(), "none".into(), "any".into()));
        for python in &generic {
            ordered.push((python.clone(), "none".into(), "any".into()));
        }
        let mut ranks = HashMap::with_capacity(ordered.len());
        for (rank, tag) in ordered.into_iter().enumerate() {
            ranks.entry(tag).or_insert(u32::try_from(rank).unwrap_or(u32::MAX));
        }
        Self { ranks }
    }

    /// The rank of the best tag a wheel carries that the target accepts; `None` when it does not install here.
    pub(crate) fn rank(&self, tags: &WheelTags) -> Option<u32> {
        let mut best: Option<u32> = None;
        for python in &tags.python {
            for abi in &tags.abi {
                for platform in &tags.platform {
                    let key = (python.to_ascii_lowercase(), abi.to_ascii_lowercase(), platform.to_ascii_lowercase());
                    if let Some(&rank) = self.ranks.get(&key) {
                        best = Some(best.map_or(rank, |best| best.min(rank)));
                    }
                }
            }
        }
        best
    }
}

/// The platform tags of `platform`, most preferred first.
fn platforms(platform: Platform) -> Vec<String> {
    match platform {
        Platform::Linux => {
            let mut tags = Vec::new();
            for minor in (OLDEST_GLIBC_MINOR..=TARGET_GLIBC_MINOR).rev() {
                tags.push(format!("manylinux_2_{minor}_x86_64"));
                let legacy = match minor {
                    17 => Some("manylinux2014_x86_64"),
                    12 => Some("manylinux2010_x86_64"),
                    5 => Some("manylinux1_x86_64"),
                    _ => None,
                };
                tags.extend(legacy.map(String::from));
            }
            tags.push("linux_x86_64".into());
            tags
        }
        Platform::Macos => {
            const FORMATS: [&str; 6] = ["x86_64", "intel", "fat64", "fat32", "universal2", "universal"];
            let mut tags = Vec::new();
            for major in (11..=TARGET_MACOS_MAJOR).rev() {
                tags.extend(FORMATS.iter().map(|format| format!("macosx_{major}_0_{format}")));
            }
            for minor in (4..=16).rev() {
                tags.extend(FORMATS.iter().map(|format| format!("macosx_10_{minor}_{format}")));
            }
            tags
        }
        Platform::Windows => vec!["win_amd64".into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::PythonVersion;

    fn tags(text: &str) -> WheelTags {
        let mut parts = text.split('-');
        let mut set = || parts.next().unwrap().split('.').map(String::from).collect::<Vec<_>>();
        WheelTags { python: set(), abi: set(), platform: set(), build: None }
    }

    fn target(python: &str, platform: Platform) -> TargetEnvironment {
        TargetEnvironment { python: python.parse::<PythonVersion>().unwrap(), platform }
    }

    #[test]
    fn linux_accepts_manylinux_up_to_glibc_2_17_and_prefers_the_specific_build() {
        let linux = TagRanks::new(&target("3.11", Platform::Linux));
        let specific = linux.rank(&tags("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64")).unwrap();
        let stable_abi = linux.rank(&tags("cp38-abi3-manylinux_2_5_x86_64.manylinux1_x86_64")).unwrap();
        let pure = linux.rank(&tags("py3-none-any")).unwrap();
        let both = linux.rank(&tags("py2.py3-none-any")).unwrap();
        assert!(specific < stable_abi && stable_abi < pure, "{specific} {stable_abi} {pure}");
        assert_eq!(both, pure);
        for refused in [
            "cp311-cp311-manylinux_2_28_x86_64",
            "cp311-cp311-musllinux_1_1_x86_64",
            "cp311-cp311-manylinux_2_17_aarch64",
            "cp312-cp312-manylinux_2_17_x86_64",
            "cp311-cp311-win_amd64",
            "py2-none-any",
            "cp312-abi3-manylinux_2_17_x86_64",
        ] {
            assert_eq!(linux.rank(&tags(refused)), None, "{refused}");
        }
    }

    #[test]
    fn macos_and_windows_accept_their_own_tags() {
        let mac = TagRanks::new(&target("3.10", Platform::Macos));
        assert!(mac.rank(&tags("cp310-cp310-macosx_10_9_x86_64")).is_some());
        assert!(mac.rank(&tags("cp310-cp310-macosx_10_9_universal2")).is_some());
        assert!(mac.rank(&tags("cp310-cp310-macosx_12_0_x86_64")).is_some());
        assert_eq!(mac.rank(&tags("cp310-cp310-macosx_13_0_x86_64")), None);
        assert_eq!(mac.rank(&tags("cp310-cp310-macosx_11_0_arm64")), None);
        let newer_first = mac.rank(&tags("cp310-cp310-macosx_11_0_x86_64")).unwrap();
        assert!(newer_first < mac.rank(&tags("cp310-cp310-macosx_10_9_x86_64")).unwrap());
        let windows = TagRanks::new(&target("3.13", Platform::Windows));
        assert!(windows.rank(&tags("cp313-cp313-win_amd64")).is_some());
        assert_eq!(windows.rank(&tags("cp313-cp313-win32")), None);
        assert!(windows.rank(&tags("py3-none-win_amd64")).unwrap() < windows.rank(&tags("py3-none-any")).unwrap());
    }
}
