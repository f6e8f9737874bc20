//! The page's state in a Yew reducer ([`PageState`] is pure and tested on the host), and the state the page starts
//! from: what was kept from the last visit, or a share link in the address.

use std::rc::Rc;

use yew::Reducible;

use crate::io::{clock, location, storage};
use crate::page::state::{Action, Inputs, PageState};
use crate::settings::Settings;
use crate::share;
use crate::triage::{Ignore, View};

/// Where the input is kept between visits.
pub const INPUT_KEY: &str = "osv-lens.input.v1";
/// Where the ignore rules and the findings list's view are kept.
pub const TRIAGE_KEY: &str = "osv-lens.triage.v1";
/// Where the settings are kept.
pub const SETTINGS_KEY: &str = "osv-lens.settings.v1";
/// Where the input set aside after a crash is kept, until it is put back or discarded.
pub const SET_ASIDE_KEY: &str = "osv-lens.input.set-aside.v1";

/// The ignore rules and the findings list's view, as kept.
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub struct SavedTriage {
    /// The user's ignore rules.
    #[serde(default)]
    pub ignores: Vec<Ignore>,
    /// The view.
    #[serde(default)]
    pub view: View,
}

impl Reducible for PageState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        if state.apply(action) {
            Rc::new(state)
        } else {
            self
        }
    }
}

fn load<T: serde::de::DeserializeOwned + Default>(key: &str) -> T {
    storage::load(key).and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default()
}

/// The state the page starts from, and whether a share link in the address asks for an audit at once.
pub fn initial() -> (PageState, bool) {
    let saved: Inputs = load(INPUT_KEY);
    let triage: SavedTriage = load(TRIAGE_KEY);
    let mut state = PageState {
        ignores: triage.ignores,
        view: triage.view,
        today: clock::today(),
        settings: storage::load(SETTINGS_KEY).map(|json| Settings::from_json(&json)).unwrap_or_default(),
        ..PageState::default()
    };
    // A page that stopped while reading its input last time left the reading mark set: the saved input is set
    // aside, so that the page starts, and offered back.
    let crashed = storage::load(storage::READING_KEY).is_some();
    storage::remove(storage::READING_KEY);
    if crashed {
        if !saved.is_empty() {
            if let Ok(json) = serde_json::to_string(&saved) {
                storage::save(SET_ASIDE_KEY, &json);
            }
            state.input.set_aside = Some(Rc::new(saved));
        }
        if location::fragment().is_some_and(|fragment| fragment.starts_with(share::FRAGMENT_KEY)) {
            state.share_error = Some(
                "The page stopped while reading its input last time, so the share link in the address was not \
                 opened. Reload the page to open it."
                    .into(),
            );
        }
        return (state, false);
    }
    let kept_aside: Option<Inputs> = storage::load(SET_ASIDE_KEY).and_then(|json| serde_json::from_str(&json).ok());
    state.input.set_aside = kept_aside.map(Rc::new);
    state.input.inputs = Rc::new(saved);
    // A share link in the address is shown and audited at once; the user's own input and rules stay kept.
    let mut audit_now = false;
    if let Some(fragment) = location::fragment().filter(|fragment| fragment.starts_with(share::FRAGMENT_KEY)) {
        match share::decode(&fragment) {
            Ok(shared) => {
                let inputs = Rc::new(Inputs::of_shared(&shared));
                state.apply(Action::OpenShared(Box::new(shared), inputs));
                audit_now = true;
            }
            Err(error) => state.share_error = Some(error.to_string()),
        }
    }
    (state, audit_now)
}
