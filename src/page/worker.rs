//! The messages between the page and its package-index worker, as plain values. They cross into JavaScript with
//! serde-wasm-bindgen (structured objects, not JSON strings). The worker fetches and reads the index's documents, which
//! can be megabytes each, so that the page's main thread stays free.

use serde::{Deserialize, Serialize};

use crate::audit::{PackageKey, ResolveJob};
use crate::graph::facts::GraphQuestion;
use crate::http::SentRequest;
use crate::osv::api::VulnRef;
use crate::pypi::ReleaseLookup;
use crate::resolve::ResolvedSet;
use crate::vex::VexFormat;

/// A request from the page to the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// The release list of one package.
    ReleaseList {
        /// The request's number, which its answer carries.
        id: u32,
        /// The package index's base URL.
        index: String,
        /// The PEP 503 name.
        name: String,
        /// How long each request may take.
        timeout_ms: u32,
    },
    /// Load an OSV export archive as the offline database, replacing the one loaded. The archive itself (a Blob)
    /// travels beside the message, as its `blob` property, so that the page never copies its bytes.
    OfflineLoad {
        /// The request's number, which its progress and answer carry.
        id: u32,
        /// The archive's file name.
        name: String,
    },
    /// Answer package keys from the offline database.
    OfflineLookup {
        /// The request's number.
        id: u32,
        /// The keys.
        packages: Vec<PackageKey>,
    },
    /// Forget the offline database.
    OfflineRemove,
    /// Resolve an input.
    Resolve {
        /// The request's number, which its answer carries.
        id: u32,
        /// The package index's base URL.
        index: String,
        /// What to resolve.
        job: ResolveJob,
        /// How long each request may take.
        timeout_ms: u32,
    },
    /// What the lockfiles say about environments and parents ([`crate::graph::facts`]).
    Graph {
        /// The request's number, which its answer carries.
        id: u32,
        /// The package index's base URL.
        index: String,
        /// The question.
        question: GraphQuestion,
        /// How long each request may take.
        timeout_ms: u32,
    },
    /// Write the report's triage decisions as a VEX document (the writers live in the worker, not the page).
    VexWrite {
        /// The request's number, which its answer carries.
        id: u32,
        /// The format.
        format: VexFormat,
        /// The findings: [`crate::vex::export_input`]'s text (plain text crosses for less page weight than a
        /// structure).
        findings: String,
        /// The ignore rules in force, as the page keeps them: `{"ignores": […]}`.
        rules: String,
        /// When, RFC 3339; its day is the day the rules are applied on.
        timestamp: String,
    },
    /// Read a VEX document as ignore rules. The file (a Blob) travels beside the message, as its `blob` property.
    VexRead {
        /// The request's number, which its answer carries.
        id: u32,
        /// The file's name.
        name: String,
    },
}

/// A message from the worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The answer to request `id`.
    ReleaseList {
        /// The request's number.
        id: u32,
        /// The list, or why there is none.
        lookup: ReleaseLookup,
    },
    /// The answer to resolution request `id`: the resolved set, or why the resolver could not run.
    Resolved {
        /// The request's number.
        id: u32,
        /// The result.
        result: Result<ResolvedSet, String>,
    },
    /// How far load `id` is.
    OfflineProgress {
        /// The load's number.
        id: u32,
        /// Entries read.
        done: usize,
        /// Entries in the archive.
        total: usize,
        /// Records kept so far.
        records: usize,
    },
    /// Load `id` ended: what the database holds, or why the archive was refused.
    OfflineLoaded {
        /// The load's number.
        id: u32,
        /// The result.
        result: Result<OfflineSummary, String>,
    },
    /// The offline database's answer to lookup `id`: the records that affect each key, and each record once, as JSON.
    OfflineAnswer {
        /// The request's number.
        id: u32,
        /// The IDs (with `modified`) per key.
        queries: Vec<(PackageKey, Vec<VulnRef>)>,
        /// The records, as JSON.
        records: Vec<String>,
    },
    /// The answer to request `id` when it is lines of text, one variant for several questions (each variant costs
    /// the page's reader weight). To a graph request: [`crate::graph::facts::GraphFacts`]'s lines. To a VEX write:
    /// the document. To a VEX read: the rules as `{"ignores": […]}` (see [`crate::vex::VexImport::rules_json`]) and
    /// what was done; when the file could not be read as VEX, an empty line and why.
    Lines {
        /// The request's number.
        id: u32,
        /// The lines.
        lines: Vec<String>,
    },
    /// The worker sent a request to the index: the page lists it in "What was sent", for its current audit.
    Sent {
        /// What was sent.
        request: SentWire,
    },
}

/// What a loaded offline database holds, for the page's panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineSummary {
    /// PyPI records kept.
    pub records: usize,
    /// The day of the newest `modified`, `YYYY-MM-DD`.
    pub newest_day: Option<String>,
    /// What was left out, in sentences.
    pub notes: Vec<String>,
}

/// A [`SentRequest`] as it crosses from the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentWire {
    /// `GET`, `HEAD` or `POST`.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Bytes in the body.
    pub body_bytes: usize,
    /// What it carried.
    pub contents: Vec<String>,
    /// How it ended, once it has.
    pub outcome: Option<String>,
}

impl From<&SentRequest> for SentWire {
    fn from(request: &SentRequest) -> Self {
        Self {
            method: request.method.to_string(),
            url: request.url.clone(),
            body_bytes: request.body_bytes,
            contents: request.contents.clone(),
            outcome: request.outcome.clone(),
        }
    }
}

impl From<SentWire> for SentRequest {
    fn from(wire: SentWire) -> Self {
        let method = match wire.method.as_str() {
            "HEAD" => "HEAD",
            "POST" => "POST",
            _ => "GET",
        };
        Self { method, url: wire.url, body_bytes: wire.body_bytes, contents: wire.contents, outcome: wire.outcome }
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;
    use std::str::FromStr;

    use super::*;
    use crate::pypi::{Release, ReleaseList};

    #[test]
    fn messages_round_trip_through_serde() {
        let version = pep508_rs::pep440_rs::Version::from_str("1.2.3").expect("valid");
        let list = ReleaseList {
            name: "demo".into(),
            releases: vec![Release { version, files: 2, yanked_files: 1, yanked_reason: Some("broken".into()) }],
            unreadable: vec!["not-a-version".into()],
            status: None,
        };
        let message = FromWorker::ReleaseList { id: 7, lookup: ReleaseLookup::Found(Rc::new(list)) };
        let json = serde_json::to_string(&message).expect("serialises");
        assert_eq!(serde_json::from_str::<FromWorker>(&json).expect("reads"), message);
        let sent = SentRequest {
            method: "GET",
            url: "https://x/".into(),
            body_bytes: 0,
            contents: vec!["a".into()],
            outcome: Some("503".into()),
        };
        assert_eq!(SentRequest::from(SentWire::from(&sent)), sent);
    }

    #[test]
    fn vex_messages_round_trip_through_serde() {
        let write = ToWorker::VexWrite {
            id: 3,
            format: VexFormat::CycloneDx,
            findings: "{}".into(),
            rules: "{}".into(),
            timestamp: "t".into(),
        };
        let json = serde_json::to_string(&write).expect("serialises");
        assert_eq!(serde_json::from_str::<ToWorker>(&json).expect("reads"), write);
        let read = FromWorker::Lines { id: 4, lines: vec!["{}".into(), "1 rule".into()] };
        let json = serde_json::to_string(&read).expect("serialises");
        assert_eq!(serde_json::from_str::<FromWorker>(&json).expect("reads"), read);
    }
}
