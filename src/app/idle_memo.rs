//! A memo computed when the browser is idle.

use std::cell::Cell;
use std::rc::Rc;

use yew::prelude::*;

use crate::io::clock;

/// A value made at once, or the work of making it, done a step at a time.
pub enum Steps<T, J> {
    /// The value.
    Done(T),
    /// The work left.
    More(J),
}

/// Like `use_memo`, but the value is computed once the browser has drawn the frame that follows a change of `deps`
/// and is idle ([`clock::when_idle`]), so that a costly value holds up neither that frame nor the input that comes
/// next; work that `start` leaves is done by `step`, one task at a time, until it gives the value. `None` until
/// then, and again after each change of `deps` until the new value is there.
#[hook]
pub fn use_memo_when_idle<T, J, D>(
    deps: D,
    start: fn(&D) -> Steps<T, J>,
    step: fn(&mut J) -> Option<T>,
) -> Option<Rc<T>>
where
    T: 'static,
    J: 'static,
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
                let mut work = start(&deps);
                let value = loop {
                    if cancelled_meanwhile.get() {
                        return;
                    }
                    match &mut work {
                        Steps::Done(_) => break work,
                        Steps::More(job) => match step(job) {
                            Some(value) => break Steps::Done(value),
                            None => clock::yield_now().await,
                        },
                    }
                };
                if let Steps::Done(value) = value {
                    computed.set(Some((deps, Rc::new(value))));
                }
            });
            move || cancelled.set(true)
        });
    }
    computed.as_ref().filter(|(computed_for, _)| *computed_for == deps).map(|(_, value)| Rc::clone(value))
}
