//! The page's components. They render from props and report through callbacks; none fetches or parses.

pub mod finding_card;
pub mod findings_list;
pub mod fix_view;
pub mod input_panel;
pub mod markdown_view;
pub mod offline_panel;
pub mod report_actions;
pub mod report_view;
pub mod sent_panel;
pub mod settings_panel;
pub mod status_bar;
pub mod summary_bar;
