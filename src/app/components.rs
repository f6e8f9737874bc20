//! The page's components. They render from props and report through callbacks; none fetches or parses (the triage
//! panel hands VEX documents to the worker, which writes and reads them).

pub mod dependency_origin;
pub mod finding_card;
pub mod findings_list;
pub mod fix_view;
pub mod fixes_first;
pub mod input_panel;
pub mod markdown_view;
pub mod offline_panel;
pub mod report_actions;
pub mod report_view;
pub mod resolution_panel;
pub mod sent_panel;
pub mod settings_panel;
pub mod shared_banner;
pub mod status_bar;
pub mod summary_bar;
pub mod triage_panel;

use std::rc::Rc;

/// True when two props hold the same report (or parse) allocation. Reports are rebuilt, never changed in place, so
/// the same pointer means the same content; comparing pointers spares a deep comparison of hundreds of findings on
/// every render. Different pointers make the component render again, which is only ever extra work.
pub(crate) fn same<T>(a: &Rc<T>, b: &Rc<T>) -> bool {
    Rc::ptr_eq(a, b)
}

/// A report a memo was made for, compared by identity.
pub struct SameReport(pub std::rc::Rc<crate::report::Report>);

impl PartialEq for SameReport {
    fn eq(&self, other: &Self) -> bool {
        same(&self.0, &other.0)
    }
}
