//! The workshop's endpoints over real HTTP on loopback: a room from creation
//! to debrief, and every way a member might act for someone else — forged
//! tokens, another room's token, another seat, a stale or replayed decision,
//! a participant pacing the room, a cross-site request.

mod common;

use common::*;
use std::net::SocketAddr;

/// A request with a room token (and the page's own Origin, as a browser sends).
async fn with_token(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> Reply {
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nx-room-token: {token}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    raw(addr, req.as_bytes()).await
}

async fn room(addr: SocketAddr, body: &str) -> (String, String) {
    let r = post(addr, "/api/rooms", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    (
        j["code"].as_str().unwrap().to_string(),
        j["token"].as_str().unwrap().to_string(),
    )
}

async fn join(
    addr: SocketAddr,
    code: &str,
    name: &str,
    seat: Option<&str>,
) -> (String, Option<String>) {
    let body = match seat {
        Some(s) => format!("{{\"name\":\"{name}\",\"seat\":\"{s}\"}}"),
        None => format!("{{\"name\":\"{name}\"}}"),
    };
    let r = post(addr, &format!("/api/rooms/{code}/join"), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    (
        j["token"].as_str().unwrap().to_string(),
        j["seat"].as_str().map(str::to_string),
    )
}

fn decision(quarter: u32, agency: &str, id: &str, levers: &str) -> String {
    format!("{{\"quarter\":{quarter},\"agency\":\"{agency}\",\"id\":\"{id}\",\"levers\":{levers}}}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_runs_from_join_to_debrief() {
    let addr = start(config()).await;
    let page = get(addr, "/workshop").await;
    assert_eq!(page.status, 200);
    assert!(page.headers.contains("text/html"));
    for needle in ["http://", "https://"] {
        assert!(
            !page.body.contains(needle),
            "workshop.html refers to {needle}"
        );
    }
    assert_eq!(get(addr, "/workshop.js").await.status, 200);
    assert_eq!(get(addr, "/workshop.css").await.status, 200);

    let (code, fac) = room(addr, "{\"population\":500,\"quarters\":3,\"seed\":3}").await;
    assert_eq!(code.len(), 4);
    // The join form lists the room's seats: its place's adaptive agencies.
    let seats = get(addr, &format!("/api/rooms/{code}/seats")).await.json();
    let ids: Vec<_> = seats
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["agency"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "gp",
            "mental_health",
            "social_care",
            "housing",
            "job_centre",
            "voluntary"
        ]
    );
    let (ann, seat) = join(addr, &code, "Ann", Some("social_care")).await;
    assert_eq!(seat.as_deref(), Some("social_care"));
    let (bo, seat) = join(addr, &code.to_lowercase(), "Bo", None).await;
    assert_eq!(seat.as_deref(), Some("gp"), "the first empty seat");
    let v = with_token(addr, "GET", &format!("/api/rooms/{code}/view"), &ann, None).await;
    assert_eq!(v.status, 200, "{}", v.body);
    let v = v.json();
    assert_eq!(v["role"], "participant");
    assert_eq!(v["phase"], "lobby");
    assert_eq!(v["desk"]["agency"], "social_care");
    let etag = v["etag"].as_str().unwrap().to_string();
    let same = with_token(
        addr,
        "GET",
        &format!("/api/rooms/{code}/view?since={etag}"),
        &ann,
        None,
    )
    .await;
    assert_eq!(same.status, 204, "nothing changed");

    let start = with_token(
        addr,
        "POST",
        &format!("/api/rooms/{code}/control"),
        &fac,
        Some("{\"action\":\"start\"}"),
    )
    .await;
    assert_eq!(start.status, 200, "{}", start.body);
    assert_eq!(start.json()["phase"], "deciding");
    let ok = with_token(
        addr,
        "POST",
        &format!("/api/rooms/{code}/decisions"),
        &ann,
        Some(&decision(
            1,
            "social_care",
            "a1",
            "{\"eligibility_threshold\":0.7}",
        )),
    )
    .await;
    assert_eq!(ok.status, 202, "{}", ok.body);
    // Bo's team has not decided: the quarter waits (Bo is present).
    let v = with_token(addr, "GET", &format!("/api/rooms/{code}/view"), &fac, None)
        .await
        .json();
    assert_eq!(v["quarters_run"], 0);
    assert_eq!(v["seats"][2]["decided"], true);
    let ok = with_token(
        addr,
        "POST",
        &format!("/api/rooms/{code}/decisions"),
        &bo,
        Some(&decision(1, "gp", "b1", "{\"intensity\":1.25}")),
    )
    .await;
    assert_eq!(ok.status, 202, "{}", ok.body);
    // Every present team decided: the room's clock runs the quarter.
    let mut run = 0;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let v = with_token(addr, "GET", &format!("/api/rooms/{code}/view"), &fac, None)
            .await
            .json();
        run = v["quarters_run"].as_u64().unwrap();
        if run == 1 {
            let desk = with_token(addr, "GET", &format!("/api/rooms/{code}/view"), &ann, None)
                .await
                .json();
            let q = &desk["desk"]["quarters"][0];
            assert_eq!(q["levers"][0], 0.7, "applied in the quarter it was made");
            break;
        }
    }
    assert_eq!(run, 1, "the quarter ran once both teams had decided");
    // The facilitator lifts a barrier and advances without waiting.
    let r = with_token(
        addr,
        "POST",
        &format!("/api/rooms/{code}/control"),
        &fac,
        Some("{\"barriers\":{\"ring_fenced_budgets\":0},\"action\":\"advance\",\"quarter\":2}"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["quarters_run"], 2);
    assert_eq!(v["switches"][0]["barrier"], "ring_fenced_budgets");
    assert_eq!(
        v["decisions"].as_array().unwrap().len(),
        4,
        "two team, two timer"
    );
    let end = with_token(
        addr,
        "POST",
        &format!("/api/rooms/{code}/control"),
        &fac,
        Some("{\"action\":\"end\"}"),
    )
    .await;
    assert_eq!(end.json()["phase"], "finished");
    let d = get(addr, &format!("/api/rooms/{code}/debrief.html?token={ann}")).await;
    assert_eq!(d.status, 200);
    assert!(d.headers.contains("attachment"));
    assert!(d.body.contains("Three questions for the room"));
    assert!(d.body.contains("<td>0.70</td>"));
    let s = get(
        addr,
        &format!("/api/rooms/{code}/schedule.toml?token={fac}"),
    )
    .await;
    assert_eq!(s.status, 200);
    assert!(
        s.body
            .contains("\"agencies.social_care.eligibility_threshold\" = 0.7"),
        "{}",
        s.body
    );
    assert!(
        s.body
            .contains("\"barriers.ring_fenced_budgets.strength\" = 0"),
        "{}",
        s.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_acts_for_another_seat_room_or_quarter() {
    let addr = start(config()).await;
    let (a, fac_a) = room(addr, "{\"population\":300,\"quarters\":2}").await;
    let (b, fac_b) = room(addr, "{\"population\":300,\"quarters\":2}").await;
    assert_ne!(a, b);
    let (ann, _) = join(addr, &a, "Ann", Some("housing")).await;
    let (bo, _) = join(addr, &b, "Bo", Some("housing")).await;
    let (obs, seat) = join(addr, &a, "Olu", Some("observe")).await;
    assert_eq!(seat, None);
    let control = |code: &str| format!("/api/rooms/{code}/control");
    let decide = |code: &str| format!("/api/rooms/{code}/decisions");
    assert_eq!(
        with_token(
            addr,
            "POST",
            &control(&a),
            &fac_a,
            Some("{\"action\":\"start\"}")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        with_token(
            addr,
            "POST",
            &control(&b),
            &fac_b,
            Some("{\"action\":\"start\"}")
        )
        .await
        .status,
        200
    );
    let housing = decision(1, "housing", "x1", "{\"intensity\":0.9}");

    // No token, a forged token, another room's token.
    let r = post(addr, &decide(&a), &housing).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let forged = "0123456789abcdef0123456789abcdef";
    let r = with_token(addr, "POST", &decide(&a), forged, Some(&housing)).await;
    assert_eq!(r.status, 403);
    assert!(r.error().contains("not a member of room"), "{}", r.error());
    let r = with_token(addr, "POST", &decide(&a), &bo, Some(&housing)).await;
    assert_eq!(r.status, 403, "room B's member cannot decide in room A");
    let r = with_token(addr, "GET", &format!("/api/rooms/{a}/view"), &fac_b, None).await;
    assert_eq!(r.status, 403, "room B's facilitator cannot see room A");
    // Another seat; an observer; the facilitator deciding; a participant pacing.
    let r = with_token(
        addr,
        "POST",
        &decide(&a),
        &ann,
        Some(&decision(1, "gp", "x2", "{}")),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.error().contains("you sit for housing"), "{}", r.error());
    let r = with_token(addr, "POST", &decide(&a), &obs, Some(&housing)).await;
    assert_eq!(r.status, 403);
    let r = with_token(addr, "POST", &decide(&a), &fac_a, Some(&housing)).await;
    assert_eq!(r.status, 403);
    for action in ["advance", "end", "pause"] {
        let r = with_token(
            addr,
            "POST",
            &control(&a),
            &ann,
            Some(&format!("{{\"action\":\"{action}\",\"quarter\":1}}")),
        )
        .await;
        assert_eq!(r.status, 403, "{action}");
    }
    let r = with_token(
        addr,
        "POST",
        &control(&a),
        &ann,
        Some("{\"barriers\":{\"ring_fenced_budgets\":0}}"),
    )
    .await;
    assert_eq!(r.status, 403);
    // A cross-site request is refused before any room is looked at.
    let req = format!(
        "POST {} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://evil.example\r\nx-room-token: {ann}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{housing}",
        decide(&a),
        housing.len()
    );
    assert_eq!(raw(addr, req.as_bytes()).await.status, 403);
    // Stale and replayed decisions.
    let r = with_token(
        addr,
        "POST",
        &decide(&a),
        &ann,
        Some(&decision(2, "housing", "x3", "{}")),
    )
    .await;
    assert_eq!(r.status, 409, "a quarter not yet open: {}", r.body);
    let r = with_token(addr, "POST", &decide(&a), &ann, Some(&housing)).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let r = with_token(addr, "POST", &decide(&a), &ann, Some(&housing)).await;
    assert_eq!(r.status, 409, "a replay");
    assert!(r.error().contains("already received"), "{}", r.error());
    let r = with_token(
        addr,
        "POST",
        &control(&a),
        &fac_a,
        Some("{\"action\":\"advance\"}"),
    )
    .await;
    assert_eq!(r.status, 400, "advance names its quarter");
    // Ann's was the only team: the room's clock runs the quarter by itself.
    for _ in 0..100 {
        let v = with_token(addr, "GET", &format!("/api/rooms/{a}/view"), &fac_a, None)
            .await
            .json();
        if v["quarters_run"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A press for the quarter the clock has just run is refused and changes
    // nothing: not the switch it carries, not the next quarter.
    let r = with_token(
        addr,
        "POST",
        &control(&a),
        &fac_a,
        Some("{\"action\":\"advance\",\"quarter\":1,\"barriers\":{\"frontline_burden\":0}}"),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let v = with_token(addr, "GET", &format!("/api/rooms/{a}/view"), &fac_a, None)
        .await
        .json();
    assert_eq!(v["quarters_run"], 1);
    assert_eq!(
        v["barriers"][4][2], 1.0,
        "the refused switch is not pending"
    );
    let r = with_token(
        addr,
        "POST",
        &decide(&a),
        &ann,
        Some(&decision(1, "housing", "x4", "{}")),
    )
    .await;
    assert_eq!(r.status, 409, "a stale quarter");
    assert!(r.error().contains("open for quarter 2"), "{}", r.error());
    // Bad input: named fields, 400.
    for (body, field) in [
        (
            decision(2, "housing", "x5", "{\"intensity\":99}"),
            "levers.intensity",
        ),
        (
            decision(2, "housing", "x6", "{\"speed\":1}"),
            "no lever `speed`",
        ),
        ("{\"quarter\":2}".to_string(), "request body"),
    ] {
        let r = with_token(addr, "POST", &decide(&a), &ann, Some(&body)).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(r.error().contains(field), "{}", r.error());
    }
    for (body, field) in [
        ("{\"population\":5}", "population"),
        ("{\"quarters\":0}", "quarters"),
        ("{\"decision_seconds\":1}", "decision_seconds"),
        ("{\"scenario\":\"nowhere\"}", "nowhere"),
        ("{\"colour\":1}", "unknown field"),
    ] {
        let r = post(addr, "/api/rooms", body).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(r.error().contains(field), "{}", r.error());
    }
    assert_eq!(get(addr, "/api/rooms/ZZZZ/view").await.status, 404);
    // Only the facilitator closes a room; then its tokens are good for nothing.
    let r = with_token(addr, "DELETE", &format!("/api/rooms/{a}"), &ann, None).await;
    assert_eq!(r.status, 403);
    let r = with_token(addr, "DELETE", &format!("/api/rooms/{a}"), &fac_b, None).await;
    assert_eq!(r.status, 403);
    let r = with_token(addr, "DELETE", &format!("/api/rooms/{b}"), &fac_b, None).await;
    assert_eq!(r.status, 204);
    let r = with_token(addr, "GET", &format!("/api/rooms/{b}/view"), &bo, None).await;
    assert_eq!(r.status, 404);
    let r = post(addr, &format!("/api/rooms/{a}/join"), "{\"name\":\"\"}").await;
    assert_eq!(r.status, 400);
}

/// A participant who vanishes does not stall the room: the timer runs the
/// quarter, the model's own rule decides for the seat, and the debrief says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timer_decides_for_a_participant_who_vanished() {
    let addr = start(config()).await;
    let (code, fac) = room(
        addr,
        "{\"population\":300,\"quarters\":2,\"decision_seconds\":5}",
    )
    .await;
    let (ann, _) = join(addr, &code, "Ann", Some("housing")).await;
    let (_gone, _) = join(addr, &code, "Gone", Some("gp")).await;
    with_token(
        addr,
        "POST",
        &format!("/api/rooms/{code}/control"),
        &fac,
        Some("{\"action\":\"start\"}"),
    )
    .await;
    let r = with_token(
        addr,
        "POST",
        &format!("/api/rooms/{code}/decisions"),
        &ann,
        Some(&decision(1, "housing", "a", "{\"intensity\":0.8}")),
    )
    .await;
    assert_eq!(r.status, 202);
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let v = with_token(addr, "GET", &format!("/api/rooms/{code}/view"), &fac, None)
            .await
            .json();
        if v["quarters_run"] == 1 {
            let gp = v["decisions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["agency"] == "gp")
                .unwrap()
                .clone();
            assert_eq!(gp["by"], "timer");
            break;
        }
        assert!(started.elapsed().as_secs() < 15, "the room stalled");
    }
    assert!(
        started.elapsed().as_secs_f64() >= 4.0,
        "the timer waited its 5 s"
    );
    with_token(
        addr,
        "POST",
        &format!("/api/rooms/{code}/control"),
        &fac,
        Some("{\"action\":\"end\"}"),
    )
    .await;
    let d = get(addr, &format!("/api/rooms/{code}/debrief.html?token={fac}")).await;
    assert!(d.body.contains("timer: the model's own rule decided"));
}
