//! Every endpoint over real HTTP on loopback, with good and malformed input.

mod common;

use common::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_is_served_offline_and_nothing_else() {
    let addr = start(config()).await;
    let page = get(addr, "/").await;
    assert_eq!(page.status, 200);
    assert!(page.headers.contains("content-type: text/html"));
    assert!(page.body.contains("placesim"));
    // No external resources: every script and stylesheet is local.
    for needle in ["http://", "https://", "//cdn", "fonts.googleapis"] {
        assert!(!page.body.contains(needle), "index.html refers to {needle}");
    }
    let js = get(addr, "/app.js").await;
    assert_eq!(js.status, 200);
    assert!(js.headers.contains("text/javascript"));
    assert!(!js.body.contains("https://"));
    assert_eq!(get(addr, "/app.css").await.status, 200);
    for path in [
        "/nope",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/app.js/../../Cargo.toml",
        "/assets/index.html",
        "/src/api.rs",
    ] {
        let r = get(addr, path).await;
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.body.contains("root:"), "{path}");
        assert!(!r.body.contains("[package]"), "{path}");
    }
    let presets = get(addr, "/api/presets").await.json();
    assert!(presets
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "silos"));
    let script = get(addr, "/api/script").await.json();
    assert_eq!(script[0]["reset"], "silos");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_starts_with_two_identical_worlds_and_steps_them_together() {
    let addr = start(config()).await;
    let (id, frame) = session(addr, "").await;
    assert_eq!(frame["preset"], "silos");
    assert_eq!(frame["population"], 2000);
    let worlds = frame["worlds"].as_array().unwrap();
    assert_eq!(worlds.len(), 2);
    assert_eq!(worlds[0]["cells"].as_str().unwrap().len(), 2000);
    assert_eq!(worlds[0], worlds[1]);
    for _ in 0..5 {
        let r = post(
            addr,
            &format!("/api/sessions/{id}/control"),
            r#"{"action":"step"}"#,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let f = get(addr, &format!("/api/sessions/{id}")).await.json();
    assert_eq!(f["worlds"][0]["week"], 5);
    assert_eq!(
        f["worlds"][0], f["worlds"][1],
        "same seed, same settings: identical"
    );
    let history = get(addr, &format!("/api/sessions/{id}/worlds/1/history"))
        .await
        .json();
    assert_eq!(history["spend"].as_array().unwrap().len(), 5);

    // Playing advances both by the clock; pausing stops them.
    let r = post(
        addr,
        &format!("/api/sessions/{id}/control"),
        r#"{"action":"play","speed":200}"#,
    )
    .await;
    assert_eq!(r.json()["playing"], true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = post(
        addr,
        &format!("/api/sessions/{id}/control"),
        r#"{"action":"pause"}"#,
    )
    .await;
    let paused = r.json();
    let week = paused["worlds"][0]["week"].as_u64().unwrap();
    assert!(week > 10, "played {week} weeks in 0.3 s at 200 weeks/s");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let f = get(addr, &format!("/api/sessions/{id}")).await.json();
    assert_eq!(f["worlds"][0]["week"].as_u64().unwrap(), week);
    assert_eq!(f["worlds"][0]["series"], f["worlds"][1]["series"]);

    // Reset with another seed and population: the version keeps growing (the
    // page drops stale frames by it) and the generation says "forget the past".
    let before = f["version"].as_u64().unwrap();
    assert_eq!(f["generation"], 0);
    let r = post(
        addr,
        &format!("/api/sessions/{id}/control"),
        r#"{"action":"reset","seed":7,"population":500,"preset":"total-place"}"#,
    )
    .await;
    let f = r.json();
    assert_eq!(
        (f["seed"].clone(), f["population"].clone()),
        (7.into(), 500.into())
    );
    assert_eq!(f["preset"], "total-place");
    assert!(f["version"].as_u64().unwrap() > before);
    assert_eq!(f["generation"], 1);
    assert_eq!(f["worlds"][0]["week"], 0);
    assert_eq!(f["worlds"][1]["cells"].as_str().unwrap().len(), 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_barrier_switched_in_one_world_makes_the_worlds_diverge() {
    let addr = start(config()).await;
    let (id, _) = session(addr, r#"{"seed":3}"#).await;
    let r = post(
        addr,
        &format!("/api/sessions/{id}/worlds/b/settings"),
        r#"{"barriers":{"professional_boundaries":0.0,"function_bound_targets":0.5},"leadership":0.8}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let f = r.json();
    let b = &f["worlds"][1];
    assert!(b["barriers"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(["professional_boundaries", 0.0])));
    assert!(b["barriers"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(["function_bound_targets", 0.5])));
    assert!((b["leadership"].as_f64().unwrap() - 0.8).abs() < 1e-6);
    assert!(f["worlds"][0]["barriers"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(["professional_boundaries", 1.0])));
    for _ in 0..30 {
        post(
            addr,
            &format!("/api/sessions/{id}/control"),
            r#"{"action":"step"}"#,
        )
        .await;
    }
    let f = get(addr, &format!("/api/sessions/{id}")).await.json();
    assert_ne!(
        f["worlds"][0]["series"]["spend"],
        f["worlds"][1]["series"]["spend"]
    );
    assert_ne!(f["worlds"][0]["cells"], f["worlds"][1]["cells"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_gets_400_with_a_message() {
    let addr = start(config()).await;
    for (body, fragment) in [
        (
            r#"{"population":5}"#,
            "population: must be between 100 and 10000",
        ),
        (r#"{"population":1000000}"#, "population"),
        (r#"{"preset":"nope"}"#, "no preset `nope`"),
        (r#"{"colour":"red"}"#, "unknown field `colour`"),
        (r#"{"seed":-1}"#, "request body"),
        (r#"{"seed":"one"}"#, "request body"),
        ("{", "request body"),
        ("[]", "request body"),
    ] {
        let r = post(addr, "/api/sessions", body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.error().contains(fragment), "{body}: {}", r.error());
    }
    let (id, _) = session(addr, "{}").await;
    let control = format!("/api/sessions/{id}/control");
    for (body, fragment) in [
        (
            r#"{"action":"jump"}"#,
            "action: must be one of play, pause, step, reset",
        ),
        (r#"{"speed":0}"#, "speed: must be between 1 and 500"),
        (r#"{"speed":1e300}"#, "speed"),
        (r#"{"speed":"fast"}"#, "request body"),
        (
            r#"{"action":"play","seed":3}"#,
            "only be given with action `reset`",
        ),
        (r#"{"action":"reset","population":50}"#, "population"),
        (
            r#"{"action":"reset","preset":"../../etc/passwd"}"#,
            "no preset",
        ),
    ] {
        let r = post(addr, &control, body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.error().contains(fragment), "{body}: {}", r.error());
    }
    for (world, body, fragment) in [
        ("2", r#"{"leadership":0.5}"#, "world: must be 0 or 1"),
        ("x", r#"{"leadership":0.5}"#, "world"),
        (
            "0",
            r#"{"leadership":1.5}"#,
            "leadership: must be between 0 and 1",
        ),
        ("0", r#"{"barriers":{"silos":0}}"#, "no barrier `silos`"),
        (
            "1",
            r#"{"barriers":{"frontline_burden":-0.1}}"#,
            "barriers.frontline_burden",
        ),
        (
            "1",
            r#"{"barriers":{"frontline_burden":null}}"#,
            "request body",
        ),
        ("1", r#"{"barrier":"x"}"#, "unknown field"),
    ] {
        let r = post(
            addr,
            &format!("/api/sessions/{id}/worlds/{world}/settings"),
            body,
        )
        .await;
        assert_eq!(r.status, 400, "{world} {body}: {}", r.body);
        assert!(r.error().contains(fragment), "{body}: {}", r.error());
    }
    let r = post(
        addr,
        &format!("/api/sessions/{id}/worlds/0/follow"),
        r#"{"citizen":2000}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.error().contains("citizen: must be below 2000"));
    let r = post(
        addr,
        &format!("/api/sessions/{id}/worlds/0/follow"),
        r#"{"citizen":-3}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    // A huge body is refused before it is read in full.
    let big = format!(r#"{{"action":"step","pad":"{}"}}"#, "x".repeat(40_000));
    assert_eq!(post(addr, &control, &big).await.status, 413);
    // Unknown sessions.
    let r = post(addr, "/api/sessions/zzz/control", r#"{"action":"step"}"#).await;
    assert_eq!(r.status, 404);
    assert!(r.error().contains("no session `zzz`"));
    assert_eq!(
        get(addr, "/api/sessions/zzz/worlds/0/timeseries.csv")
            .await
            .status,
        404
    );
    // Wrong methods.
    assert_eq!(get(addr, &control).await.status, 405);
    // Nothing above broke the session.
    let r = post(addr, &control, r#"{"action":"step"}"#).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["worlds"][1]["week"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_citizen_has_a_journey() {
    let addr = start(config()).await;
    let (id, _) = session(addr, r#"{"seed":2,"population":300}"#).await;
    // Follow a citizen in need if there is one: the journey then has events.
    let r = post(
        addr,
        &format!("/api/sessions/{id}/worlds/0/follow"),
        r#"{"citizen":17}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["citizen"], 17);
    for _ in 0..40 {
        post(
            addr,
            &format!("/api/sessions/{id}/control"),
            r#"{"action":"step"}"#,
        )
        .await;
    }
    let j = get(addr, &format!("/api/sessions/{id}/worlds/0/journey"))
        .await
        .json();
    assert_eq!(j["needs"].as_array().unwrap().len(), 41);
    assert_eq!(j["needs"][0].as_array().unwrap().len(), 6);
    assert!(j["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["citizen"] == 17));
    let f = get(addr, &format!("/api/sessions/{id}")).await.json();
    assert_eq!(f["worlds"][0]["journey"]["citizen"], 17);
    assert!(f["worlds"][1]["journey"].is_null());
    assert_eq!(
        get(addr, &format!("/api/sessions/{id}/worlds/1/journey"))
            .await
            .body,
        "null"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_so_far_downloads_as_the_same_csv_as_placesim_run() {
    let addr = start(config()).await;
    let (id, _) = session(addr, r#"{"population":500,"seed":3}"#).await;
    for _ in 0..3 {
        post(
            addr,
            &format!("/api/sessions/{id}/control"),
            r#"{"action":"step"}"#,
        )
        .await;
    }
    let r = get(addr, &format!("/api/sessions/{id}/worlds/0/timeseries.csv")).await;
    assert_eq!(r.status, 200);
    assert!(r.headers.contains("text/csv"));
    assert!(r.headers.contains("attachment"));
    let golden = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/silos-seed3/timeseries.csv"
    ))
    .unwrap();
    let header = golden.lines().next().unwrap();
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(lines[0], header);
    let warmup = placesim_scenario::preset("default-place", &[])
        .unwrap()
        .params
        .place
        .warmup_weeks as usize;
    assert_eq!(lines.len(), 1 + warmup + 3, "warm-up and the weeks shown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_stream_as_server_sent_events() {
    let addr = start(config()).await;
    let (id, first) = session(addr, "{}").await;
    let (head, frame) = first_event(addr, &id).await;
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("event: frame"), "{head}");
    assert_eq!(frame["worlds"], first["worlds"]);
    assert_eq!(get(addr, "/api/sessions/zzz/frames").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_bounded_deleted_and_expire_when_idle() {
    let addr = start(placesim_serve::Config {
        max_sessions: 2,
        idle_timeout: Duration::from_millis(600),
        ..config()
    })
    .await;
    let (a, _) = session(addr, "{}").await;
    let (b, _) = session(addr, "{}").await;
    let r = post(addr, "/api/sessions", "{}").await;
    assert_eq!(r.status, 503);
    assert!(r.error().contains("limit"), "{}", r.error());
    let r = request(addr, "DELETE", &format!("/api/sessions/{a}"), None).await;
    assert_eq!(r.status, 204);
    assert_eq!(get(addr, &format!("/api/sessions/{a}")).await.status, 404);
    let (_c, _) = session(addr, "{}").await;
    // Keep b alive by asking for it; the other goes idle and expires.
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(get(addr, &format!("/api/sessions/{b}")).await.status, 200);
    }
    assert_eq!(
        get(addr, &format!("/api/sessions/{_c}")).await.status,
        404,
        "idle session expired"
    );
    let (_d, _) = session(addr, "{}").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_read_do_not_stall_the_others() {
    let addr = start(config()).await;
    let (id, _) = session(addr, "{}").await;
    post(
        addr,
        &format!("/api/sessions/{id}/control"),
        r#"{"action":"play","speed":500}"#,
    )
    .await;
    // Ten streams opened and never read.
    let mut stalled = Vec::new();
    for _ in 0..10 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        use tokio::io::AsyncWriteExt;
        let req = format!("GET /api/sessions/{id}/frames HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = std::time::Instant::now();
    let (other, _) = session(addr, "{}").await;
    let r = post(
        addr,
        &format!("/api/sessions/{other}/control"),
        r#"{"action":"step"}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let f = get(addr, &format!("/api/sessions/{id}")).await.json();
    assert!(
        f["worlds"][0]["week"].as_u64().unwrap() > 20,
        "the busy session kept running"
    );
    drop(stalled);
}

/// Another web page cannot drive the dashboard: a POST from another origin
/// (or with none) is refused with 403 and creates nothing; a request naming
/// another host (DNS rebinding) is refused whatever its method; the page
/// itself and read-only GETs still work, and `--allow-host` names are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_from_other_sites_and_hosts_are_refused() {
    let mut config = config();
    config.allowed_hosts = placesim_serve::guard::AllowedHosts(vec!["trainer-laptop".into()]);
    let addr = start(config).await;
    let post_from = |origin: Option<&str>, host: &str| {
        let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
        format!(
            "POST /api/sessions HTTP/1.1\r\nHost: {host}\r\n{origin}Connection: close\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{{}}"
        )
    };
    let here = addr.to_string();
    for (origin, host) in [
        (Some("http://evil.example"), here.as_str()),
        (None, here.as_str()),
        (Some("null"), here.as_str()),
        (Some("http://attacker.example:80"), "attacker.example:80"),
    ] {
        let r = raw(addr, post_from(origin, host).as_bytes()).await;
        assert_eq!(r.status, 403, "{origin:?} {host}: {}", r.body);
        assert!(!r.error().is_empty());
    }
    let r = raw(
        addr,
        format!(
            "GET / HTTP/1.1\r\nHost: attacker.example:{}\r\nConnection: close\r\n\r\n",
            addr.port()
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(r.status, 403, "a rebound name is not served: {}", r.body);
    assert!(r.error().contains("--allow-host"), "{}", r.body);
    let sessions = get(addr, "/api/presets").await;
    assert_eq!(sessions.status, 200, "read-only GETs need no Origin");
    assert_eq!(get(addr, "/").await.status, 200);
    let port = addr.port();
    let named = format!("trainer-laptop:{port}");
    let r = raw(
        addr,
        post_from(Some(&format!("http://{named}")), &named).as_bytes(),
    )
    .await;
    assert_eq!(
        r.status, 201,
        "an allowed name from its own page: {}",
        r.body
    );
    let r = post(addr, "/api/sessions", "{}").await;
    assert_eq!(r.status, 201, "same origin by address: {}", r.body);
}

/// The API names its own field, `preset`, not the command line's `--preset`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_preset_is_named_as_the_api_field() {
    let addr = start(config()).await;
    let r = post(addr, "/api/sessions", r#"{"preset":"nope"}"#).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.error().starts_with("preset: no preset `nope`"),
        "{}",
        r.error()
    );
    assert!(!r.error().contains("--preset"), "{}", r.error());
}
