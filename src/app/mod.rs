//! The Yew user interface.
