//! A real server on a loopback port and a small HTTP/1.1 client, so the tests
//! exercise exactly what a browser sends and receives.

#![allow(dead_code)]

use placesim_serve::{api, Config};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub async fn start(config: Config) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = api::app(config);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

pub fn config() -> Config {
    Config {
        frame_interval: Duration::from_millis(20),
        ..Config::default()
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or("").to_string()
    }
}

/// Send raw bytes and read the whole reply (the request asks to close).
pub async fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut bytes))
        .await
        .expect("the server answers within 30 s")
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

pub async fn request(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Reply {
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    raw(addr, req.as_bytes()).await
}

pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, None).await
}

pub async fn post(addr: SocketAddr, path: &str, body: &str) -> Reply {
    request(addr, "POST", path, Some(body)).await
}

/// A new session; returns its id and first frame.
pub async fn session(addr: SocketAddr, body: &str) -> (String, serde_json::Value) {
    let r = post(addr, "/api/sessions", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    (v["id"].as_str().unwrap().to_string(), v["frame"].clone())
}

/// The first frame on a session's event stream.
pub async fn first_event(addr: SocketAddr, id: &str) -> (String, serde_json::Value) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET /api/sessions/{id}/frames HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut lines = BufReader::new(s).lines();
    let mut head = String::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        if let Some(data) = line.strip_prefix("data: ") {
            return (head, serde_json::from_str(data).unwrap());
        }
        head.push_str(&line.to_ascii_lowercase());
        head.push('\n');
    }
}

/// Resident memory of this process (the server runs in it), KiB.
pub fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The first of `names` found on the PATH (or where Debian puts Chromium).
pub fn which(names: &[&str]) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    for name in names {
        for dir in path.split(':').chain(["/usr/bin", "/usr/lib/chromium"]) {
            let p = std::path::Path::new(dir).join(name);
            if p.is_file() {
                return Some(p.to_string_lossy().into_owned());
            }
        }
    }
    None
}

/// chromedriver in a process group of its own, with the browsers it starts:
/// dropped (the test passed or panicked), the whole group ends, so a failed
/// run leaves no browser behind.
pub struct Driver {
    child: std::process::Child,
    /// The port it listens on.
    pub port: u16,
}

impl Driver {
    /// Start chromedriver on a free port and wait until it listens.
    pub fn start() -> Driver {
        use std::os::unix::process::CommandExt;
        let bin = which(&["chromedriver"]).expect("chromium-driver is installed");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(bin)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver { child, port };
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }
}

impl Driver {
    /// A headless Chromium session of its own (its own profile, so its own
    /// sessionStorage), its window `width` × `height`.
    pub async fn browser(&self, width: u32, height: u32) -> fantoccini::Client {
        let chromium = which(&["chromium", "chromium-browser"]).expect("chromium is installed");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-dev-shm-usage", format!("--window-size={width},{height}")]
            }),
        );
        let c = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", self.port))
        .await
        .expect("a browser session");
        c.set_window_size(width, height).await.unwrap();
        c
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
