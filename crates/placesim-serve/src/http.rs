//! What every route shares: the embedded pages, and JSON bodies read as
//! bytes and parsed here, so that a malformed body gets a message naming
//! what is wrong. The dashboard's routes (`api`) and the workshop's
//! (`workshop`) both use it; it uses neither.

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// An embedded page with its content type, never cached stale.
pub fn page(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Parse a JSON body into `T` (an empty body as `{}`), or say what is wrong with it.
pub fn json_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, String> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| format!("request body: {e}"))
}
