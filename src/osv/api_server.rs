//! The OSV API as a database answers it: `POST /v1/querybatch` (with paging), `POST /v1/query` and
//! `GET /v1/vulns/{id}`, with OSV's error bodies. The local OSV API server (`cargo xtask serve --osv-data`) is an HTTP
//! wrapper around [`Database::handle`], and the host tests use it as a transport, so the client and the server are
//! tested against the same matching code. Not part of the page: only the `api-server` feature and tests build it.

use std::str::FromStr;
use std::sync::Arc;

use pep508_rs::pep440_rs::Version;
use serde::Serialize;

use super::api::{
    BatchResult, ErrorBody, Query, QueryBatchRequest, QueryBatchResponse, QueryResponse, VulnRef, MAX_BATCH_QUERIES,
};
use super::database::Database;
use super::{Vulnerability, PYPI};

/// An answer of the database: a status and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: String,
}

impl Answer {
    fn json<T: Serialize>(status: u16, value: &T) -> Self {
        Self { status, body: serde_json::to_string(value).expect("API shapes always serialise") }
    }

    fn error(status: u16, code: i32, message: &str) -> Self {
        Self::json(status, &ErrorBody { code, message: message.to_string() })
    }
}

impl Database {
    /// Answers one OSV API request: `POST /v1/querybatch`, `POST /v1/query` or `GET /v1/vulns/{id}`.
    pub fn handle(&self, method: &str, path: &str, body: &str) -> Answer {
        self.handle_with_page_size(method, path, body, self.page_size)
    }

    /// Like [`Database::handle`], with results per query limited to `page_size` instead of the database's setting.
    pub fn handle_with_page_size(&self, method: &str, path: &str, body: &str, page_size: Option<usize>) -> Answer {
        let path = path.split('?').next().unwrap_or(path);
        match (method, path) {
            ("POST", "/v1/querybatch") => self.query_batch(body, page_size),
            ("POST", "/v1/query") => self.query(body, page_size),
            ("GET", _) if path.starts_with("/v1/vulns/") => {
                let id = percent_decode(&path["/v1/vulns/".len()..]);
                match self.get(&id) {
                    Some(record) => Answer::json(200, record.as_ref()),
                    None => Answer::error(404, 5, "Bug not found."),
                }
            }
            _ => Answer::error(404, 5, "Not Found"),
        }
    }

    fn query_batch(&self, body: &str, page_size: Option<usize>) -> Answer {
        let request: QueryBatchRequest = match serde_json::from_str(body) {
            Ok(request) => request,
            Err(error) => return Answer::error(400, 3, &format!("Invalid JSON: {error}")),
        };
        if request.queries.len() > MAX_BATCH_QUERIES {
            return Answer::error(400, 3, &format!("Too many queries: at most {MAX_BATCH_QUERIES} are allowed"));
        }
        let mut results = Vec::with_capacity(request.queries.len());
        for query in &request.queries {
            match self.run_query(query, page_size) {
                Ok((records, next_page_token)) => results.push(BatchResult {
                    vulns: records
                        .iter()
                        .map(|record| VulnRef { id: record.id.clone(), modified: record.modified.clone() })
                        .collect(),
                    next_page_token,
                }),
                Err(answer) => return answer,
            }
        }
        Answer::json(200, &QueryBatchResponse { results })
    }

    fn query(&self, body: &str, page_size: Option<usize>) -> Answer {
        let query: Query = match serde_json::from_str(body) {
            Ok(query) => query,
            Err(error) => return Answer::error(400, 3, &format!("Invalid JSON: {error}")),
        };
        match self.run_query(&query, page_size) {
            Ok((records, next_page_token)) => Answer::json(
                200,
                &QueryResponse {
                    vulns: records.iter().map(|record| record.as_ref().clone()).collect(),
                    next_page_token,
                },
            ),
            Err(answer) => answer,
        }
    }

