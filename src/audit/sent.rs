//! What a request carries, in words, for the page's "what was sent" panel: the package names and versions of a
//! query, the ID of a record fetch, the package of a PyPI release list.

use super::{HttpRequest, Method};
use crate::osv::api::{Query, QueryBatchRequest};

/// One line per thing `request` sends: `name version` (or `name, every version`) per query, the record ID of a
/// `GET /v1/vulns/{id}`, the package of a `GET /pypi/{name}/json`. Empty for anything else.
pub fn contents(request: &HttpRequest) -> Vec<String> {
    let body = request.body.as_deref().unwrap_or("");
    match (request.method, request.path.as_str()) {
        (Method::Post, "/v1/querybatch") => serde_json::from_str::<QueryBatchRequest>(body)
            .map(|batch| batch.queries.iter().map(describe_query).collect())
            .unwrap_or_default(),
        (Method::Post, "/v1/query") => {
            serde_json::from_str::<Query>(body).map(|query| vec![describe_query(&query)]).unwrap_or_default()
        }
        (Method::Get, path) => {
            if let Some(id) = path.strip_prefix("/v1/vulns/") {
                vec![percent_decode(id)]
            } else if let Some(name) = path.strip_prefix("/pypi/").and_then(|rest| rest.strip_suffix("/json")) {
                vec![percent_decode(name)]
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

fn describe_query(query: &Query) -> String {
    let name = query.package.as_ref().map_or("(no package)", |package| package.name.as_str());
    let mut line = match query.version.as_deref() {
        Some(version) => format!("{name} {version}"),
        None => format!("{name}, every version"),
    };
    if query.page_token.is_some() {
        line.push_str(" (next page)");
    }
    line
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, path: &str, body: Option<&str>) -> HttpRequest {
        HttpRequest { method, path: path.into(), body: body.map(str::to_string), timeout_ms: 1 }
    }

    #[test]
    fn a_batch_lists_its_packages_and_versions() {
        let body = r#"{"queries":[{"package":{"name":"django","ecosystem":"PyPI"},"version":"3.2.0"},{"package":{"name":"flask","ecosystem":"PyPI"},"page_token":"t"}]}"#;
        assert_eq!(
            contents(&request(Method::Post, "/v1/querybatch", Some(body))),
            ["django 3.2.0", "flask, every version (next page)"]
        );
    }

    #[test]
    fn a_record_fetch_names_its_id_and_a_release_list_its_package() {
        assert_eq!(contents(&request(Method::Get, "/v1/vulns/PYSEC-2021%2F1", None)), ["PYSEC-2021/1"]);
        assert_eq!(contents(&request(Method::Get, "/pypi/jinja2/json", None)), ["jinja2"]);
        assert_eq!(
            contents(&request(
                Method::Post,
                "/v1/query",
                Some(r#"{"package":{"name":"a","ecosystem":"PyPI"},"version":"1"}"#)
            )),
            ["a 1"]
        );
        assert!(contents(&request(Method::Post, "/v1/querybatch", Some("not json"))).is_empty());
    }
}
