//! Request and response shapes of the OSV API (<https://google.github.io/osv.dev/api/>).

use serde::{Deserialize, Serialize};

use super::Vulnerability;

/// The most queries one `POST /v1/querybatch` accepts.
pub const MAX_BATCH_QUERIES: usize = 1000;

/// A package in a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryPackage {
    /// The package name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The ecosystem (`PyPI`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ecosystem: String,
    /// A package URL, instead of name and ecosystem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// One query: a package, and optionally a version. Without a version, OSV returns every record for the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// The package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<QueryPackage>,
    /// The version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// A commit hash, instead of a package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The token of the page to fetch, from an earlier answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
}

impl Query {
    /// A PyPI query for `name` at `version`.
    pub fn pypi(name: &str, version: Option<&str>) -> Self {
        Self {
            package: Some(QueryPackage { name: name.to_string(), ecosystem: super::PYPI.to_string(), purl: None }),
            version: version.map(str::to_string),
            commit: None,
            page_token: None,
        }
    }
}

/// The body of `POST /v1/querybatch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryBatchRequest {
    /// At most [`MAX_BATCH_QUERIES`] queries.
    pub queries: Vec<Query>,
}

/// A vulnerability as querybatch lists it: only its ID and when it changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VulnRef {
    /// The record's ID.
    pub id: String,
    /// The record's `modified` time.
    #[serde(default)]
    pub modified: String,
}

/// The answer to one query of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BatchResult {
    /// The matching records; OSV leaves the field out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulns: Vec<VulnRef>,
    /// Present when more results remain; send the query again with this token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// The body of the answer to `POST /v1/querybatch`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QueryBatchResponse {
    /// One result per query, in query order.
    #[serde(default)]
    pub results: Vec<BatchResult>,
}

/// The body of the answer to `POST /v1/query`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QueryResponse {
    /// Full records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulns: Vec<Vulnerability>,
    /// Present when more results remain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// OSV's error body, as in `{"code": 5, "message": "Bug not found."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A gRPC status code.
    pub code: i32,
    /// What went wrong.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_answer_without_vulns_reads_as_empty() {
        let answer: QueryBatchResponse =
            serde_json::from_str(r#"{"results":[{},{"vulns":[{"id":"PYSEC-1","modified":"2024-01-01T00:00:00Z"}]}]}"#)
                .expect("reads");
        assert!(answer.results[0].vulns.is_empty());
        assert_eq!(answer.results[1].vulns[0].id, "PYSEC-1");
    }

    #[test]
    fn a_query_writes_only_what_is_set() {
        let json = serde_json::to_string(&Query::pypi("jinja2", Some("2.4.1"))).expect("writes");
        assert_eq!(json, r#"{"package":{"name":"jinja2","ecosystem":"PyPI"},"version":"2.4.1"}"#);
    }
}
