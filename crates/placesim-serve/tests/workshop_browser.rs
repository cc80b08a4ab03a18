//! The workshop page in real browsers (a system test: `scripts/system-tests.sh`
//! installs Debian's `chromium` and `chromium-driver`).
//!
//! A facilitator and three participants, each in a browser session of their
//! own, run a room on the page: the facilitator creates it and reads its code
//! off the page; Ana, Ben and Cal join at three seats and each sees their own
//! agency; for two quarters each team moves its levers and decides, and the
//! quarter runs once all three have; between the quarters the facilitator
//! lifts a barrier for the next quarter. The facilitator ends the room, and
//! the debrief (fetched by its link, opened offline as a file) shows every
//! decision as made and the barrier switch. Screenshots go to
//! target/system-tests/workshop-{facilitator,participant,debrief}.png.

mod common;

use common::Driver;

use fantoccini::{Client, Locator};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Where system tests leave what a person looks at.
fn out_dir() -> PathBuf {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/system-tests");
    std::fs::create_dir_all(&out).unwrap();
    out
}

async fn text(c: &Client, id: &str) -> String {
    match c.find(Locator::Id(id)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Wait until the text of `#id` satisfies `ok`; returns it.
async fn wait_text(c: &Client, id: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let t = text(c, id).await;
        if ok(&t) {
            return t;
        }
        let status = text(c, "status").await;
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "#{id} never showed {what}: it shows {t:?} (status line: {status:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click #{id}: {e}"));
}

async fn fill(c: &Client, id: &str, value: &str) {
    let e = c.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn screenshot(c: &Client, name: &str) {
    c.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    std::fs::write(out_dir().join(name), png).unwrap();
}

const LEVERS: [&str; 5] = [
    "eligibility_threshold",
    "prevention_capacity_share",
    "intensity",
    "complexity_cap",
    "referral_propensity",
];

/// A team member at their seat.
struct Member {
    c: Client,
    name: &'static str,
    seat: &'static str,
    agency: &'static str,
    /// Their levers for quarters 1 and 2 (each a value inside the lever's range).
    levers: [[f64; 5]; 2],
}

/// Move the sliders to `levers` (as a person dragging them would: the
/// slider's value changes and it fires `input`), then decide.
async fn decide(m: &Member, quarter: u32) {
    let c = &m.c;
    wait_text(c, "quarter", &format!("quarter {quarter}"), |t| {
        t == quarter.to_string()
    })
    .await;
    let button = c.find(Locator::Id("decide")).await.unwrap();
    let start = Instant::now();
    while !button.is_enabled().await.unwrap() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "#decide stays disabled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (name, x) in LEVERS.iter().zip(m.levers[quarter as usize - 1]) {
        let set = c
            .execute(
                "const s = document.getElementById('lever-' + arguments[0]);
                 s.value = arguments[1];
                 s.dispatchEvent(new Event('input', { bubbles: true }));
                 s.dispatchEvent(new Event('change', { bubbles: true }));
                 return Number(s.value);",
                vec![
                    serde_json::json!(name),
                    serde_json::json!(format!("{x:.2}")),
                ],
            )
            .await
            .unwrap();
        assert_eq!(set.as_f64(), Some(x), "{}'s {name} slider", m.name);
        let shown = text(c, &format!("lever-{name}-out")).await;
        assert_eq!(
            shown,
            format!("{x:.2}"),
            "{}'s {name} reads its value",
            m.name
        );
    }
    assert_eq!(
        text(c, "decide").await,
        format!("Decide for quarter {quarter}")
    );
    click(c, "decide").await;
    // The team sees its decision (unless it was the last, and the quarter ran at once).
    let start = Instant::now();
    loop {
        let decided = text(c, "decided").await;
        if decided.starts_with('✓') && decided.contains(m.name) {
            break;
        }
        if text(c, "quarters-run").await == quarter.to_string() {
            break;
        }
        let status = text(c, "status").await;
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{}'s decision is not shown: {decided:?} (status line: {status:?})",
            m.name
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The rows of the tables matching `css`, as their cells' text.
async fn rows(c: &Client, css: &str) -> Vec<Vec<String>> {
    let rows = c
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0] + ' tr'), (r) =>
               Array.from(r.cells, (d) => d.textContent.trim()));",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    serde_json::from_value(rows).unwrap()
}

