//! The OSV service an audit in the page uses.

use crate::audit::{AtHand, AuditEvent, Lookups, OnlineOsv, OsvService, PackageKey, Unsaved};
use crate::io::fetch::FetchTransport;
use crate::io::record_cache::IdbRecordCache;
use crate::io::worker_client::WorkerOffline;

/// The OSV service of one audit: the API, or the offline database. One type, so that the page holds one copy of the
/// pipeline's code.
pub(super) enum PageOsv<'a> {
    Online(OnlineOsv<'a, FetchTransport, IdbRecordCache>),
    Offline(WorkerOffline),
}

impl OsvService for PageOsv<'_> {
    async fn look_up(
        &self,
        packages: &[PackageKey],
        at_hand: &AtHand,
        on_event: &mut dyn FnMut(AuditEvent),
    ) -> (Lookups, Unsaved) {
        match self {
            Self::Online(osv) => osv.look_up(packages, at_hand, on_event).await,
            Self::Offline(database) => database.look_up(packages, at_hand, on_event).await,
        }
    }
}
