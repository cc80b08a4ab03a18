//! The workshop's HTTP surface: rooms, joining, decisions, the facilitator's
//! controls, views and the debrief.
//!
//! Every room has a short join code and every member (the facilitator
//! included) an unguessable token, sent as the `x-room-token` header (or, for
//! the two downloads, a `token` query parameter, so they work as plain
//! links). A token is good for its own room only; a participant's token
//! decides for its own seat only; only the facilitator's token paces the
//! room. Refusals: 400 malformed, 403 not allowed, 404 no such room, 409 out
//! of turn (a stale quarter, a replayed decision), 503 the server is full.
//! The guard (`guard`) applies as to every request: the host check, and the
//! same-origin check on every POST.

use crate::http::page;
use crate::room::{Phase, Refusal, Room, RoomSetup};
use crate::{view, Config, SESSION_POPULATION};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use placesim_core::limits::{self, Bounds};
use placesim_core::params::BarrierKind;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const PAGE: &str = include_str!("../assets/workshop.html");
const PAGE_JS: &str = include_str!("../assets/workshop.js");
const PAGE_CSS: &str = include_str!("../assets/workshop.css");

/// What a room's setup may be.
pub const QUARTERS: Bounds<u32> = Bounds::new(1, 40);
pub const DECISION_SECONDS: Bounds<u32> = Bounds::new(5, 1800);
pub const TEAM_SIZE: Bounds<u32> = Bounds::new(1, 20);
/// Most members of one room (observers included).
pub const MAX_MEMBERS: usize = 100;
/// How often a room's clock looks at its timer.
const CLOCK: Duration = Duration::from_millis(200);
/// The characters of a join code: no 0/O or 1/I to misread on a projector.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

struct Cell {
    room: Mutex<Room>,
    last_seen: AtomicU64,
    closed: AtomicBool,
}

impl Cell {
    fn room(&self) -> MutexGuard<'_, Room> {
        self.room.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct Rooms {
    config: Config,
    rooms: Mutex<HashMap<String, Arc<Cell>>>,
    started: Instant,
}

type Shared = Arc<Rooms>;

impl Rooms {
    fn rooms(&self) -> MutexGuard<'_, HashMap<String, Arc<Cell>>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
    fn cell(&self, code: &str) -> Result<Arc<Cell>, Refused> {
        let code = code.to_ascii_uppercase();
        let c = self.rooms().get(&code).cloned().ok_or_else(|| {
            Refused(
                StatusCode::NOT_FOUND,
                format!("no room `{code}` (check the code; a room closes after it has been idle)"),
            )
        })?;
        c.last_seen.store(self.now(), Ordering::Relaxed);
        Ok(c)
    }
}

/// A refusal as an HTTP status and a message (`{"error": message}`).
#[derive(Debug)]
pub struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<Refusal> for Refused {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Forbidden(m) => Refused(StatusCode::FORBIDDEN, m),
            Refusal::Conflict(m) => Refused(StatusCode::CONFLICT, m),
            Refusal::Invalid(m) => Refused(StatusCode::BAD_REQUEST, m),
        }
    }
}

fn bad(m: impl Into<String>) -> Refused {
    Refused(StatusCode::BAD_REQUEST, m.into())
}

