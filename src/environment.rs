//! The environment an audit is for: a Python version and a platform (x86_64). Markers are evaluated against it
//! (lockfile forks, the resolver's requirements) and the resolver chooses wheels by its tags.

use std::fmt;
use std::str::FromStr;

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree};
use serde::{Deserialize, Serialize};

/// The operating system of the target, always on x86_64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Linux (glibc), x86_64.
    #[default]
    Linux,
    /// macOS, x86_64.
    Macos,
    /// Windows, x86_64 (`win_amd64`).
    Windows,
}

impl Platform {
    /// Every platform, in the order the settings offer them.
    pub const ALL: [Self; 3] = [Self::Linux, Self::Macos, Self::Windows];

    /// The name in the page's parameter and the share link: `linux`, `macos`, `windows`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Linux => "linux",
            Self::Macos => "macos",
            Self::Windows => "windows",
        }
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Self::Linux => "Linux x86_64",
            Self::Macos => "macOS x86_64",
            Self::Windows => "Windows x86_64",
        }
    }
}

impl FromStr for Platform {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|platform| platform.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| format!("unknown platform `{text}` (expected `linux`, `macos` or `windows`)"))
    }
}

/// A CPython 3 minor version (`3.12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PythonVersion {
    /// The major version, 3.
    pub major: u8,
    /// The minor version.
    pub minor: u8,
}

impl PythonVersion {
    /// The newest CPython 3 minor release: the default target (3.15.0 was released in October 2026).
    pub const NEWEST: Self = Self { major: 3, minor: 15 };
    /// The oldest minor release the settings offer.
    pub const OLDEST: Self = Self { major: 3, minor: 8 };
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for PythonVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("`{text}` is not a Python version such as `3.12`");
        let (major, minor) = text.trim().split_once('.').ok_or_else(invalid)?;
        let version =
            Self { major: major.parse().map_err(|_| invalid())?, minor: minor.parse().map_err(|_| invalid())? };
        if version.major != 3 || version < Self::OLDEST || version.minor > 99 {
            return Err(format!("Python `{text}` is not supported (3.{} or newer)", Self::OLDEST.minor));
        }
        Ok(version)
    }
}

/// The Python version and platform an audit is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TargetEnvironment {
    /// The Python version.
    pub python: PythonVersion,
    /// The platform.
    pub platform: Platform,
}

impl Default for PythonVersion {
    fn default() -> Self {
        Self::NEWEST
    }
}

impl fmt::Display for TargetEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CPython {} on {}", self.python, self.platform.label())
    }
}

impl TargetEnvironment {
    /// The PEP 508 marker environment of this target: CPython `X.Y.0` on the platform's usual values.
    pub fn markers(&self) -> MarkerEnvironment {
        let python_version = self.python.to_string();
        let full_version = format!("{python_version}.0");
        let (os_name, sys_platform, platform_system) = match self.platform {
            Platform::Linux => ("posix", "linux", "Linux"),
            Platform::Macos => ("posix", "darwin", "Darwin"),
            Platform::Windows => ("nt", "win32", "Windows"),
        };
        let platform_machine = match self.platform {
            Platform::Windows => "AMD64",
            Platform::Linux | Platform::Macos => "x86_64",
        };
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full_version,
            os_name,
            platform_machine,
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system,
            platform_version: "",
            python_full_version: &full_version,
            python_version: &python_version,
            sys_platform,
        })
        .expect("a Python version written as `3.N.0` is a valid PEP 440 version")
    }

    /// True when `marker` holds here, with `extras` active.
    pub fn admits(&self, marker: &MarkerTree, extras: &[pep508_rs::ExtraName]) -> bool {
        marker.evaluate(&self.markers(), extras)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_platforms_read_and_print() {
        assert_eq!("3.9".parse::<PythonVersion>(), Ok(PythonVersion { major: 3, minor: 9 }));
        assert!("3.7".parse::<PythonVersion>().is_err());
        assert!("2.7".parse::<PythonVersion>().is_err());
        assert!("3".parse::<PythonVersion>().is_err());
        assert_eq!("Windows".parse::<Platform>(), Ok(Platform::Windows));
        assert!("aix".parse::<Platform>().is_err());
        let target = TargetEnvironment { python: "3.11".parse().unwrap(), platform: Platform::Macos };
        assert_eq!(target.to_string(), "CPython 3.11 on macOS x86_64");
    }

    #[test]
    fn markers_are_evaluated_for_the_target() {
        let marker = |text: &str| MarkerTree::from_str(text).expect("valid marker");
        let linux = TargetEnvironment { python: "3.12".parse().unwrap(), platform: Platform::Linux };
        let windows = TargetEnvironment { platform: Platform::Windows, ..linux };
        let old = TargetEnvironment { python: "3.9".parse().unwrap(), ..linux };
        let on_windows = marker("sys_platform == 'win32'");
        assert!(!linux.admits(&on_windows, &[]) && windows.admits(&on_windows, &[]));
        let before_310 = marker("python_version < '3.10'");
        assert!(old.admits(&before_310, &[]) && !linux.admits(&before_310, &[]));
        assert!(linux.admits(&marker("python_full_version >= '3.12.0' and platform_machine == 'x86_64'"), &[]));
        assert!(windows.admits(&marker("platform_machine == 'AMD64' and os_name == 'nt'"), &[]));
    }
}
