//! The settings: the OSV endpoint, the request time-out, the record cache (with its count and "Clear cache") and
//! resolution (on or off, the target Python and platform, the "as of" day).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::environment::{Platform, PythonVersion};
use crate::page::state::CacheView;
use crate::report::counted;
use crate::settings::{check_day, check_endpoint, SettingChange, Settings, TIMEOUT_SECONDS};

/// Props of [`SettingsPanel`].
#[derive(Properties, PartialEq)]
pub struct SettingsPanelProps {
    /// What the user set.
    pub settings: Settings,
    /// The endpoint used when the user set none.
    pub default_endpoint: AttrValue,
    /// The endpoint `?osv=` sets for this page load.
    #[prop_or_default]
    pub override_endpoint: Option<AttrValue>,
    /// Why the endpoint in use cannot be reached (the page's Content Security Policy).
    #[prop_or_default]
    pub endpoint_problem: Option<AttrValue>,
    /// The record cache.
    pub cache: CacheView,
    /// A setting changed.
    pub on_change: Callback<SettingChange>,
    /// "Clear cache" was pressed.
    pub on_clear_cache: Callback<()>,
    /// The panel was opened (the cache count is read then).
    pub on_open: Callback<()>,
}

/// Writes `value` into the input behind `node` when `value` changes, and only then. The settings' inputs are not
/// controlled by each render: the page renders for many reasons while someone types (an answer arrives, the cache is
/// counted), and a controlled input would be put back to the saved value each time, losing what was typed.
#[hook]
fn use_value_when_changed(node: &NodeRef, value: String) {
    let node = node.clone();
    use_effect_with(value, move |value| {
        if let Some(input) = node.cast::<HtmlInputElement>() {
            if input.value() != *value {
                input.set_value(value);
            }
        }
    });
}

