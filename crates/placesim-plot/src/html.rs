//! Text made safe for the report's HTML: what every section of report.html
//! (the sweep's own, sensitivity, discovery, calibration, the benchmark)
//! writes its words through. It uses no other module.

/// `s` with the characters HTML gives meaning to escaped.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
