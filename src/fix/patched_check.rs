//! Whether a patched requirements file installs: the page resolves the patched pins (in the worker, against the
//! package index) before it offers the file, so that a fix that breaks a parent's requirement is said, with the
//! resolver's explanation naming the parent, instead of being found by `pip install`.

use crate::resolve::ResolvedSet;

/// What the check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchedState {
    /// The patched pins (and what they pull in) resolve together.
    Installs,
    /// No resolution exists: the file as patched does not install.
    Conflict,
    /// Not known: the index could not be read, or part of the tree could not be resolved.
    Unknown,
}

impl PatchedState {
    /// The contract's word (`data-state`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Installs => "installs",
            Self::Conflict => "conflict",
            Self::Unknown => "unknown",
        }
    }
}

/// The check of one patched file: its state and what to say, one sentence a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchedCheck {
    /// What it found.
    pub state: PatchedState,
    /// What to say.
    pub lines: Vec<String>,
}

impl PatchedCheck {
    /// The check of the patched `file` from the resolver's answer.
    pub fn of(file: &str, answer: &Result<ResolvedSet, String>) -> Self {
        let set = match answer {
            Ok(set) => set,
            Err(reason) => {
                return Self {
                    state: PatchedState::Unknown,
                    lines: vec![format!("Whether the patched {file} installs is not known: {reason}.")],
                }
            }
        };
        if let Some(failure) = &set.failure {
            let mut lines = vec![format!("The patched {file} does not install for {}:", set.target)];
            lines.extend(failure.iter().cloned());
            return Self { state: PatchedState::Conflict, lines };
        }
        if !set.not_resolved.is_empty() {
            let mut lines =
                vec![format!("Whether the patched {file} installs is known only in part, for {}:", set.target)];
            lines.extend(set.not_resolved.iter().cloned());
            return Self { state: PatchedState::Unknown, lines };
        }
        let named = set.packages.iter().filter(|row| row.named).count();
        let pulled = set.packages.len() - named;
        let mut line = format!(
            "The patched {file} resolves: its {} ",
            crate::report::counted(named, "requirement", "requirements")
        );
        if pulled > 0 {
            line.push_str(&format!("and {} they pull in ", crate::report::counted(pulled, "package", "packages")));
        }
        let verb = if set.packages.len() == 1 { "installs" } else { "install together" };
        line.push_str(&format!("{verb} for {}.", set.target));
        Self { state: PatchedState::Installs, lines: vec![line] }
    }
}
