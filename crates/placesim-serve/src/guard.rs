//! Who may talk to the dashboard. The server has no accounts, so it must not
//! obey a web page the trainer happens to visit: a request is served only if
//! its `Host` names this server (an IP address, `localhost`, or a name given
//! with `--allow-host`), which defeats DNS rebinding; and a request that
//! changes state (anything but GET and HEAD) must carry an `Origin` of this
//! same host, which defeats cross-site requests (browsers always send
//! `Origin` on such requests; a page cannot forge it). Read-only GETs — the
//! page itself, its script, frames — need no `Origin`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

/// Host names (without port) allowed besides IP addresses and `localhost`.
#[derive(Clone, Debug, Default)]
pub struct AllowedHosts(pub Vec<String>);

/// The host name of a `Host` header value or an origin's authority (`name`,
/// `name:port`, `[v6]:port`), lower-cased.
fn host_name(authority: &str) -> String {
    let a = authority.trim().to_ascii_lowercase();
    if let Some(rest) = a.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_string();
    }
    a.split(':').next().unwrap_or("").to_string()
}

/// Does a `Host` header value name this server?
pub fn host_allowed(host: &str, allowed: &AllowedHosts) -> bool {
    let name = host_name(host);
    !name.is_empty()
        && (name.parse::<std::net::IpAddr>().is_ok()
            || name == "localhost"
            || allowed.0.iter().any(|h| h.eq_ignore_ascii_case(&name)))
}

/// Is a state-changing request from a page of this same server?
pub fn same_origin(headers: &HeaderMap) -> bool {
    let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .is_some_and(|authority| authority.eq_ignore_ascii_case(host.trim()))
}

/// 403 with the API's error body (`{"error": message}`).
fn forbidden(message: String) -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}

/// The middleware: refuse with 403 (and a message saying why) what is not ours.
pub async fn guard(
    State(allowed): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !host_allowed(host, &allowed) {
        return forbidden(format!(
            "Host `{host}` is not this server; open it by its address, or start it with --allow-host NAME"
        ));
    }
    let reads_only = matches!(*request.method(), Method::GET | Method::HEAD);
    if !reads_only && !same_origin(headers) {
        return forbidden(
            "a request that changes a session must come from this server's own page (same Origin)"
                .into(),
        );
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_addresses_localhost_or_allowed_names() {
        let allowed = AllowedHosts(vec!["trainer-laptop".into()]);
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:9000",
            "192.168.1.5:8080",
            "Trainer-Laptop:8080",
            "localhost",
        ] {
            assert!(host_allowed(ok, &allowed), "{ok}");
        }
        for no in [
            "attacker.example",
            "attacker.example:8080",
            "",
            "localhost.attacker.example:8080",
            "127.0.0.1.nip.io:8080",
        ] {
            assert!(!host_allowed(no, &allowed), "{no}");
        }
    }

    #[test]
    fn state_changes_need_the_same_origin() {
        let headers = |origin: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
            if let Some(o) = origin {
                h.insert(header::ORIGIN, o.parse().unwrap());
            }
            h
        };
        assert!(same_origin(&headers(Some("http://127.0.0.1:8080"))));
        assert!(!same_origin(&headers(Some("http://evil.example"))));
        assert!(!same_origin(&headers(Some("http://127.0.0.1:9999"))));
        assert!(!same_origin(&headers(Some("null"))));
        assert!(!same_origin(&headers(None)));
    }
}
