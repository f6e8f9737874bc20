//! An ignore rule: the user's decision to set a finding aside, with a reason and an optional expiry, in
//! osv-scanner.toml's terms (`[[IgnoredVulns]]`). The report marks the findings a rule matches; [`crate::triage`]
//! applies the rules.

use serde::{Deserialize, Serialize};

/// The longest reason kept, in characters; the share link and storage carry it.
pub const MAX_REASON_CHARS: usize = 500;

/// One ignore rule, in osv-scanner.toml's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignore {
    /// The vulnerability ID; it matches a finding whose primary ID or any alias is this ID.
    pub id: String,
    /// Why it is ignored.
    #[serde(default)]
    pub reason: String,
    /// The first day (`YYYY-MM-DD`) on which the rule no longer applies; none means for ever.
    #[serde(default, rename = "ignoreUntil", skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// The rule ends once the finding has a fixed version ("ignore until fixed"). Left out when false, so that links
    /// and settings written before it read as they were.
    #[serde(default, rename = "untilFixed", skip_serializing_if = "is_false")]
    pub until_fixed: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Ignore {
    /// A rule for `id`. The reason is trimmed and cut to [`MAX_REASON_CHARS`]; an expiry that is not a
    /// `YYYY-MM-DD` date is an error.
    pub fn new(id: &str, reason: &str, until: Option<&str>) -> Result<Ignore, String> {
        let until = until.map(str::trim).filter(|date| !date.is_empty());
        if let Some(date) = until {
            if !is_date(date) {
                return Err(format!("`{date}` is not a date (YYYY-MM-DD)"));
            }
        }
        Ok(Ignore {
            id: id.trim().to_string(),
            reason: reason.trim().chars().take(MAX_REASON_CHARS).collect(),
            until: until.map(str::to_string),
            until_fixed: false,
        })
    }

    /// True when the rule applies on `today` (`YYYY-MM-DD`): it has no expiry, or the expiry is later.
    pub fn is_active(&self, today: &str) -> bool {
        self.until.as_deref().is_none_or(|until| today < until)
    }

    /// True when an "until fixed" rule has ended: the finding it names has a fixed version.
    pub fn ended_by_fix(&self, has_fix: bool) -> bool {
        self.until_fixed && has_fix
    }

    /// True when the rule names a finding with primary ID `id` and `aliases`, by either.
    pub fn matches(&self, id: &str, aliases: &[String]) -> bool {
        id == self.id || aliases.contains(&self.id)
    }
}

/// True for a `YYYY-MM-DD` date with a plausible month and day.
pub fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return false;
    }
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}
