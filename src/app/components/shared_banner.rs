//! The notice shown while the report of an opened share link is on the page: its ignore rules apply to that report
//! only, and the user's own input and rules are kept until the user chooses otherwise.

use yew::prelude::*;

use crate::report::counted;

/// What the opened link carries.
pub struct SharedBannerProps<'a> {
    /// When the link was made.
    pub created: &'a str,
    /// How many ignore rules the link carries.
    pub rules: usize,
    /// True while the user's own input is kept aside (the link's input has not been edited).
    pub own_input: bool,
    /// Keep the link's ignore rules as the user's own.
    pub on_keep: &'a Callback<()>,
    /// Put the user's own input and rules back.
    pub on_leave: &'a Callback<()>,
}

/// The opened link's notice. A function, not a component: it weighs less.
pub fn shared_banner(props: SharedBannerProps<'_>) -> Html {
    let rules = counted(props.rules, "ignore rule", "ignore rules");
    html! {
        <section class="shared-banner" data-testid="shared-banner" aria-label="Opened from a share link">
            <p>
                { format!("This report was opened from a share link made {}. ", props.created) }
                if props.rules > 0 {
                    { format!("Its {rules} apply to this report only; your own rules are kept. ") }
                }
                if props.own_input {
                    { "Your own input is kept too." }
                }
            </p>
            if props.rules > 0 {
                <button type="button" data-testid="keep-shared-ignores" onclick={props.on_keep.reform(|_| ())}>
                    { format!("Keep these {rules}") }
                </button>
            }
            <button type="button" class="link" data-testid="leave-shared-link" onclick={props.on_leave.reform(|_| ())}>
                { if props.own_input { "Back to my input" } else { "Back to my ignore rules" } }
            </button>
        </section>
    }
}