/// The settings panel, a `<details>` that keeps the page short.
#[function_component(SettingsPanel)]
pub fn settings_panel(props: &SettingsPanelProps) -> Html {
    let endpoint_error = use_state(|| None::<String>);
    let endpoint_input = use_node_ref();
    let timeout_input = use_node_ref();
    use_value_when_changed(&endpoint_input, props.settings.endpoint.clone().unwrap_or_default());
    use_value_when_changed(&timeout_input, props.settings.timeout_seconds.to_string());
    let on_endpoint = {
        let (on_change, endpoint_error) = (props.on_change.clone(), endpoint_error.clone());
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let text = input.value();
            if text.trim().is_empty() {
                endpoint_error.set(None);
                on_change.emit(SettingChange::Endpoint(None));
                return;
            }
            match check_endpoint(&text) {
                Ok(endpoint) => {
                    endpoint_error.set(None);
                    on_change.emit(SettingChange::Endpoint(Some(endpoint)));
                }
                Err(message) => endpoint_error.set(Some(message)),
            }
        })
    };
    let on_timeout = {
        let (on_change, saved) = (props.on_change.clone(), props.settings.timeout_seconds);
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            match input.value().trim().parse::<u32>() {
                Ok(seconds) => on_change.emit(SettingChange::TimeoutSeconds(seconds)),
                // Not a number of seconds: the box shows the time-out in force again.
                Err(_) => input.set_value(&saved.to_string()),
            }
        })
    };
    let checkbox = |make: fn(bool) -> SettingChange| {
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            on_change.emit(make(input.checked()));
        })
    };
    let on_cache = checkbox(SettingChange::Cache);
    let on_index = checkbox(SettingChange::Index);
    let on_reset = {
        let (on_change, endpoint_error, input) =
            (props.on_change.clone(), endpoint_error.clone(), endpoint_input.clone());
        Callback::from(move |_| {
            // The box may hold a refused address while the setting is already the default.
            if let Some(input) = input.cast::<HtmlInputElement>() {
                input.set_value("");
            }
            endpoint_error.set(None);
            on_change.emit(SettingChange::Endpoint(None));
        })
    };
    let on_toggle = {
        let on_open = props.on_open.clone();
        Callback::from(move |event: Event| {
            let details: web_sys::Element = event.target_unchecked_into();
            if details.has_attribute("open") {
                on_open.emit(());
            }
        })
    };
    let on_clear = {
        let on_clear_cache = props.on_clear_cache.clone();
        Callback::from(move |_| on_clear_cache.emit(()))
    };
    let on_resolve = checkbox(SettingChange::Resolve);
    let on_python = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
            if let Ok(python) = select.value().parse::<PythonVersion>() {
                on_change.emit(SettingChange::Python(python));
            }
        })
    };
    let on_platform = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
            if let Ok(platform) = select.value().parse::<Platform>() {
                on_change.emit(SettingChange::Platform(platform));
            }
        })
    };
    let as_of_input = use_node_ref();
    use_value_when_changed(&as_of_input, props.settings.as_of.clone().unwrap_or_default());
    let on_as_of = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let day = input.value();
            match day.trim() {
                "" => on_change.emit(SettingChange::AsOf(None)),
                day if check_day(day).is_ok() => on_change.emit(SettingChange::AsOf(Some(day.to_string()))),
                _ => {}
            }
        })
    };
    let target = props.settings.target;
    let pythons = (PythonVersion::OLDEST.minor..=PythonVersion::NEWEST.minor)
        .rev()
        .map(|minor| PythonVersion { major: 3, minor });
    let count = props.cache.count;
    html! {
        <details class="settings-panel" data-testid="settings" ontoggle={on_toggle}>
            <summary>{ "Settings: OSV endpoint, time-out, cache, PyPI, resolution" }</summary>
            <div class="settings-grid">
                <label for="osv-lens-endpoint">{ "OSV endpoint" }</label>
                <div>
                    <input id="osv-lens-endpoint" type="url" data-testid="setting-endpoint" spellcheck="false"
                        autocomplete="off" placeholder={props.default_endpoint.clone()} ref={endpoint_input}
                        onchange={on_endpoint} aria-describedby="osv-lens-endpoint-help" />
                    <button class="link" onclick={on_reset}>{ "default" }</button>
                    <p id="osv-lens-endpoint-help" class="muted">
                        { format!("Empty uses {}. Only package names, versions and advisory IDs are sent there.", props.default_endpoint) }
                    </p>
                    if let Some(address) = &props.override_endpoint {
                        <p class="note" data-testid="endpoint-override">
                            { format!("This page load uses {address}, from ?osv= in the address.") }
                        </p>
                    }
                    if let Some(message) = &*endpoint_error {
                        <p class="error-text" role="alert" data-testid="endpoint-error">{ message }</p>
                    }
                    if let Some(problem) = &props.endpoint_problem {
                        <p class="error-text" role="alert">{ problem.clone() }</p>
                    }
                </div>
                <label for="osv-lens-timeout">{ "Request time-out" }</label>
                <div>
                    <input id="osv-lens-timeout" type="number" data-testid="setting-timeout"
                        min={TIMEOUT_SECONDS.start().to_string()} max={TIMEOUT_SECONDS.end().to_string()}
                        ref={timeout_input} onchange={on_timeout} />
                    <span class="muted">{ " seconds per request, before it is retried" }</span>
                </div>
                <span class="settings-label">{ "Cache" }</span>
                <div>
                    <label class="checkbox">
                        <input type="checkbox" data-testid="setting-cache" checked={props.settings.cache} onchange={on_cache} />
                        { " Keep advisories in this browser (IndexedDB); a re-audit then fetches only what changed" }
                    </label>
                    <p class="cache-line">
                        <span data-testid="cache-count" data-count={count.map(|count| count.to_string())}>
                            { match count {
                                Some(count) => format!("{} kept.", counted(count as usize, "advisory", "advisories")),
                                None => "Open this panel to count the advisories kept.".to_string(),
                            } }
                        </span>
                        { " " }
                        <button data-testid="clear-cache" onclick={on_clear}>{ "Clear cache" }</button>
                    </p>
                    if let Some(message) = &props.cache.message {
                        <p class="muted" data-testid="cache-message">{ message }</p>
                    }
                    if let Some(reason) = &props.cache.broken {
                        <p class="note">{ format!("The cache is off for this session: {reason}.") }</p>
                    }
                </div>
                <span class="settings-label">{ "PyPI" }</span>
                <div>
                    <label class="checkbox">
                        <input type="checkbox" data-testid="setting-index" checked={props.settings.index} onchange={on_index} />
                        { " Ask the package index for release lists (fix versions, yanked and missing releases) and to resolve ranges; only package names are sent" }
                    </label>
                </div>
                <span class="settings-label">{ "Resolution" }</span>
                <div>
                    <label class="checkbox">
                        <input type="checkbox" data-testid="setting-resolve" checked={props.settings.resolve} onchange={on_resolve} />
                        { " Resolve inputs that are not fully pinned, and audit everything they install" }
                    </label>
                    <p class="cache-line">
                        <label for="osv-lens-python">{ "Python " }</label>
                        <select id="osv-lens-python" data-testid="setting-python" onchange={on_python}>
                            { for pythons.map(|python| html! {
                                <option value={python.to_string()} selected={python == target.python}>{ python.to_string() }</option>
                            }) }
                        </select>
                        <label for="osv-lens-platform">{ " on " }</label>
                        <select id="osv-lens-platform" data-testid="setting-platform" onchange={on_platform}>
                            { for Platform::ALL.iter().map(|platform| html! {
                                <option value={platform.as_str()} selected={*platform == target.platform}>{ platform.label() }</option>
                            }) }
                        </select>
                        <label for="osv-lens-as-of">{ ", as of " }</label>
                        <input id="osv-lens-as-of" type="date" data-testid="setting-as-of" ref={as_of_input} onchange={on_as_of} />
                    </p>
                    <p class="muted">{ "Empty \"as of\" uses today's releases. ?python=, ?platform=, ?as-of= and ?resolve= in the address win for one page load." }</p>
                </div>
            </div>
        </details>
    }
}
