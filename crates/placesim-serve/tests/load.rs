//! Load test (a system test: `scripts/system-tests.sh` runs it with
//! `cargo test --workspace --test load -- --ignored --nocapture`, which
//! shares the build of `cargo test --workspace`).
//!
//! 32 sessions for 30 s on loopback, each playing at 30 weeks per second (so no session reaches its 1,040-week end)
//! with its frame stream read by a client, and each sending a control request
//! every 250 ms. The server must answer every request, lose no session, keep
//! streaming frames to every client, and keep its memory bounded.

mod common;

use common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SESSIONS: usize = 32;
const SECONDS: u64 = 30;

/// Read a frame stream for `seconds`; returns bytes and frames received.
async fn read_stream(addr: std::net::SocketAddr, id: String, seconds: u64) -> (u64, u64) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET /api/sessions/{id}/frames HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let end = Instant::now() + Duration::from_secs(seconds);
    let (mut bytes, mut frames) = (0u64, 0u64);
    let mut buf = vec![0u8; 64 * 1024];
    while Instant::now() < end {
        match tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                bytes += n as u64;
                frames += buf[..n]
                    .windows(12)
                    .filter(|w| w == b"event: frame")
                    .count() as u64;
            }
            Err(_) => {} // nothing for 2 s: counted as a stall below via the frame count
        }
    }
    (bytes, frames)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "takes 30 s; run by scripts/system-tests.sh"]
async fn thirty_two_sessions_for_thirty_seconds() {
    let addr = start(placesim_serve::Config {
        max_sessions: SESSIONS,
        ..config()
    })
    .await;
    let before = resident_kib();
    let mut ids = Vec::new();
    for k in 0..SESSIONS {
        let (id, _) = session(addr, &format!(r#"{{"seed":{k}}}"#)).await;
        let r = post(
            addr,
            &format!("/api/sessions/{id}/control"),
            r#"{"action":"play","speed":30}"#,
        )
        .await;
        assert_eq!(r.status, 200);
        ids.push(id);
    }
    let after_start = resident_kib();
    let streams: Vec<_> = ids
        .iter()
        .map(|id| tokio::spawn(read_stream(addr, id.clone(), SECONDS)))
        .collect();
    let controllers: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let id = id.clone();
            tokio::spawn(async move {
                let end = Instant::now() + Duration::from_secs(SECONDS);
                let (mut answered, mut failed, mut worst) = (0u32, 0u32, Duration::ZERO);
                let mut i = 0u32;
                while Instant::now() < end {
                    let body = match i % 4 {
                        0 => format!(
                            r#"{{"barriers":{{"ring_fenced_budgets":{}}}}}"#,
                            (i % 3) as f64 / 2.0
                        ),
                        1 => r#"{"leadership":0.5}"#.to_string(),
                        _ => String::new(),
                    };
                    let t = Instant::now();
                    let r = if body.is_empty() {
                        get(addr, &format!("/api/sessions/{id}")).await
                    } else {
                        post(
                            addr,
                            &format!("/api/sessions/{id}/worlds/{}/settings", k % 2),
                            &body,
                        )
                        .await
                    };
                    worst = worst.max(t.elapsed());
                    if r.status == 200 {
                        answered += 1;
                    } else {
                        failed += 1;
                    }
                    i += 1;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                (answered, failed, worst)
            })
        })
        .collect();
    let mut peak = after_start;
    let watch_end = Instant::now() + Duration::from_secs(SECONDS);
    while Instant::now() < watch_end {
        tokio::time::sleep(Duration::from_secs(1)).await;
        peak = peak.max(resident_kib());
    }
    let (mut answered, mut failed, mut worst) = (0, 0, Duration::ZERO);
    for c in controllers {
        let (a, f, w) = c.await.unwrap();
        answered += a;
        failed += f;
        worst = worst.max(w);
    }
    let mut frames = Vec::new();
    let mut bytes = 0;
    for s in streams {
        let (b, f) = s.await.unwrap();
        bytes += b;
        frames.push(f);
    }
    let mut weeks = Vec::new();
    for id in &ids {
        let r = get(addr, &format!("/api/sessions/{id}")).await;
        assert_eq!(r.status, 200, "session {id} was lost");
        weeks.push(r.json()["worlds"][0]["week"].as_u64().unwrap());
    }
    let min_frames = *frames.iter().min().unwrap();
    let min_weeks = *weeks.iter().min().unwrap();
    println!(
        "load: {SESSIONS} sessions x {SECONDS} s: {answered} requests answered, {failed} failed, slowest {:.0} ms; \
         frames per client min {min_frames} (mean {:.0}), {:.1} MB streamed; weeks run min {min_weeks} (max {}); \
         memory {:.0} MB before, {:.0} MB with the sessions, peak {:.0} MB",
        worst.as_secs_f64() * 1e3,
        frames.iter().sum::<u64>() as f64 / SESSIONS as f64,
        bytes as f64 / 1e6,
        weeks.iter().max().unwrap(),
        before as f64 / 1024.0,
        after_start as f64 / 1024.0,
        peak as f64 / 1024.0,
    );
    assert_eq!(failed, 0, "every request answered");
    assert!(worst < Duration::from_secs(5), "slowest answer {worst:?}");
    assert!(
        min_frames >= SECONDS * 5,
        "every client kept receiving frames: min {min_frames}"
    );
    assert!(
        min_weeks >= 100,
        "every session kept running: min {min_weeks} weeks"
    );
    // Bounded: the sessions' worlds and history, not growth per frame sent.
    assert!(
        peak < after_start + 200 * 1024,
        "memory grew from {after_start} KiB to {peak} KiB"
    );
}
