//! The offline database in the page: its state, the switch between online and offline audits, and the task that
//! hands an OSV export archive to the package-index worker, which loads it (showing progress here) and answers the
//! offline audits' lookups, so that neither holds up the page.
//!
//! A loaded archive is kept in IndexedDB as the file itself (a Blob, about 10 MB for PyPI), and loaded again from
//! there after a reload; the switch is kept in localStorage. While the database is ready and offline mode is on, an
//! audit sends no request at all.

use std::cell::Cell;
use std::rc::Rc;

use yew::prelude::*;

use crate::io::worker_client::{self, LoadProgress};
use crate::io::{archive_store, clock, storage};
use crate::offline_database::days_between;
use crate::osv::archive::{check_archive_size, Limits};
use crate::page::worker::OfflineSummary;

/// Where the offline database is; the automation contract's `data-state`.
#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseState {
    /// None loaded.
    Empty,
    /// Being read from a file or from IndexedDB.
    Loading {
        /// The archive's file name.
        name: String,
        /// Entries read.
        done: usize,
        /// Entries in the archive (0 until it is opened).
        total: usize,
        /// Records kept so far.
        records: usize,
    },
    /// Loaded; audits can run offline.
    Ready(Rc<ReadyDatabase>),
    /// The archive was refused or could not be read.
    Error(String),
}

impl DatabaseState {
    /// `empty`, `loading`, `ready` or `error`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Loading { .. } => "loading",
            Self::Ready(_) => "ready",
            Self::Error(_) => "error",
        }
    }

    /// The records loaded so far: the automation contract's `data-records`.
    pub fn records(&self) -> usize {
        match self {
            Self::Loading { records, .. } => *records,
            Self::Ready(ready) => ready.summary.records,
            Self::Empty | Self::Error(_) => 0,
        }
    }
}

/// A loaded database and what the page says about it.
#[derive(Debug)]
pub struct ReadyDatabase {
    /// What the database holds (the records themselves are in the package-index worker).
    pub summary: OfflineSummary,
    /// The archive's file name.
    pub name: String,
    /// Why the archive could not be kept for the next visit, if it could not.
    pub not_stored: Option<String>,
}

impl PartialEq for ReadyDatabase {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// The offline side of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineState {
    /// The database.
    pub database: DatabaseState,
    /// True when audits must run offline.
    pub offline_mode: bool,
    /// Counts loads, so that a load that was replaced or removed cannot report into the state.
    pub generation: u32,
    /// The switch as it was before a chosen archive turned it on, to put back if the archive fails to load.
    pub mode_before_load: Option<bool>,
}

impl Default for OfflineState {
    fn default() -> Self {
        Self {
            database: DatabaseState::Empty,
            offline_mode: storage::load(super::persist::OFFLINE_MODE_KEY).as_deref() == Some("on"),
            generation: 0,
            mode_before_load: None,
        }
    }
}

/// What can happen to the offline state.
pub enum OfflineAction {
    /// Load number `.0` started, from the file named `.1`; with `.2`, offline mode goes on (a chosen archive).
    Start(u32, String, bool),
    /// Load number `.0` moved on.
    Progress(u32, usize, usize, usize),
    /// Load number `.0` finished.
    Loaded(u32, Rc<ReadyDatabase>),
    /// Load number `.0` failed, with the message to show.
    Failed(u32, String),
    /// The database was removed.
    Removed,
    /// The switch was turned on or off.
    SetMode(bool),
}

impl Reducible for OfflineState {
    type Action = OfflineAction;

    fn reduce(self: Rc<Self>, action: OfflineAction) -> Rc<Self> {
        let mut state = (*self).clone();
        match action {
            OfflineAction::Start(generation, name, switch_on) => {
                state.generation = generation;
                state.database = DatabaseState::Loading { name, done: 0, total: 0, records: 0 };
                if switch_on {
                    state.mode_before_load = Some(state.mode_before_load.unwrap_or(state.offline_mode));
                    state.offline_mode = true;
                }
            }
            OfflineAction::Progress(generation, ..)
            | OfflineAction::Loaded(generation, _)
            | OfflineAction::Failed(generation, _)
                if generation != state.generation =>
            {
                return self;
            }
            OfflineAction::Progress(_, done, total, records) => {
                if let DatabaseState::Loading { name, .. } = &state.database {
                    state.database = DatabaseState::Loading { name: name.clone(), done, total, records };
                }
            }
            OfflineAction::Loaded(_, ready) => {
                state.database = DatabaseState::Ready(ready);
                state.mode_before_load = None;
            }
            OfflineAction::Failed(_, message) => {
                state.database = DatabaseState::Error(message);
                if let Some(before) = state.mode_before_load.take() {
                    state.offline_mode = before;
                }
            }
            OfflineAction::Removed => {
                state.generation = state.generation.wrapping_add(1);
                state.database = DatabaseState::Empty;
                state.offline_mode = false;
                state.mode_before_load = None;
            }
            OfflineAction::SetMode(on) => {
                state.offline_mode = on;
                state.mode_before_load = None;
            }
        }
        Rc::new(state)
    }
}

