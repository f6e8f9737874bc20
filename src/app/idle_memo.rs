//! A memo computed when the browser is idle.

use std::cell::Cell;
use std::rc::Rc;

use yew::prelude::*;

use crate::io::clock;

/// Like `use_memo`, but the value is computed once the browser has drawn the frame that follows a change of `deps`
/// and is idle ([`clock::when_idle`]), so that a costly value holds up neither that frame nor the input that comes
/// next. `None` until then, and again after each change of `deps` until the new value is there.
#[hook]
pub fn use_memo_when_idle<T, D>(deps: D, compute: fn(&D) -> T) -> Option<Rc<T>>
where
    T: 'static,
    D: PartialEq + Clone + 'static,
{
    let computed = use_state(|| None::<(D, Rc<T>)>);
    {
        let computed = computed.clone();
        use_effect_with(deps.clone(), move |deps| {
            let cancelled = Rc::new(Cell::new(false));
            let (deps, cancelled_meanwhile) = (deps.clone(), Rc::clone(&cancelled));
            yew::platform::spawn_local(async move {
                clock::when_idle().await;
                if !cancelled_meanwhile.get() {
                    let value = Rc::new(compute(&deps));
                    computed.set(Some((deps, value)));
                }
            });
            move || cancelled.set(true)
        });
    }
    computed.as_ref().filter(|(computed_for, _)| *computed_for == deps).map(|(_, value)| Rc::clone(value))
}
