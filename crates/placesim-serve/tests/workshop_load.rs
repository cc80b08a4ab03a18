//! Load test of the workshop (a system test: `scripts/system-tests.sh` runs
//! it with `cargo test --workspace --test workshop_load -- --ignored --nocapture`).
//!
//! 5 rooms × 12 participants on loopback for 60 s (`PLACESIM_SOAK_SECONDS`
//! sets another length: the 10-minute soak in results/BENCHMARKS.md). Every
//! participant polls its view every second, as the page does; in each quarter
//! one member of each seat's team of two decides after thinking for 1 to 3 s,
//! sending a first thought and then its decision (the last counts).
//! A room that finishes its quarters is closed and a new one opened, so a
//! long soak also shows that closed rooms give their memory back. The server
//! must answer every request (no status outside 200, 201, 202, 204), apply
//! every decision in the quarter it was made (the levers in force in that
//! quarter are the ones decided), and keep its memory bounded.

mod common;

use common::*;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROOMS: usize = 5;
const PARTICIPANTS: usize = 12;
const QUARTERS: u32 = 12;
/// The default place's seats: the agencies the model adapts.
const SEATS: [&str; 6] = [
    "gp",
    "mental_health",
    "social_care",
    "housing",
    "job_centre",
    "voluntary",
];

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    failed: AtomicU64,
    decisions: AtomicU64,
    /// Second thoughts refused because the quarter had run meanwhile.
    late: AtomicU64,
    checked: AtomicU64,
    quarters: AtomicU64,
    rooms: AtomicU64,
}

async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
    tally: &Tally,
) -> Reply {
    send_expecting(addr, method, path, token, body, tally, false).await
}

/// `send`, where a decision refused as late (409: the quarter it names has
/// already run) is expected when `may_be_late`, and counted as such.
async fn send_expecting(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
    tally: &Tally,
    may_be_late: bool,
) -> Reply {
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nx-room-token: {token}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let r = raw(addr, req.as_bytes()).await;
    tally.requests.fetch_add(1, Ordering::Relaxed);
    if may_be_late && r.status == 409 && r.error().contains("decisions are open for quarter") {
        tally.late.fetch_add(1, Ordering::Relaxed);
    } else if ![200, 201, 202, 204].contains(&r.status) {
        tally.failed.fetch_add(1, Ordering::Relaxed);
        eprintln!("{method} {path}: {} {}", r.status, r.body);
    }
    r
}

/// The levers member `m` of room `r` decides in quarter `q`: different for
/// every seat and quarter, inside every lever's range.
fn levers(r: usize, m: usize, q: u32) -> [f64; 2] {
    let k = (r * 7 + m * 3 + q as usize * 5) % 10;
    [0.25 + 0.05 * k as f64, 0.6 + 0.08 * k as f64]
}