/// How an audit must run, as the offline state decides.
pub enum AuditRoute {
    /// Through the OSV API (and PyPI).
    Online,
    /// In the page, with no request.
    Offline(Rc<ReadyDatabase>),
    /// Offline mode is on but there is no database to audit with: the audit must not run, for this reason.
    Blocked(String),
}

impl OfflineState {
    /// How an audit started now must run.
    pub fn route(&self) -> AuditRoute {
        if !self.offline_mode {
            return AuditRoute::Online;
        }
        match &self.database {
            DatabaseState::Ready(ready) => AuditRoute::Offline(Rc::clone(ready)),
            DatabaseState::Loading { done, total, .. } => AuditRoute::Blocked(format!(
                "Offline mode is on and the offline database is still loading ({done} of {total} entries); audit \
                 again when it is ready, or switch offline mode off."
            )),
            DatabaseState::Empty | DatabaseState::Error(_) => AuditRoute::Blocked(
                "Offline mode is on, but no offline database is loaded: load an OSV export zip, or switch offline \
                 mode off to ask the OSV API."
                    .into(),
            ),
        }
    }

    /// The database's age for the page: `2026-07-23, 12 days old`.
    pub fn age(&self) -> Option<String> {
        let DatabaseState::Ready(ready) = &self.database else { return None };
        let day = ready.summary.newest_day.as_deref()?;
        let sentence = match days_between(day, &clock::today()) {
            Some(0) => format!("{day}, from today"),
            Some(1) => format!("{day}, 1 day old"),
            Some(days) if days > 1 => format!("{day}, {days} days old"),
            _ => day.to_string(),
        };
        Some(sentence)
    }
}

/// Where an archive comes from.
pub enum Source {
    /// A file the user chose or dropped; kept in IndexedDB once it has loaded.
    Chosen(web_sys::File),
    /// The archive kept from an earlier visit.
    Stored(web_sys::Blob, String),
}

/// Loads an archive into the offline state. A chosen archive switches offline mode on at once, so that no audit
/// goes online meanwhile; if it fails to load, the switch goes back to where it was.
pub fn load(state: UseReducerHandle<OfflineState>, current: Rc<Cell<u32>>, source: Source) {
    let generation = current.get().wrapping_add(1);
    current.set(generation);
    let (blob, name, chosen): (web_sys::Blob, String, bool) = match source {
        Source::Chosen(file) => {
            let name = file.name();
            (file.into(), name, true)
        }
        Source::Stored(blob, name) => (blob, name, false),
    };
    state.dispatch(OfflineAction::Start(generation, name.clone(), chosen));
    yew::platform::spawn_local(async move {
        let dispatcher = state.dispatcher();
        let still_current = || current.get() == generation;
        let progress: LoadProgress = {
            let (dispatcher, current) = (dispatcher.clone(), Rc::clone(&current));
            Rc::new(move |done, total, records| {
                if current.get() == generation {
                    dispatcher.dispatch(OfflineAction::Progress(generation, done, total, records));
                }
            })
        };
        let result = read_archive(&blob, &name, progress).await;
        if !still_current() {
            return;
        }
        match result {
            Ok(summary) => {
                let not_stored = if chosen { archive_store::save(&blob, &name).await.err() } else { None };
                if still_current() {
                    let ready = ReadyDatabase { summary, name, not_stored };
                    dispatcher.dispatch(OfflineAction::Loaded(generation, Rc::new(ready)));
                }
            }
            Err(message) => {
                if !chosen {
                    // A kept archive that no longer loads is of no use; the next visit starts empty.
                    let _ = archive_store::remove().await;
                }
                dispatcher.dispatch(OfflineAction::Failed(generation, message));
            }
        }
    });
}

/// Reads the archive in `blob` and loads it in the package-index worker, which reports its progress there.
async fn read_archive(blob: &web_sys::Blob, name: &str, progress: LoadProgress) -> Result<OfflineSummary, String> {
    // Refused by its size alone, before a byte is read into the page.
    check_archive_size(blob.size() as u64, &Limits::default()).map_err(|error| format!("`{name}`: {error}."))?;
    worker_client::load_offline(name, blob, progress).await
}

/// Forgets the database, here and in IndexedDB, and switches offline mode off.
pub fn remove(state: UseReducerHandle<OfflineState>, current: Rc<Cell<u32>>) {
    let generation = current.get().wrapping_add(1);
    current.set(generation);
    worker_client::remove_offline();
    // Said removed once the kept copy is gone: a reload right after the click found it still kept. (A file chosen
    // meanwhile wins.)
    yew::platform::spawn_local(async move {
        let _ = archive_store::remove().await;
        if current.get() == generation {
            state.dispatch(OfflineAction::Removed);
        }
    });
}

/// Loads the archive kept from an earlier visit, if there is one.
pub fn restore(state: UseReducerHandle<OfflineState>, current: Rc<Cell<u32>>) {
    let generation = current.get();
    yew::platform::spawn_local(async move {
        if let Ok(Some((blob, name))) = archive_store::load().await {
            // A file chosen meanwhile wins over the kept one.
            if current.get() == generation {
                load(state, current, Source::Stored(blob, name));
            }
        }
    });
}
