//! Frame size and rate of the live dashboard (issue 7: ≥ 50 weeks per second
//! per world at 2,000 citizens, frames ≤ 64 KB).
//!
//!     cargo bench -p placesim-serve --bench frames
//!
//! 1. In process: how fast a session steps its two worlds, and how long a frame
//!    takes to build and serialise, and how big it is, over 520 weeks.
//! 2. End to end: a real server on loopback, one session playing at the
//!    maximum speed, its Server-Sent Events stream read for 2 s: weeks
//!    delivered per second and the frames' sizes as the browser receives them.

use placesim_serve::session::{Live, Setup};
use placesim_serve::{api, frame, Config};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn in_process(population: u32) {
    let mut params = placesim_scenario::preset("silos", &[]).unwrap().params;
    params.place.population = population;
    params.place.weeks = placesim_serve::session::MAX_WEEKS;
    let setup = Setup {
        preset: "silos".into(),
        seed: 1,
        population,
    };
    let mut live = Live::new(setup, params);
    let (mut step_time, mut frame_time) = (Duration::ZERO, Duration::ZERO);
    let (mut max_bytes, mut sum_bytes) = (0usize, 0usize);
    let weeks = 520;
    for _ in 0..weeks {
        let t = Instant::now();
        live.step();
        step_time += t.elapsed();
        let t = Instant::now();
        let json = serde_json::to_string(&frame::build(&live, api::FRAME_TAIL)).unwrap();
        frame_time += t.elapsed();
        max_bytes = max_bytes.max(json.len());
        sum_bytes += json.len();
    }
    println!(
        "{population:>6} citizens: {:>6.0} weeks/s per world (both worlds stepped together), \
         frame {:.2} ms to build, {:.1} KB mean, {:.1} KB largest",
        weeks as f64 / step_time.as_secs_f64(),
        frame_time.as_secs_f64() * 1e3 / weeks as f64,
        sum_bytes as f64 / weeks as f64 / 1e3,
        max_bytes as f64 / 1e3,
    );
}

async fn end_to_end() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, api::app(Config::default())).await });
    let send = |req: String| async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    };
    let post = |path: &str, body: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let created = send(post("/api/sessions", "{}")).await;
    let id = created
        .split("\"id\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET /api/sessions/{id}/frames HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let speed = api::MAX_SPEED;
    send(post(
        &format!("/api/sessions/{id}/control"),
        &format!(r#"{{"action":"play","speed":{speed}}}"#),
    ))
    .await;
    // 2 s at the top speed: 1,000 weeks, inside a session's 1,040.
    let seconds = 2.0;
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut text = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while Instant::now() < end {
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await
        {
            text.extend_from_slice(&buf[..n]);
        }
    }
    let text = String::from_utf8_lossy(&text);
    let frames: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    let weeks: Vec<u64> = frames
        .iter()
        .filter_map(|f| serde_json::from_str::<serde_json::Value>(f).ok())
        .map(|v| v["worlds"][0]["week"].as_u64().unwrap_or(0))
        .collect();
    let largest = frames.iter().map(|f| f.len()).max().unwrap_or(0);
    let mean = frames.iter().map(|f| f.len()).sum::<usize>() as f64 / frames.len().max(1) as f64;
    println!(
        "end to end, 2000 citizens, playing at {speed} weeks/s for {seconds} s: {} frames ({:.1}/s), \
         weeks {} -> {} = {:.0} weeks/s per world delivered, frames {:.1} KB mean, {:.1} KB largest",
        frames.len(),
        frames.len() as f64 / seconds,
        weeks.first().unwrap_or(&0),
        weeks.last().unwrap_or(&0),
        (weeks.last().unwrap_or(&0) - weeks.first().unwrap_or(&0)) as f64 / seconds,
        mean / 1e3,
        largest as f64 / 1e3,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it once quickly too.
    for population in [2_000, 10_000] {
        in_process(population);
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(end_to_end());
}
