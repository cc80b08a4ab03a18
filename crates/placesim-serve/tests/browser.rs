//! The page in a real browser (a system test: `scripts/system-tests.sh`
//! installs Debian's `chromium` and `chromium-driver` and runs
//! `cargo test --workspace --test browser -- --ignored`).
//!
//! Opens the page, presses play, checks that the two places show identical
//! numbers for the first weeks, switches a barrier off in place B, checks
//! that they then diverge, and saves a screenshot (for README.md).

mod common;

use common::Driver;

use fantoccini::Locator;
use std::time::{Duration, Instant};

async fn numbers(c: &fantoccini::Client, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    for field in ["week", "spend", "crises", "fd", "wellbeing"] {
        let e = c.find(Locator::Id(&format!("w{w}-{field}"))).await.unwrap();
        out.push(e.text().await.unwrap());
    }
    out
}

async fn week(c: &fantoccini::Client) -> u64 {
    let e = c.find(Locator::Id("w0-week")).await.unwrap();
    e.text().await.unwrap().parse().unwrap_or(0)
}

async fn play_until(c: &fantoccini::Client, target: u64) {
    c.find(Locator::Id("play"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let start = Instant::now();
    while week(c).await < target {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the page did not reach week {target}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.find(Locator::Id("pause"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Let the pause land and the last frame render.
    tokio::time::sleep(Duration::from_millis(400)).await;
}

async fn canvas(c: &fantoccini::Client, w: usize) -> String {
    let v = c
        .execute(
            &format!("return document.getElementById('w{w}-population').toDataURL();"),
            vec![],
        )
        .await
        .unwrap();
    v.as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver; run by scripts/system-tests.sh"]
async fn two_places_run_identically_until_a_barrier_is_lifted_in_one() {
    let addr = common::start(common::config()).await;
    let driver = Driver::start();
    let c = driver.browser(1400, 1900).await;
    c.goto(&format!("http://{addr}/?seed=5")).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#w1-controls input[type=range]"))
        .await
        .expect("the page built its controls from the first frame");

    // Identical for the first weeks.
    play_until(&c, 8).await;
    let (a, b) = (numbers(&c, 0).await, numbers(&c, 1).await);
    assert_eq!(a, b, "same seed, same settings: the two places agree");
    assert_ne!(a[1], "–", "numbers are shown");
    assert_eq!(
        canvas(&c, 0).await,
        canvas(&c, 1).await,
        "same citizens, same states"
    );

    // Lift professional boundaries in place B only, mid-run.
    c.find(Locator::Id("w1-professional_boundaries-on"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = c
        .find(Locator::Id("w1-professional_boundaries-out"))
        .await
        .unwrap();
    assert_eq!(out.text().await.unwrap(), "0.00");
    play_until(&c, 40).await;
    let (a, b) = (numbers(&c, 0).await, numbers(&c, 1).await);
    assert_eq!(a[0], b[0], "still in step");
    assert_ne!(a[1..], b[1..], "the places diverged: {a:?} vs {b:?}");
    assert_ne!(canvas(&c, 0).await, canvas(&c, 1).await);

    // Follow a citizen in place B.
    c.find(Locator::Id("w1-population"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    play_until(&c, 48).await;
    let journey = c.find(Locator::Id("journey")).await.unwrap();
    assert!(
        journey.is_displayed().await.unwrap(),
        "the journey panel opens"
    );

    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/system-tests");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("serve-dashboard.png"), png).unwrap();
    c.close().await.unwrap();
}
