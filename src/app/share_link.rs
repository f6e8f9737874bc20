//! The share link of the current report: the inputs it read, the ignore rules in force, the view and how the input
//! was resolved, packed into the address's fragment once the finished report is drawn and the page is idle (packing
//! a large input takes tens of milliseconds).

use std::rc::Rc;

use yew::prelude::*;

use super::idle_memo::{use_memo_when_idle, Steps};
use super::services;
use crate::io::{clock, location};
use crate::page::state::{Inputs, PageState, Phase};
use crate::share::{self, Shared, SharedFile, SharedResolution};
use crate::triage::{Ignore, View};

/// The link, or why there is none yet; `None` while it is being made.
#[hook]
pub fn use_share_link(state: &PageState) -> Option<Result<AttrValue, AttrValue>> {
    let audited = state.audit.read.as_ref().map(|read| Rc::clone(&read.inputs));
    let resolution = services::resolution(state);
    let key =
        (audited, state.active_ignores().to_vec(), state.view.clone(), resolution, state.audit.phase == Phase::Done);
    let link = use_memo_when_idle(
        key,
        |(audited, ignores, view, resolution, done)| match (audited, done) {
            (Some(inputs), true) => share_link(inputs, ignores, view, resolution),
            _ => Steps::Done(Err("The share link is made when the audit ends".into())),
        },
        |encoding| {
            let fragment = encoding.step()?;
            if fragment.len() > share::MAX_LINK_CHARS {
                return Some(Err("The input is too large for a share link".into()));
            }
            let address = location::page_address().unwrap_or_default();
            Some(Ok(format!("{address}#{fragment}").into()))
        },
    );
    link.as_deref().cloned()
}

/// The share link for `inputs`, with the ignore rules and the view: packed in steps.
fn share_link(
    inputs: &Inputs,
    ignores: &[Ignore],
    view: &View,
    resolution: &SharedResolution,
) -> Steps<Result<AttrValue, AttrValue>, share::Encoding> {
    if inputs.is_empty() {
        return Steps::Done(Err("Audit something to get a share link".into()));
    }
    let mut settings = std::collections::BTreeMap::new();
    settings.insert("view".to_string(), serde_json::to_value(view).unwrap_or_default());
    settings.insert(share::RESOLUTION_KEY.to_string(), serde_json::to_value(resolution).unwrap_or_default());
    let shared = Shared {
        created: clock::now_rfc3339(),
        files: inputs
            .files
            .iter()
            .map(|file| SharedFile { name: file.name.clone(), text: file.text.clone() })
            .collect(),
        pasted: inputs.pasted.clone(),
        settings,
        ignores: ignores.to_vec(),
    };
    Steps::More(share::Encoding::new(&shared))
}
