//! How the package index fared in an audit, said once at the top of the report (reachable, failed or off), and
//! the release lists that failed, remembered for a while so that each new audit does not ask a failing index again.

use std::collections::BTreeMap;

use super::ReleaseLookup;
use crate::report::counted;

/// Why the index was not asked when lookups are switched off (`?pypi=off`, the setting).
pub const INDEX_OFF: &str = "PyPI lookups are switched off";
/// Why the index was not asked in offline mode.
pub const INDEX_OFFLINE: &str = "offline mode asks PyPI for nothing";

/// How long a failed release list is remembered, in milliseconds.
pub const REMEMBER_FAILURE_MS: f64 = 120_000.0;

/// How the index answered the audit's release-list requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexHealth {
    /// Not asked, for this reason.
    Off(&'static str),
    /// Lists arrived (a 404 is an answer), and some may have failed.
    Reachable {
        /// Lists that arrived.
        answered: usize,
        /// Lists that did not.
        failed: usize,
        /// The first failure's reason.
        why: Option<String>,
    },
    /// No list arrived.
    Failed {
        /// Lists that did not arrive.
        failed: usize,
        /// The first failure's reason.
        why: String,
    },
}

impl IndexHealth {
    /// The health the release lists show; `None` before any arrived.
    pub fn of(releases: &BTreeMap<String, ReleaseLookup>) -> Option<Self> {
        let mut failures = releases.values().filter_map(|lookup| match lookup {
            ReleaseLookup::Unavailable(why) => Some(why.as_str()),
            _ => None,
        });
        let why = failures.next();
        let failed = usize::from(why.is_some()) + failures.count();
        let answered = releases.len() - failed;
        match (answered, why) {
            (0, None) => None,
            (_, Some(why)) if why == INDEX_OFF => Some(Self::Off(INDEX_OFF)),
            (_, Some(why)) if why == INDEX_OFFLINE => Some(Self::Off(INDEX_OFFLINE)),
            (0, Some(why)) => Some(Self::Failed { failed, why: why.to_string() }),
            (answered, why) => Some(Self::Reachable { answered, failed, why: why.map(str::to_string) }),
        }
    }

    /// `reachable`, `failed` or `off`: the line's `data-state`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Off(_) => "off",
            Self::Reachable { .. } => "reachable",
            Self::Failed { .. } => "failed",
        }
    }

    /// The line at the top of the report.
    pub fn sentence(&self) -> String {
        let unconfirmed = "fix versions come from the advisories alone and may be yanked or missing on PyPI";
        match self {
            Self::Off(why) => format!("PyPI: off ({why}); {unconfirmed}."),
            Self::Reachable { answered, failed: 0, .. } => {
                format!("PyPI: reachable; {} read.", counted(*answered, "release list", "release lists"))
            }
            Self::Reachable { answered, failed, why } => format!(
                "PyPI: reachable, but {failed} of {} release lists failed ({}); for those packages {unconfirmed}.",
                answered + failed,
                why.as_deref().unwrap_or_default()
            ),
            Self::Failed { failed, why } => format!(
                "PyPI: failed; all {} could not be read ({why}); {unconfirmed}.",
                counted(*failed, "release list", "release lists")
            ),
        }
    }
}

/// Release lists that failed: key (index and name), when and why. A list, not a map: it holds a few names, and a
/// map of its own would weigh on the page.
#[derive(Debug, Default)]
pub struct FailureMemo {
    failed: Vec<(String, f64, String)>,
}

impl FailureMemo {
    /// Remembers `lookup` for `key` at `now` (milliseconds) when it failed; forgets an older failure either way.
    pub fn remember(&mut self, key: &str, lookup: &ReleaseLookup, now: f64) {
        self.failed.retain(|(known, ..)| known != key);
        if let ReleaseLookup::Unavailable(why) = lookup {
            self.failed.push((key.to_string(), now, why.clone()));
        }
    }

    /// The failure remembered for `key`, when it is recent: the lookup to use instead of asking again.
    pub fn recall(&self, key: &str, now: f64) -> Option<ReleaseLookup> {
        let (_, at, why) = self.failed.iter().find(|(known, ..)| known == key)?;
        (now - at < REMEMBER_FAILURE_MS).then(|| {
            let seconds = ((now - at) / 1000.0) as u64;
            ReleaseLookup::Unavailable(format!("{why}, {seconds} s ago; asked again after 2 minutes"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn releases(lookups: &[(&str, ReleaseLookup)]) -> BTreeMap<String, ReleaseLookup> {
        lookups.iter().map(|(name, lookup)| (name.to_string(), lookup.clone())).collect()
    }

    fn failed(why: &str) -> ReleaseLookup {
        ReleaseLookup::Unavailable(why.into())
    }

    #[test]
    fn the_index_is_reachable_failed_or_off_once_for_the_whole_audit() {
        assert_eq!(IndexHealth::of(&BTreeMap::new()), None);
        let off = IndexHealth::of(&releases(&[("a", failed(INDEX_OFF)), ("b", failed(INDEX_OFF))])).expect("some");
        assert_eq!(
            (off.as_str(), off.sentence().starts_with("PyPI: off (PyPI lookups are switched off)")),
            ("off", true)
        );
        let down = releases(&[("a", failed("PyPI answered 503")), ("b", failed("PyPI answered 503"))]);
        let down = IndexHealth::of(&down).expect("some");
        assert_eq!(down, IndexHealth::Failed { failed: 2, why: "PyPI answered 503".into() });
        assert!(down.sentence().starts_with("PyPI: failed; all 2 release lists could not be read (PyPI answered 503)"));
        let partly = IndexHealth::of(&releases(&[("a", ReleaseLookup::NotOnIndex), ("b", failed("timed out"))]));
        let partly = partly.expect("some");
        assert_eq!(partly.as_str(), "reachable");
        assert!(partly.sentence().contains("1 of 2 release lists failed (timed out)"), "{}", partly.sentence());
        let fine = IndexHealth::of(&releases(&[("a", ReleaseLookup::NotOnIndex)])).expect("some");
        assert_eq!(fine.sentence(), "PyPI: reachable; 1 release list read.");
    }

    #[test]
    fn a_failure_is_remembered_for_two_minutes_and_forgotten_after_an_answer() {
        let mut memo = FailureMemo::default();
        memo.remember("https://pypi.org alpha", &failed("PyPI answered 503"), 1_000.0);
        let recalled = memo.recall("https://pypi.org alpha", 41_000.0).expect("remembered");
        assert_eq!(recalled, failed("PyPI answered 503, 40 s ago; asked again after 2 minutes"));
        assert_eq!(memo.recall("https://pypi.org beta", 41_000.0), None);
        assert_eq!(memo.recall("https://pypi.org alpha", 1_000.0 + REMEMBER_FAILURE_MS), None, "asked again after");
        memo.remember("https://pypi.org alpha", &ReleaseLookup::NotOnIndex, 50_000.0);
        assert_eq!(memo.recall("https://pypi.org alpha", 51_000.0), None);
    }
}
