//! The one place the page keeps what must survive a reload: the input (the user's own, not an opened share link's),
//! the ignore rules with the view, the settings, the input set aside after a crash, and the offline switch.

use yew::prelude::*;

use super::offline_loader::OfflineState;
use super::store::{SavedTriage, INPUT_KEY, SETTINGS_KEY, SET_ASIDE_KEY, TRIAGE_KEY};
use crate::io::storage;
use crate::page::state::PageState;

/// Where the offline switch is kept.
pub const OFFLINE_MODE_KEY: &str = "osv-lens.offline-mode.v1";

fn save_json<T: serde::Serialize>(key: &str, value: &T) {
    if let Ok(json) = serde_json::to_string(value) {
        storage::save(key, &json);
    }
}

/// Saves each kept value when it changes.
#[hook]
pub fn use_persisted(state: &PageState, offline: &OfflineState) {
    use_effect_with(std::rc::Rc::clone(state.inputs_to_keep()), |inputs| save_json(INPUT_KEY, &**inputs));
    use_effect_with((state.ignores.clone(), state.view.clone()), |(ignores, view)| {
        save_json(TRIAGE_KEY, &SavedTriage { ignores: ignores.clone(), view: view.clone() });
    });
    use_effect_with(state.settings.clone(), |settings| save_json(SETTINGS_KEY, settings));
    use_effect_with(state.input.set_aside.is_some(), |kept| {
        if !kept {
            storage::remove(SET_ASIDE_KEY);
        }
    });
    use_effect_with(offline.offline_mode, |on| {
        storage::save(OFFLINE_MODE_KEY, if *on { "on" } else { "off" });
    });
}
