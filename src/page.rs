//! Page-specific pure code, tested on the host: the page's state and its transitions, the Content Security Policy
//! check, the HTML builder for the report's long lists, and the rehearsal that warms the audit's code while the page
//! is idle. The Yew shell (`app`) renders from it and supplies the browser's side.

pub mod csp;
pub mod markup;
pub mod rehearsal;
pub mod state;
pub mod worker;
