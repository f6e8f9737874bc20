//! The page's components. They render from props and report through callbacks; none fetches or parses.

pub mod fix_view;
pub mod input_panel;
pub mod report_view;
pub mod status_bar;