/// Is the row of `cells` among the table rows of the page `c` shows?
async fn has_row(c: &Client, cells: &[String]) -> bool {
    rows(c, "table").await.iter().any(|r| r == cells)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver; run by scripts/system-tests.sh"]
async fn a_room_of_four_browsers_runs_two_quarters_and_debriefs() {
    let began = Instant::now();
    // Served as on a room's network, reached by a machine name.
    let addr: SocketAddr = common::start(placesim_serve::Config {
        join_hosts: vec!["trainer-laptop".into()],
        ..common::config()
    })
    .await;
    let driver = Driver::start();
    let page = format!("http://{addr}/workshop");

    // 1. The facilitator creates a room on the page and reads its code off it.
    let fac = driver.browser(1280, 800).await;
    fac.goto(&page).await.unwrap();
    fac.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#scenario option[value=silos]"))
        .await
        .expect("the places are listed");
    fill(&fac, "population", "1000").await;
    fill(&fac, "quarters", "4").await;
    fill(&fac, "decision-seconds", "60").await;
    click(&fac, "create").await;
    let code = wait_text(&fac, "room-code", "a join code", |t| t.len() == 4).await;
    wait_text(&fac, "phase", "the lobby", |t| t == "WAITING TO START").await;
    assert_eq!(text(&fac, "quarter-of").await, "4");
    // Opened on 127.0.0.1, the projector shows the address participants can use.
    assert_eq!(
        text(&fac, "join-address").await,
        format!("trainer-laptop:{}/workshop", addr.port())
    );
    assert!(
        text(&fac, "join-address").await.ends_with("/workshop"),
        "the projector says where to join"
    );

    // 2. Three participants join at three seats; each sees their own agency.
    let mut members = Vec::new();
    for (name, seat, agency, levers) in [
        (
            "Ana",
            "social_care",
            "Adult social care",
            [
                [0.70, 0.10, 1.20, 3.00, 0.40],
                [0.60, 0.20, 1.10, 2.50, 0.45],
            ],
        ),
        (
            "Ben",
            "housing",
            "Council housing and homelessness",
            [
                [0.30, 0.25, 0.90, 4.00, 0.60],
                [0.35, 0.30, 0.80, 4.50, 0.65],
            ],
        ),
        (
            "Cal",
            "gp",
            "General practice",
            [
                [0.50, 0.05, 1.40, 2.00, 0.20],
                [0.45, 0.15, 1.30, 1.50, 0.25],
            ],
        ),
    ] {
        let c = driver.browser(1280, 800).await;
        // The address on the projector with the code: the page fills it in.
        c.goto(&format!("{page}?code={code}")).await.unwrap();
        let typed = c
            .find(Locator::Id("join-code"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(
            typed.as_deref(),
            Some(code.as_str()),
            "?code= fills the code"
        );
        fill(&c, "join-name", name).await;
        // The seats are listed from the room once its code is in.
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(&format!("#join-seat option[value={seat}]")))
            .await
            .expect("the room's seats are listed");
        c.find(Locator::Id("join-seat"))
            .await
            .unwrap()
            .select_by_value(seat)
            .await
            .unwrap();
        click(&c, "join").await;
        wait_text(&c, "desk-agency", agency, |t| t == agency).await;
        let desk = c.find(Locator::Id("desk")).await.unwrap();
        assert_eq!(
            desk.attr("data-agency").await.unwrap().as_deref(),
            Some(seat)
        );
        assert!(text(&c, "desk-team").await.contains(name));
        assert!(text(&c, "decided")
            .await
            .contains("Waiting for the facilitator"));
        for lever in LEVERS {
            c.find(Locator::Id(&format!("lever-{lever}")))
                .await
                .unwrap_or_else(|_| panic!("{name} has the {lever} slider"));
        }
        assert!(
            !c.find(Locator::Id("place"))
                .await
                .unwrap()
                .is_displayed()
                .await
                .unwrap(),
            "a team sees its desk, not the projector's panels"
        );
        members.push(Member {
            c,
            name,
            seat,
            agency,
            levers,
        });
    }
    for m in &members {
        wait_text(&fac, &format!("seat-{}", m.seat), m.name, |t| {
            t.contains(m.name)
        })
        .await;
    }
    // A reload keeps a member in the room (the token is in sessionStorage).
    members[0].c.refresh().await.unwrap();
    wait_text(&members[0].c, "desk-agency", members[0].agency, |t| {
        t == members[0].agency
    })
    .await;

    click(&fac, "start").await;
    wait_text(&fac, "phase", "deciding", |t| t == "DECIDING").await;
    wait_text(&fac, "countdown", "the countdown", |t| t.contains(':')).await;

    // 3. Two quarters: each team decides differently; the quarter runs by
    // itself once all three have. Between them the facilitator lifts a barrier.
    for quarter in 1..=2u32 {
        if quarter == 2 {
            assert_eq!(
                text(&fac, "barrier-ring_fenced_budgets-next").await,
                "in place"
            );
            click(&fac, "barrier-ring_fenced_budgets").await;
            wait_text(
                &fac,
                "barrier-ring_fenced_budgets-next",
                "lifted for the next quarter",
                |t| t == "lifted",
            )
            .await;
            assert_eq!(
                text(&fac, "barrier-ring_fenced_budgets-now").await,
                "in place"
            );
        }
        for (k, m) in members.iter().enumerate() {
            decide(m, quarter).await;
            if k < members.len() - 1 {
                wait_text(&fac, &format!("seat-{}", m.seat), "decided", |t| {
                    t.contains("decided ✓")
                })
                .await;
                assert_eq!(
                    text(&fac, "quarters-run").await,
                    (quarter - 1).to_string(),
                    "the quarter waits for every team"
                );
            }
        }
        wait_text(&fac, "quarters-run", "the quarter run", |t| {
            t == quarter.to_string()
        })
        .await;
        for m in &members {
            wait_text(&m.c, "quarters-run", "the quarter run", |t| {
                t == quarter.to_string()
            })
            .await;
        }
        println!(
            "quarter {quarter} ran at {:.1} s",
            began.elapsed().as_secs_f64()
        );
    }
    assert_eq!(
        text(&fac, "barrier-ring_fenced_budgets-now").await,
        "lifted"
    );
    assert!(text(&fac, "switch-log")
        .await
        .contains("From quarter 2: Ring-fenced budgets set to 0.00"));
    // The desk's record shows the levers the team set, last quarter first.
    let ana = &members[0];
    let record = rows(&ana.c, "#desk-table").await;
    assert_eq!(record[1][0], "2", "{record:?}");
    assert_eq!(
        record[1][6..],
        ["0.60", "0.20", "1.10", "2.50", "0.45"],
        "{record:?}"
    );
    assert_eq!(
        record[2][6..],
        ["0.70", "0.10", "1.20", "3.00", "0.40"],
        "{record:?}"
    );
    // The facilitator's keys: R shows each week instead of the rolling
    // quarter; Space pauses and resumes the clock.
    let body = fac.find(Locator::Css("body")).await.unwrap();
    let raw = |c: Client| async move {
        c.find(Locator::Id("smooth-toggle"))
            .await
            .unwrap()
            .attr("aria-pressed")
            .await
            .unwrap()
    };
    assert_eq!(raw(fac.clone()).await.as_deref(), Some("false"));
    body.send_keys("r").await.unwrap();
    assert_eq!(
        raw(fac.clone()).await.as_deref(),
        Some("true"),
        "R: each week"
    );
    body.send_keys("r").await.unwrap();
    assert_eq!(raw(fac.clone()).await.as_deref(), Some("false"));
    // W brings who pays for whom onto the screen; Home goes back up.
    let flows_on_screen = || async {
        fac.execute(
            "const r = document.getElementById('flows-panel').getBoundingClientRect();
             return r.top >= 0 && r.top < window.innerHeight;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap()
    };
    body.send_keys("w").await.unwrap();
    assert!(flows_on_screen().await, "W shows who pays for whom");
    body.send_keys(&char::from(fantoccini::key::Key::Home).to_string())
        .await
        .unwrap();
    body.send_keys(" ").await.unwrap();
    wait_text(&fac, "phase", "paused", |t| t == "PAUSED").await;
    // Paused, the clock stands still (the badge says paused).
    let stopped = text(&fac, "countdown").await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(text(&fac, "countdown").await, stopped, "the clock stopped");
    assert_eq!(text(&fac, "pause").await, "Resume");
    wait_text(&ana.c, "phase", "paused", |t| t == "PAUSED").await;
    body.send_keys(" ").await.unwrap();
    wait_text(&fac, "phase", "deciding", |t| t == "DECIDING").await;
    wait_text(&ana.c, "phase", "deciding", |t| t == "DECIDING").await;

    // 5. Screenshots of the live room (quarter 3 being decided).
    wait_text(&ana.c, "decided", "quarter 3 open", |t| {
        t.contains("quarter 3")
    })
    .await;
    screenshot(&fac, "workshop-facilitator.png").await;
    screenshot(&ana.c, "workshop-participant.png").await;

    // N advances now: nobody decided quarter 3, so the model's rule does.
    body.send_keys("n").await.unwrap();
    wait_text(&fac, "quarters-run", "quarter 3 run", |t| t == "3").await;
    let log = rows(&fac, "#log").await;
    let third: Vec<_> = log.iter().filter(|r| r[0] == "3").collect();
    assert_eq!(third.len(), 3, "{log:?}");
    assert!(third.iter().all(|r| r[2] == "timer"), "{log:?}");

    // 4. The facilitator ends the room (End asks to be pressed twice).
    click(&fac, "end").await;
    click(&fac, "end").await;
    wait_text(&fac, "phase", "finished", |t| t == "FINISHED").await;
    let link = fac.find(Locator::Id("debrief-link")).await.unwrap();
    assert!(link.is_displayed().await.unwrap());
    let href = link
        .attr("href")
        .await
        .unwrap()
        .expect("the debrief's link");
    // The link carries no token (it would show on the projector when
    // hovered): the page sends the token as a header, as the test does.
    assert!(!href.contains("token"), "{href}");
    let path = href
        .strip_prefix(&format!("http://{addr}"))
        .unwrap_or(&href)
        .to_string();
    // The link saves the debrief through the page (fetched with the token
    // as a header, handed over as a file): catch the file it hands over.
    let saved = fac
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const make = URL.createObjectURL;
             URL.createObjectURL = (blob) => { blob.text().then(done); return make(blob); };
             document.getElementById('debrief-link').click();",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        saved
            .as_str()
            .unwrap_or("")
            .contains("Three questions for the room"),
        "the link saves the debrief"
    );
    let token = fac
        .execute("return state.room.token;", vec![])
        .await
        .unwrap()
        .as_str()
        .expect("the facilitator's token")
        .to_string();
    assert!(fac
        .find(Locator::Id("schedule-link"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    // The teams are told the room is over.
    for m in &members {
        wait_text(&m.c, "phase", "finished", |t| t == "FINISHED").await;
    }

    let debrief = common::raw(
        addr,
        format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nx-room-token: {token}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(debrief.status, 200, "{}", debrief.body);
    for outside in ["<script", "http://", "https://"] {
        assert!(
            !debrief.body.contains(outside),
            "the debrief reaches outside ({outside}): it must open offline"
        );
    }
    let file = out_dir().join("workshop-debrief.html");
    std::fs::write(&file, &debrief.body).unwrap();
    let file = file.canonicalize().unwrap();
    let reader = &members[1].c;
    reader
        .goto(&format!("file://{}", file.display()))
        .await
        .unwrap();
    assert!(reader.title().await.unwrap().contains(&code));
    // Every decision as made: in the room's log and in each agency's table.
    for m in &members {
        for quarter in 1..=2u32 {
            let levers: Vec<String> = m.levers[quarter as usize - 1]
                .iter()
                .map(|x| format!("{x:.2}"))
                .collect();
            for x in &levers {
                assert!(
                    debrief.body.contains(&format!("<td>{x}</td>")),
                    "{x} of {}",
                    m.name
                );
            }
            let mut log = vec![quarter.to_string(), m.seat.to_string(), m.name.to_string()];
            log.extend(levers.iter().cloned());
            assert!(has_row(reader, &log).await, "the log's row {log:?}");
            let mut own = vec![quarter.to_string(), m.name.to_string()];
            own.extend(levers.iter().cloned());
            let row = reader
                .execute(
                    "const h = Array.from(document.querySelectorAll('h3'))
                       .find((h) => h.firstChild.textContent.trim() === arguments[0]);
                     let t = h.nextElementSibling;
                     while (t && t.tagName !== 'TABLE') t = t.nextElementSibling;
                     return Array.from(t.rows, (r) => Array.from(r.cells, (d) => d.textContent.trim()))
                       .find((r) => r[0] === arguments[1]);",
                    vec![serde_json::json!(m.agency), serde_json::json!(quarter.to_string())],
                )
                .await
                .unwrap();
            let row: Vec<String> = serde_json::from_value(row).unwrap();
            assert_eq!(row[..7], own[..], "{}'s table, quarter {quarter}", m.agency);
        }
    }
    let body = reader
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("From quarter 2: ring fenced budgets set to 0.00"),
        "the barrier switch is in the debrief"
    );
    screenshot(reader, "workshop-debrief.png").await;

    for m in members {
        m.c.close().await.unwrap();
    }
    fac.close().await.unwrap();
    println!("the workshop took {:.1} s", began.elapsed().as_secs_f64());
}