/// The routes of the workshop, with the room clock and reaper started.
pub fn routes(config: Config) -> Router {
    let state = Arc::new(Rooms {
        config,
        rooms: Mutex::new(HashMap::new()),
        started: Instant::now(),
    });
    tokio::spawn(reap_idle(Arc::downgrade(&state)));
    Router::new()
        .route(
            "/workshop",
            get(|| async { page(PAGE, "text/html; charset=utf-8") }),
        )
        .route(
            "/workshop.js",
            get(|| async { page(PAGE_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/workshop.css",
            get(|| async { page(PAGE_CSS, "text/css; charset=utf-8") }),
        )
        .route("/api/rooms", post(create))
        .route("/api/rooms/{code}/seats", get(seats))
        .route("/api/rooms/{code}/join", post(join))
        .route("/api/rooms/{code}", axum::routing::delete(close))
        .route("/api/rooms/{code}/view", get(view_of))
        .route("/api/rooms/{code}/decisions", post(decide))
        .route("/api/rooms/{code}/control", post(control))
        .route("/api/rooms/{code}/debrief.html", get(debrief))
        .route("/api/rooms/{code}/schedule.toml", get(schedule))
        .with_state(state)
}

/// 128 bits from the operating system, as hex: a member's token.
fn token() -> Result<String, Refused> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| {
        Refused(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("no random numbers for a token: {e}"),
        )
    })?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// A join code not in use: four characters a room can read off a projector.
fn code(taken: &HashMap<String, Arc<Cell>>) -> Result<String, Refused> {
    for _ in 0..64 {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).map_err(|e| bad(format!("no random numbers: {e}")))?;
        let c: String = b
            .iter()
            .map(|x| CODE_ALPHABET[*x as usize % CODE_ALPHABET.len()] as char)
            .collect();
        if !taken.contains_key(&c) {
            return Ok(c);
        }
    }
    Err(Refused(
        StatusCode::SERVICE_UNAVAILABLE,
        "no free join code; try again".into(),
    ))
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Refused> {
    crate::http::json_body(body).map_err(bad)
}

fn json_with(status: StatusCode, value: serde_json::Value) -> Response {
    (status, Json(value)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewRoom {
    scenario: Option<String>,
    seed: Option<u64>,
    population: Option<u32>,
    quarters: Option<u32>,
    decision_seconds: Option<u32>,
    team_size: Option<u32>,
}

fn within(field: &str, x: Option<u32>, default: u32, b: Bounds<u32>) -> Result<u32, Refused> {
    let x = x.unwrap_or(default);
    if b.contains(x) {
        Ok(x)
    } else {
        Err(bad(format!(
            "{field}: must be between {} and {}, not {x}",
            b.min, b.max
        )))
    }
}

async fn create(State(app): State<Shared>, body: Bytes) -> Result<Response, Refused> {
    let asked: NewRoom = parse(&body)?;
    let config = &app.config;
    let population = within(
        "population",
        asked.population,
        2_000.min(config.max_population),
        Bounds::new(SESSION_POPULATION.min, config.max_population),
    )?;
    let quarters = within("quarters", asked.quarters, 12, QUARTERS)?;
    let decision_seconds = within(
        "decision_seconds",
        asked.decision_seconds,
        120,
        DECISION_SECONDS,
    )?;
    let team_size = within("team_size", asked.team_size, 3, TEAM_SIZE)?;
    let scenario = asked
        .scenario
        .unwrap_or_else(|| config.default_scenario.0.clone());
    let (params, extends) = if scenario == config.default_scenario.0 {
        (
            config.default_scenario.1.clone(),
            config.default_extends.clone(),
        )
    } else {
        let p = placesim_scenario::preset_as("scenario", &scenario, &[])
            .map_err(|e| bad(e.to_string()))?
            .params;
        (p, format!("{scenario}.toml"))
    };
    if app.rooms().len() >= config.max_rooms {
        return Err(Refused(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the server already runs {} rooms, its limit (--max-rooms)",
                config.max_rooms
            ),
        ));
    }
    let setup = RoomSetup {
        scenario,
        extends,
        seed: asked.seed.unwrap_or(1),
        population,
        quarters,
        decision_seconds,
        team_size,
        base_budgets: Vec::new(),
    };
    if !crate::room::quarters_align(&params) {
        return Err(bad(format!(
            "scenario: its warm-up ({} weeks) must be whole quarters of 13 weeks for a workshop room, so that the room's quarters are the agencies' own",
            params.place.warmup_weeks
        )));
    }
    let facilitator = token()?;
    let f = facilitator.clone();
    let room = tokio::task::spawn_blocking(move || {
        let mut setup = setup;
        setup.base_budgets = crate::room::base_budgets(&setup.extends);
        Room::new(String::new(), f, setup, params)
    })
    .await
    .map_err(|e| bad(format!("could not build the place: {e}")))?;
    let cell = Arc::new(Cell {
        room: Mutex::new(room),
        last_seen: AtomicU64::new(app.now()),
        closed: AtomicBool::new(false),
    });
    let code = {
        let mut rooms = app.rooms();
        if rooms.len() >= config.max_rooms {
            return Err(Refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is full; try later".into(),
            ));
        }
        let code = code(&rooms)?;
        cell.room().code = code.clone();
        rooms.insert(code.clone(), cell.clone());
        code
    };
    tokio::spawn(run_clock(cell, Arc::downgrade(&app)));
    Ok(json_with(
        StatusCode::CREATED,
        serde_json::json!({ "code": code, "token": facilitator }),
    ))
}

/// Look at a room's timer and run its quarter when due, until the room closes.
async fn run_clock(cell: Arc<Cell>, app: std::sync::Weak<Rooms>) {
    let mut ticker = tokio::time::interval(CLOCK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if cell.closed.load(Ordering::Relaxed) {
            return;
        }
        let Some(now) = app.upgrade().map(|a| a.now()) else {
            return;
        };
        let c = cell.clone();
        if tokio::task::spawn_blocking(move || c.room().tick(now))
            .await
            .is_err()
        {
            return; // the room's worlds panicked: stop this room's clock only
        }
    }
}

/// Drop rooms with no request for longer than the idle timeout.
async fn reap_idle(app: std::sync::Weak<Rooms>) {
    let every = match app.upgrade() {
        Some(a) => {
            (a.config.idle_timeout / 2).clamp(Duration::from_millis(100), Duration::from_secs(5))
        }
        None => return,
    };
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        let Some(app) = app.upgrade() else { return };
        let (now, timeout) = (app.now(), app.config.idle_timeout.as_millis() as u64);
        app.rooms().retain(|_, c| {
            let keep = now.saturating_sub(c.last_seen.load(Ordering::Relaxed)) < timeout;
            if !keep {
                c.closed.store(true, Ordering::Relaxed);
            }
            keep
        });
    }
}

/// The token a request carries: the `x-room-token` header, or `token` in the query.
fn token_of(headers: &HeaderMap, query: &HashMap<String, String>) -> Result<String, Refused> {
    headers
        .get("x-room-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| query.get("token").cloned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Refused(
                StatusCode::FORBIDDEN,
                "no room token: join the room first (the x-room-token header)".into(),
            )
        })
}