/// One participant for one room: poll every second, decide on its turns,
/// and once the room has finished check every decision it made.
async fn participant(
    addr: SocketAddr,
    code: String,
    r: usize,
    m: usize,
    end: Instant,
    tally: Arc<Tally>,
) {
    let join = send(
        addr,
        "POST",
        &format!("/api/rooms/{code}/join"),
        "",
        &format!(
            "{{\"name\":\"P{m}\",\"seat\":\"{}\"}}",
            SEATS[m % SEATS.len()]
        ),
        &tally,
    )
    .await;
    let j = join.json();
    let token = j["token"].as_str().unwrap().to_string();
    let Some(agency) = j["seat"].as_str().map(str::to_string) else {
        return;
    };
    // Teams of two at the six seats: members 0-5 decide in even quarters, 6-11 in odd.
    let parity = (m / SEATS.len()) as u32;
    let mut etag = String::new();
    let mut made: Vec<(u32, [f64; 2])> = Vec::new();
    let mut last = serde_json::Value::Null;
    while Instant::now() < end {
        let v = send(
            addr,
            "GET",
            &format!("/api/rooms/{code}/view?since={etag}"),
            &token,
            "",
            &tally,
        )
        .await;
        if v.status == 200 {
            last = v.json();
            etag = last["etag"].as_str().unwrap_or("").to_string();
        }
        if last["phase"] == "finished" {
            break;
        }
        let q = last["quarter"].as_u64().unwrap_or(0) as u32;
        let decided = last["desk"]["decided"].as_bool().unwrap_or(true);
        if last["phase"] == "deciding"
            && q % 2 == parity
            && !decided
            && !made.iter().any(|d| d.0 == q)
        {
            let think = 1000 + ((r * 131 + m * 71 + q as usize * 37) % 2000) as u64;
            tokio::time::sleep(Duration::from_millis(think)).await;
            // A first thought, then the decision: the last submission counts.
            // The first thought may complete the room's decisions, and the
            // clock may then run the quarter before the second arrives: the
            // server refuses it as late (409, naming the quarter now open),
            // and the first thought is what stands. That refusal is the
            // rule working, counted apart from failures.
            let mut last = None;
            for (k, v) in [[0.5, 1.0], levers(r, m, q)].into_iter().enumerate() {
                let body = format!(
                    "{{\"quarter\":{q},\"agency\":\"{agency}\",\"id\":\"{code}-{m}-{q}-{k}\",\"levers\":{{\"eligibility_threshold\":{},\"intensity\":{}}}}}",
                    v[0], v[1]
                );
                let path = format!("/api/rooms/{code}/decisions");
                let late = k == 1;
                let d = send_expecting(addr, "POST", &path, &token, &body, &tally, late).await;
                if d.status == 202 {
                    last = Some(v);
                }
            }
            if let Some(l) = last {
                made.push((q, l));
                tally.decisions.fetch_add(1, Ordering::Relaxed);
            }
            continue;
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    // The levers in force in each quarter decided are those decided.
    let v = send(
        addr,
        "GET",
        &format!("/api/rooms/{code}/view"),
        &token,
        "",
        &tally,
    )
    .await;
    if v.status != 200 {
        return;
    }
    let v = v.json();
    let run = v["quarters_run"].as_u64().unwrap_or(0) as u32;
    for (q, l) in made.into_iter().filter(|d| d.0 <= run) {
        let applied = &v["desk"]["quarters"][(q - 1) as usize]["levers"];
        let got = [applied[0].as_f64().unwrap(), applied[2].as_f64().unwrap()];
        assert!(
            (got[0] - l[0]).abs() < 1e-6 && (got[1] - l[1]).abs() < 1e-6,
            "room {code}, {agency}, quarter {q}: decided {l:?}, in force {got:?}"
        );
        tally.checked.fetch_add(1, Ordering::Relaxed);
    }
}

/// One room after another until the end: create, fill, start, run, close.
async fn rooms(addr: SocketAddr, r: usize, end: Instant, tally: Arc<Tally>) {
    while Instant::now() + Duration::from_secs(5) < end {
        let body = format!(
            "{{\"population\":1000,\"quarters\":{QUARTERS},\"decision_seconds\":30,\"seed\":{r}}}"
        );
        let c = send(addr, "POST", "/api/rooms", "", &body, &tally).await;
        if c.status != 201 {
            return;
        }
        let j = c.json();
        let (code, fac) = (
            j["code"].as_str().unwrap().to_string(),
            j["token"].as_str().unwrap().to_string(),
        );
        tally.rooms.fetch_add(1, Ordering::Relaxed);
        let members: Vec<_> = (0..PARTICIPANTS)
            .map(|m| tokio::spawn(participant(addr, code.clone(), r, m, end, tally.clone())))
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        send(
            addr,
            "POST",
            &format!("/api/rooms/{code}/control"),
            &fac,
            "{\"action\":\"start\"}",
            &tally,
        )
        .await;
        let mut run = 0;
        while Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(1000)).await;
            let v = send(
                addr,
                "GET",
                &format!("/api/rooms/{code}/view"),
                &fac,
                "",
                &tally,
            )
            .await;
            if v.status != 200 {
                break;
            }
            let v = v.json();
            run = v["quarters_run"].as_u64().unwrap_or(0);
            if v["phase"] == "finished" {
                break;
            }
        }
        tally.quarters.fetch_add(run, Ordering::Relaxed);
        for m in members {
            m.await.expect("a participant's checks failed");
        }
        send(
            addr,
            "DELETE",
            &format!("/api/rooms/{code}"),
            &fac,
            "",
            &tally,
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "takes a minute; run by scripts/system-tests.sh"]
async fn five_rooms_of_twelve_participants() {
    let seconds: u64 = std::env::var("PLACESIM_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let addr = start(placesim_serve::Config {
        max_rooms: ROOMS,
        ..config()
    })
    .await;
    let before = resident_kib();
    let tally = Arc::new(Tally::default());
    let end = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..ROOMS)
        .map(|r| tokio::spawn(rooms(addr, r, end, tally.clone())))
        .collect();
    let mut peak = before;
    let mut samples = Vec::new();
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let kib = resident_kib();
        peak = peak.max(kib);
        samples.push(kib);
    }
    for t in tasks {
        t.await.expect("a room's load failed");
    }
    let after = resident_kib();
    let t = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "workshop load: {ROOMS} rooms x {PARTICIPANTS} participants for {:.0} s: {} rooms opened, {} quarters run, {} requests ({:.0}/s), {} failed, {} decisions ({} second thoughts refused as late), {} checked as applied in their quarter; resident memory {} MiB before, {} MiB peak, {} MiB after",
        started.elapsed().as_secs_f64(),
        t(&tally.rooms),
        t(&tally.quarters),
        t(&tally.requests),
        t(&tally.requests) as f64 / started.elapsed().as_secs_f64(),
        t(&tally.failed),
        t(&tally.decisions),
        t(&tally.late),
        t(&tally.checked),
        before / 1024,
        peak / 1024,
        after / 1024,
    );
    assert_eq!(t(&tally.failed), 0, "every request answered");
    assert!(t(&tally.quarters) >= (ROOMS as u64) * 3, "rooms moved on");
    // Every decision of a quarter that ran was checked: only those made in
    // each room's last open quarter (one a seat at most) were not.
    let open_quarters = t(&tally.rooms) * SEATS.len() as u64;
    assert!(
        t(&tally.checked) + open_quarters >= t(&tally.decisions),
        "decisions were checked"
    );
    assert!(t(&tally.checked) > 0);
    // A room holds three places of 1,000 citizens and 12 quarters of rows:
    // a few MiB. Five at once, closed and reopened, stay well under 256 MiB.
    assert!(peak < before + 256 * 1024, "memory grew past 256 MiB");
}
