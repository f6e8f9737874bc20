//! The Yew shell: the root component, which holds the page's state ([`crate::page::state`]) in a reducer, starts
//! audits through [`audit::use_audit`] and renders the panels. Callbacks dispatch actions or start work directly.

pub mod audit;
pub mod components;
mod handlers;
mod idle_memo;
pub mod offline_loader;
mod persist;
pub mod rehearsal;
pub mod services;
mod share_link;
mod store;

use std::rc::Rc;

use yew::prelude::*;

use self::components::fix_view::FixesPanel;
use self::components::input_panel::InputPanel;
use self::components::offline_panel::{offline_panel, OfflinePanelProps};
use self::components::report_view::ReportView;
use self::components::resolution_panel::resolution_panel;
use self::components::sent_panel::SentPanel;
use self::components::settings_panel::SettingsPanel;
use self::components::shared_banner::{shared_banner, SharedBannerProps};
use self::components::status_bar::StatusBar;
use self::offline_loader::OfflineState;
use crate::page::state::Phase;
use crate::pypi::IndexHealth;

/// Mounts the app into `#app`, replacing the static placeholder.
pub fn mount() {
    let document = web_sys::window().and_then(|window| window.document()).expect("a page has a document");
    let root = document.get_element_by_id("app").expect("index.html has #app");
    root.set_inner_html("");
    yew::Renderer::<App>::with_root(root).render();
}

/// The page.
#[function_component(App)]
pub fn app() -> Html {
    let audit_now = use_mut_ref(|| false);
    let state = use_reducer(|| {
        let (state, audit_now_) = store::initial();
        *audit_now.borrow_mut() = audit_now_;
        state
    });
    let offline = use_reducer(OfflineState::default);
    let audit = audit::use_audit(state.clone(), offline.clone());
    persist::use_persisted(&state, &offline);
    let on = handlers::use_handlers(&state, &offline, &audit);
    {
        // Once mounted: the offline database kept from an earlier visit, the warm-up, the share link the page was
        // opened with, and the listeners for later share links and blocked connections.
        let (audit, state, offline_loader) = (audit.clone(), state.clone(), on.offline_loader.clone());
        let audit_now = *audit_now.borrow();
        use_effect_with((), move |_| {
            offline_loader.restore();
            if audit_now {
                audit.run(Rc::clone(&state.input.inputs));
            }
            handlers::listen_to_the_address(&state, &audit);
            let warm = audit.clone();
            yew::platform::spawn_local(async move {
                rehearsal::warm_up(warm).await;
            });
        });
    }
    {
        // The inputs are read once they have been left alone for a moment, so that the page says what they hold
        // before the audit, and the audit starts from what was read.
        let (audit, inputs) = (audit.clone(), Rc::clone(&state.input.inputs));
        use_effect_with(inputs, move |inputs| {
            let inputs = Rc::clone(inputs);
            let pending =
                gloo_timers::callback::Timeout::new(audit::READ_AHEAD_DELAY_MS, move || audit.read_ahead(inputs));
            move || drop(pending)
        });
    }
    {
        // After each audit: the cache count stays current, and the focus moves to the summary.
        let audit = audit.clone();
        let finished = (state.audit.phase == Phase::Done).then_some(state.audit.run);
        use_effect_with(finished, move |finished| {
            if finished.is_some() {
                audit.count_cache();
                // The summary comes into view and takes the focus, so that a keyboard user starts there.
                components::report_view::focus_summary();
            }
        });
    }
    let share = share_link::use_share_link(&state);
    // Read once per settings change, not per render: a running audit renders the page every few dozen milliseconds.
    let endpoint_problem = use_memo(state.settings.clone(), |settings| {
        services::endpoint_blocked(&services::endpoint(settings)).map(AttrValue::from)
    });
    let run = &state.audit;
    // The audit whose report was last drawn whole: until then a finished audit's status says `running`.
    let drawn = use_state_eq(|| None::<u32>);
    // One callback for the page's life: a new one at each render would draw the whole report again each time.
    let on_drawn = {
        // The audit handle's record of it is shared: the handle captured first stays right.
        let audit = audit.clone();
        use_callback(drawn.clone(), move |run: u32, drawn| {
            drawn.set(Some(run));
            audit.report_drawn(run);
        })
    };
    let drawing = run.phase == Phase::Done && *drawn != Some(run.run);

    html! {
        <div class="app" ondrop={on.drop} ondragover={Callback::from(|event: DragEvent| event.prevent_default())}>
            <InputPanel input={state.input.clone()} running={run.phase == Phase::Running}
                on_paste={on.paste} on_files={on.files} on_remove={on.remove_file} on_audit={on.audit}
                on_sample={on.sample} on_refuse={on.refuse_paste} on_set_aside={on.set_aside} />
            <SettingsPanel settings={state.settings.clone()}
                default_endpoint={AttrValue::from(services::default_endpoint())}
                override_endpoint={services::endpoint_override().map(AttrValue::from)}
                endpoint_problem={(*endpoint_problem).clone()} cache={state.cache.clone()}
                on_change={on.setting} on_clear_cache={on.clear_cache} on_open={on.settings_open} />
            { offline_panel(&OfflinePanelProps { state: (*offline).clone(), age: offline.age().map(AttrValue::from),
                on_file: on.offline_file, on_mode: on.offline_mode, on_remove: on.offline_remove }) }
            <StatusBar phase={run.phase.clone()} fixes={run.fixes} queries={run.queries} records={run.records}
                releases={run.releases} summary={run.report.summary} plan={run.plan}
                cache_broken={state.cache.broken.clone().map(AttrValue::from)} blocked={state.blocked.clone()}
                can_retry={state.can_retry()} parse_timing={run.read.as_ref().map(|read| read.timing)}
                run={run.run} on_retry={on.retry} index={IndexHealth::of(&run.lookups.releases)} {drawing} />
            { resolution_panel(&run.resolution, &on.resolved_download) }
            if let Some(link) = &state.opened_link {
                { shared_banner(SharedBannerProps { created: &link.created, rules: link.ignores.len(),
                    own_input: link.own_inputs.is_some(), on_keep: &on.keep_shared, on_leave: &on.leave_shared }) }
            }
            <ReportView report={Rc::clone(&run.report)} view={state.view.clone()} share={share}
                shared_at={state.opened_link.as_ref().map(|link| AttrValue::from(link.created.clone()))}
                share_error={state.share_error.clone().map(AttrValue::from)}
                on_view={on.view} on_ignore={on.ignore} on_unignore={on.unignore} on_export={on.export}
                rules={state.active_ignores().to_vec()}
                finished={(run.phase == Phase::Done).then_some(run.run)} run={run.run} {on_drawn} />
            if let Some(read) = &run.read {
                <FixesPanel report={Rc::clone(&run.report)} parsed={Rc::clone(&read.parsed)}
                    done={run.phase == Phase::Done} />
            }
            <SentPanel entries={Rc::clone(&state.sent)} />
        </div>
    }
}