/// Is `token` the room's facilitator or a member? (403 otherwise.)
fn member_of(room: &Room, token: &str) -> Result<(), Refused> {
    if token == room.facilitator || room.members.contains_key(token) {
        Ok(())
    } else {
        Err(Refused(
            StatusCode::FORBIDDEN,
            format!("this token is not a member of room {}", room.code),
        ))
    }
}

/// The room's seats, for the join form: anyone with the code may see them.
async fn seats(State(app): State<Shared>, Path(code): Path<String>) -> Result<Response, Refused> {
    let cell = app.cell(&code)?;
    let room = cell.room();
    Ok(Json(&room.seats).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Join {
    name: String,
    seat: Option<String>,
}

async fn join(
    State(app): State<Shared>,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, Refused> {
    let cell = app.cell(&code)?;
    let asked: Join = parse(&body)?;
    let t = token()?;
    let mut room = cell.room();
    if room.members.len() >= MAX_MEMBERS {
        return Err(Refused(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("room {} is full ({MAX_MEMBERS} members)", room.code),
        ));
    }
    let seat = room.join(t.clone(), &asked.name, asked.seat.as_deref(), app.now())?;
    let seat = seat.map(|s| room.seats[s].agency.clone());
    Ok(json_with(
        StatusCode::CREATED,
        serde_json::json!({ "token": t, "seat": seat, "code": room.code }),
    ))
}

/// The member's view; `since` (the `etag` of the last view) answers 204 when nothing changed.
async fn view_of(
    State(app): State<Shared>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    let cell = app.cell(&code)?;
    let t = token_of(&headers, &query)?;
    let now = app.now();
    let mut room = cell.room();
    member_of(&room, &t)?;
    room.seen(&t, now);
    let etag = view::etag(&room, now);
    if query.get("since") == Some(&etag) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut v = view::build(&room, &t, now);
    v.join_hosts = app.config.join_hosts.clone();
    Ok(Json(v).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decide {
    quarter: u32,
    agency: String,
    id: String,
    #[serde(default)]
    levers: BTreeMap<String, f64>,
}

async fn decide(
    State(app): State<Shared>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refused> {
    let cell = app.cell(&code)?;
    let t = token_of(&headers, &HashMap::new())?;
    let d: Decide = parse(&body)?;
    let mut room = cell.room();
    member_of(&room, &t)?;
    if t == room.facilitator {
        return Err(Refused(
            StatusCode::FORBIDDEN,
            "the facilitator paces the room; teams decide for their agencies".into(),
        ));
    }
    room.seen(&t, app.now());
    room.decide(&t, d.quarter, &d.agency, &d.id, &d.levers)?;
    Ok(json_with(
        StatusCode::ACCEPTED,
        serde_json::json!({ "accepted": d.id, "quarter": d.quarter }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Control {
    action: Option<String>,
    /// The quarter the facilitator sees being decided: required to advance,
    /// and checked with switches, so that a press made as the clock ran the
    /// quarter cannot act on the next one.
    quarter: Option<u32>,
    #[serde(default)]
    barriers: BTreeMap<String, f64>,
    leadership: Option<f64>,
}

const ACTIONS: [&str; 6] = ["start", "pause", "resume", "advance", "end", "none"];

async fn control(
    State(app): State<Shared>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refused> {
    let cell = app.cell(&code)?;
    let t = token_of(&headers, &HashMap::new())?;
    let c: Control = parse(&body)?;
    let action = c.action.unwrap_or_else(|| "none".into());
    if !ACTIONS.contains(&action.as_str()) {
        return Err(bad(format!(
            "action: must be one of start, pause, resume, advance, end, not `{action}`"
        )));
    }
    if action == "advance" && c.quarter.is_none() {
        return Err(bad(
            "quarter: give the quarter being advanced (the view's `quarter`), so that a second press cannot skip the next",
        ));
    }
    let mut switches = Vec::new();
    for (name, &x) in &c.barriers {
        let kind = BarrierKind::from_name(name).ok_or_else(|| {
            let names: Vec<_> = BarrierKind::ALL.iter().map(|k| k.name()).collect();
            bad(format!(
                "barriers: no barrier `{name}`; barriers: {}",
                names.join(", ")
            ))
        })?;
        if !limits::STRENGTH.contains(x) {
            return Err(bad(format!(
                "barriers.{name}: must be between 0 and 1, not {x}"
            )));
        }
        switches.push((Some(kind), x as f32));
    }
    if let Some(x) = c.leadership {
        if !limits::WHOLE_SYSTEMS_WEIGHT.contains(x) {
            return Err(bad(format!("leadership: must be between 0 and 1, not {x}")));
        }
        switches.push((None, x as f32));
    }
    let now = app.now();
    let c2 = cell.clone();
    let quarter = c.quarter;
    let done = tokio::task::spawn_blocking(move || -> Result<(), Refused> {
        let mut room = c2.room();
        member_of(&room, &t)?;
        if t != room.facilitator {
            return Err(Refused(
                StatusCode::FORBIDDEN,
                "only the facilitator paces the room".into(),
            ));
        }
        // Every check before anything changes: a refused request changes nothing.
        if let Some(q) = quarter {
            if room.phase == Phase::Deciding && q != room.quarter {
                return Err(Refusal::Conflict(format!(
                    "quarter: quarter {q} has already run; quarter {} is being decided",
                    room.quarter
                ))
                .into());
            }
        }
        match (action.as_str(), room.phase) {
            ("start", p) if p != Phase::Lobby => {
                return Err(Refusal::Conflict("the room has already started".into()).into())
            }
            ("advance", p) if p != Phase::Deciding => {
                return Err(Refusal::Conflict("no quarter is open to advance".into()).into())
            }
            (_, Phase::Finished) if !switches.is_empty() => {
                return Err(Refusal::Conflict("the room has finished".into()).into())
            }
            _ => {}
        }
        for (kind, x) in switches {
            room.switch(kind, x)?;
        }
        match action.as_str() {
            "start" => room.start(now)?,
            "pause" => room.pause(now),
            "resume" => room.resume(now),
            "advance" => room.run_quarter(now),
            "end" => room.finish(),
            _ => {}
        }
        Ok(())
    })
    .await
    .map_err(|e| bad(format!("the room failed: {e}")))?;
    done?;
    let room = cell.room();
    let t = room.facilitator.clone();
    let mut v = view::build(&room, &t, now);
    v.join_hosts = app.config.join_hosts.clone();
    Ok(Json(v).into_response())
}

/// Close a room (the facilitator only): its members' tokens stop working.
async fn close(
    State(app): State<Shared>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    let cell = app.cell(&code)?;
    let t = token_of(&headers, &HashMap::new())?;
    {
        let room = cell.room();
        member_of(&room, &t)?;
        if t != room.facilitator {
            return Err(Refused(
                StatusCode::FORBIDDEN,
                "only the facilitator closes the room".into(),
            ));
        }
    }
    app.rooms().remove(&code.to_ascii_uppercase());
    cell.closed.store(true, Ordering::Relaxed);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The debrief, once a quarter has run.
async fn debrief(
    State(app): State<Shared>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    member_download(&app, &code, &headers, &query, |room| {
        (
            "text/html; charset=utf-8",
            format!("placesim-debrief-{}.html", room.code.to_lowercase()),
            crate::debrief::html(room),
        )
    })
}

/// The room's decisions as a scenario schedule, once a quarter has run.
async fn schedule(
    State(app): State<Shared>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    member_download(&app, &code, &headers, &query, |room| {
        (
            "application/toml; charset=utf-8",
            format!("room-{}.toml", room.code.to_lowercase()),
            room.schedule_toml(),
        )
    })
}

/// A file for any member of the room, once a quarter has run: `make` gives
/// its content type, file name and text.
fn member_download(
    app: &Rooms,
    code: &str,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    make: impl FnOnce(&Room) -> (&'static str, String, String),
) -> Result<Response, Refused> {
    let cell = app.cell(code)?;
    let t = token_of(headers, query)?;
    let room = cell.room();
    member_of(&room, &t)?;
    if room.quarters_run() == 0 {
        return Err(Refusal::Conflict("no quarter has run yet: nothing to download".into()).into());
    }
    let (kind, name, body) = make(&room);
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