    /// One page of the records that match `query`, and the token of the next page when there is one.
    fn run_query(
        &self,
        query: &Query,
        page_size: Option<usize>,
    ) -> Result<(Vec<&Arc<Vulnerability>>, Option<String>), Answer> {
        let Some(package) = &query.package else {
            return Err(Answer::error(400, 3, "Invalid query: a package is required"));
        };
        if package.ecosystem != PYPI {
            return Ok((Vec::new(), None));
        }
        let version = match query.version.as_deref().filter(|version| !version.is_empty()) {
            Some(text) => match Version::from_str(text) {
                Ok(version) => Some(version),
                // OSV answers an unparsable version with no matches, not an error.
                Err(_) => return Ok((Vec::new(), None)),
            },
            None => None,
        };
        let all = self.matching(&package.name, version.as_ref());
        let start = match query.page_token.as_deref() {
            None | Some("") => 0,
            Some(token) => match token.strip_prefix("page:").and_then(|offset| offset.parse::<usize>().ok()) {
                Some(offset) if offset <= all.len() => offset,
                _ => return Err(Answer::error(400, 3, "Invalid page token")),
            },
        };
        let Some(page_size) = page_size.filter(|&size| size > 0) else {
            return Ok((all[start..].to_vec(), None));
        };
        let end = (start + page_size).min(all.len());
        let next = (end < all.len()).then(|| format!("page:{end}"));
        Ok((all[start..end].to_vec(), next))
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            if let Some(byte) = text.get(index + 1..index + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                decoded.push(byte);
                index += 3;
                continue;
            }
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> Vulnerability {
        serde_json::from_str(json).expect("test records are valid")
    }

    fn database() -> Database {
        Database::new([
            record(
                r#"{"id":"T-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"Demo"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#,
            ),
            record(
                r#"{"id":"T-2","modified":"2024-01-02T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"demo"},"versions":["1.0"]}]}"#,
            ),
            record(
                r#"{"id":"T-3","modified":"2024-01-03T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"demo"},"versions":["1.0"]}]}"#,
            ),
        ])
    }

    #[test]
    fn querybatch_answers_in_input_order_and_skips_withdrawn_records() {
        let answer = database().handle(
            "POST",
            "/v1/querybatch",
            r#"{"queries":[{"package":{"name":"demo","ecosystem":"PyPI"},"version":"3.0"},{"package":{"name":"DEMO","ecosystem":"PyPI"},"version":"1.0"}]}"#,
        );
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.body,
            r#"{"results":[{},{"vulns":[{"id":"T-1","modified":"2024-01-01T00:00:00Z"},{"id":"T-2","modified":"2024-01-02T00:00:00Z"}]}]}"#
        );
    }

    #[test]
    fn pages_follow_the_token() {
        let mut database = database();
        database.page_size = Some(1);
        let first = database.handle(
            "POST",
            "/v1/querybatch",
            r#"{"queries":[{"package":{"name":"demo","ecosystem":"PyPI"},"version":"1.0"}]}"#,
        );
        assert_eq!(
            first.body,
            r#"{"results":[{"vulns":[{"id":"T-1","modified":"2024-01-01T00:00:00Z"}],"next_page_token":"page:1"}]}"#
        );
        let second = database.handle(
            "POST",
            "/v1/querybatch",
            r#"{"queries":[{"package":{"name":"demo","ecosystem":"PyPI"},"version":"1.0","page_token":"page:1"}]}"#,
        );
        assert_eq!(second.body, r#"{"results":[{"vulns":[{"id":"T-2","modified":"2024-01-02T00:00:00Z"}]}]}"#);
    }

    #[test]
    fn an_unknown_id_is_a_404_with_osv_error_body() {
        let answer = database().handle("GET", "/v1/vulns/NOPE-1", "");
        assert_eq!(answer, Answer { status: 404, body: r#"{"code":5,"message":"Bug not found."}"#.into() });
    }

    #[test]
    fn too_many_queries_are_refused() {
        let queries = vec![r#"{"package":{"name":"demo","ecosystem":"PyPI"},"version":"1.0"}"#; 1001].join(",");
        let answer = database().handle("POST", "/v1/querybatch", &format!(r#"{{"queries":[{queries}]}}"#));
        assert_eq!(answer.status, 400);
    }

    #[test]
    fn query_returns_full_records() {
        let answer =
            database().handle("POST", "/v1/query", r#"{"package":{"name":"demo","ecosystem":"PyPI"},"version":"1.5"}"#);
        let response: QueryResponse = serde_json::from_str(&answer.body).expect("reads");
        assert_eq!(response.vulns.iter().map(|record| record.id.as_str()).collect::<Vec<_>>(), ["T-1"]);
    }
}
