//! The HTTP surface: the embedded page, sessions, controls and frames.
//!
//! Every request body is read as bytes (at most 16 KiB) and parsed here, so
//! that any malformed or out-of-range value gets `400` with a message naming
//! the field and what is allowed; unknown sessions get `404`; a full server
//! gets `503`. Frames go out over Server-Sent Events from a `watch` channel:
//! a slow client skips to the latest frame and never holds anyone up.

use crate::frame::{self, Frame};
use crate::http::{json_body, page};
use crate::script;
use crate::session::{Live, Setup};
use crate::{Config, SESSION_POPULATION};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use placesim_core::limits::{self, Bounds};
use placesim_core::params::BarrierKind;
use placesim_core::Params;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;
use tokio_stream::StreamExt;

const INDEX: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");
/// Weeks of each series sent in a frame; the page fetches `history` to fill gaps.
pub const FRAME_TAIL: usize = 52;
/// Most weeks a session advances in one frame interval.
const MAX_WEEKS_PER_FRAME: u32 = 50;
pub const MAX_SPEED: f64 = 500.0;

/// A browser tab's two worlds, with the channel its frames go out on.
pub struct Session {
    live: Mutex<Live>,
    frames: watch::Sender<Arc<String>>,
    /// Milliseconds since the server started at the last sign of life.
    last_seen: AtomicU64,
    closed: AtomicBool,
}

impl Session {
    /// The worlds, even if a panic elsewhere poisoned the lock (the state is
    /// plain data and stays usable).
    fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct AppState {
    config: Config,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    started: Instant,
    next_id: AtomicU64,
}

type Shared = Arc<AppState>;

impl AppState {
    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
    fn session(&self, id: &str) -> Result<Arc<Session>, ApiError> {
        let s = self.sessions().get(id).cloned().ok_or_else(|| {
            ApiError::NotFound(format!("no session `{id}` (it may have expired)"))
        })?;
        s.last_seen.store(self.now(), Ordering::Relaxed);
        Ok(s)
    }
}

/// An error the client caused (or a full server), as an HTTP status and a message.
#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    NotFound(String),
    Full(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            ApiError::Full(m) => (StatusCode::SERVICE_UNAVAILABLE, m),
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::BadRequest(m.into())
}

/// The router, with a background task that drops idle sessions.
pub fn app(config: Config) -> Router {
    let allowed = Arc::new(config.allowed_hosts.clone());
    let rooms = crate::workshop::routes(config.clone());
    let state = Arc::new(AppState {
        config,
        sessions: Mutex::new(HashMap::new()),
        started: Instant::now(),
        next_id: AtomicU64::new(1),
    });
    tokio::spawn(reap_idle(Arc::downgrade(&state)));
    Router::new()
        .route(
            "/",
            get(|| async { page(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/app.js",
            get(|| async { page(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/app.css",
            get(|| async { page(APP_CSS, "text/css; charset=utf-8") }),
        )
        .route("/api/presets", get(presets))
        .route("/api/script", get(guided_script))
        .route("/api/sessions", post(create_session))
        .route(
            "/api/sessions/{id}",
            get(current_frame).delete(delete_session),
        )
        .route("/api/sessions/{id}/frames", get(frames))
        .route("/api/sessions/{id}/control", post(control))
        .route("/api/sessions/{id}/worlds/{world}/settings", post(settings))
        .route("/api/sessions/{id}/worlds/{world}/follow", post(follow))
        .route("/api/sessions/{id}/worlds/{world}/journey", get(journey))
        .route("/api/sessions/{id}/worlds/{world}/history", get(history))
        .route(
            "/api/sessions/{id}/worlds/{world}/timeseries.csv",
            get(timeseries_csv),
        )
        .with_state(state)
        .merge(rooms)
        .fallback(|| async { ApiError::NotFound("no such page".into()) })
        .layer(DefaultBodyLimit::max(16 * 1024))
        .layer(axum::middleware::from_fn_with_state(
            allowed,
            crate::guard::guard,
        ))
}

async fn presets() -> Response {
    let list: Vec<_> = placesim_scenario::presets::SCENARIOS
        .iter()
        .map(|p| serde_json::json!({ "name": p.stem(), "summary": p.summary() }))
        .collect();
    Json(list).into_response()
}

async fn guided_script() -> Result<Response, ApiError> {
    // The script is embedded and checked by a unit test; a failure here is a build defect.
    let steps = script::steps().map_err(ApiError::NotFound)?;
    Ok(Json(steps).into_response())
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, ApiError> {
    json_body(body).map_err(ApiError::BadRequest)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewSession {
    preset: Option<String>,
    seed: Option<u64>,
    population: Option<u32>,
}

impl NewSession {
    /// The setup asked for, with defaults, and the scenario's parameters.
    fn resolve(
        self,
        config: &Config,
        fallback: Option<&Setup>,
    ) -> Result<(Setup, Params), ApiError> {
        let preset = self
            .preset
            .or_else(|| fallback.map(|f| f.preset.clone()))
            .unwrap_or_else(|| config.default_scenario.0.clone());
        let seed = self.seed.or(fallback.map(|f| f.seed)).unwrap_or(1);
        let population = self
            .population
            .or(fallback.map(|f| f.population))
            .unwrap_or(2_000);
        let allowed = Bounds::new(SESSION_POPULATION.min, config.max_population);
        if !allowed.contains(population) {
            return Err(bad(format!(
                "population: must be between {} and {} citizens, not {population}",
                allowed.min, allowed.max
            )));
        }
        let mut params = if preset == config.default_scenario.0 {
            config.default_scenario.1.clone()
        } else {
            placesim_scenario::preset_as("preset", &preset, &[])
                .map_err(|e| bad(e.to_string()))?
                .params
        };
        params.place.seed = seed;
        params.place.population = population;
        params.place.weeks = crate::session::MAX_WEEKS;
        Ok((
            Setup {
                preset,
                seed,
                population,
            },
            params,
        ))
    }
}

async fn create_session(State(app): State<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let (setup, params) = parse::<NewSession>(&body)?.resolve(&app.config, None)?;
    if app.sessions().len() >= app.config.max_sessions {
        return Err(ApiError::Full(format!(
            "the server already runs {} sessions, its limit; close a tab or try later",
            app.config.max_sessions
        )));
    }
    let live = tokio::task::spawn_blocking(move || Live::new(setup, params))
        .await
        .map_err(|e| bad(format!("could not build the place: {e}")))?;
    let first = Arc::new(to_json(&frame::build(&live, FRAME_TAIL)));
    let (tx, _) = watch::channel(first.clone());
    let session = Arc::new(Session {
        live: Mutex::new(live),
        frames: tx,
        last_seen: AtomicU64::new(app.now()),
        closed: AtomicBool::new(false),
    });
    let id = {
        let mut sessions = app.sessions();
        if sessions.len() >= app.config.max_sessions {
            return Err(ApiError::Full("the server is full; try later".into()));
        }
        let n = app.next_id.fetch_add(1, Ordering::Relaxed);
        // Not a secret: sessions are local and unauthenticated by design.
        let id = format!(
            "s{n:x}{:08x}",
            (app.started.elapsed().as_nanos() as u32).rotate_left(n as u32 % 31)
        );
        sessions.insert(id.clone(), session.clone());
        id
    };
    tokio::spawn(run_clock(session, app.config.frame_interval));
    let body = format!("{{\"id\":\"{id}\",\"frame\":{first}}}");
    Ok((
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

fn to_json(frame: &Frame) -> String {
    serde_json::to_string(frame).expect("a frame is plain data")
}

/// Step a session's worlds in real time and publish a frame whenever something changed.
async fn run_clock(session: Arc<Session>, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = Instant::now();
    let mut sent = 0u64;
    loop {
        ticker.tick().await;
        if session.closed.load(Ordering::Relaxed) {
            return;
        }
        let dt = last.elapsed().as_secs_f64();
        last = Instant::now();
        // Paused: nothing to step (controls publish their own frames).
        if !session.live().playing {
            continue;
        }
        let s = session.clone();
        let frame = tokio::task::spawn_blocking(move || {
            let mut live = s.live();
            live.advance(dt, MAX_WEEKS_PER_FRAME);
            (live.version != sent)
                .then(|| (live.version, to_json(&frame::build(&live, FRAME_TAIL))))
        })
        .await;
        match frame {
            Ok(Some((version, json))) => {
                sent = version;
                session.frames.send_replace(Arc::new(json));
            }
            Ok(None) => {}
            Err(_) => return, // the worlds panicked: stop this session's clock only
        }
    }
}

/// Drop sessions idle for longer than the timeout (no request, no open stream).
async fn reap_idle(app: std::sync::Weak<AppState>) {
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
        let now = app.now();
        let timeout = app.config.idle_timeout.as_millis() as u64;
        app.sessions().retain(|_, s| {
            let watched = s.frames.receiver_count() > 0;
            if watched {
                s.last_seen.store(now, Ordering::Relaxed);
            }
            let keep = now.saturating_sub(s.last_seen.load(Ordering::Relaxed)) < timeout;
            if !keep {
                s.closed.store(true, Ordering::Relaxed);
            }
            keep
        });
    }
}

async fn delete_session(
    State(app): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let s = app
        .sessions()
        .remove(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no session `{id}`")))?;
    s.closed.store(true, Ordering::Relaxed);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn current_frame(
    State(app): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let s = app.session(&id)?;
    let json = s.frames.borrow().clone();
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
        .into_response())
}

async fn frames(State(app): State<Shared>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let s = app.session(&id)?;
    let stream = WatchStream::new(s.frames.subscribe()).map(|json| {
        Ok::<_, std::convert::Infallible>(Event::default().event("frame").data(json.as_str()))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Control {
    action: Option<String>,
    speed: Option<f64>,
    preset: Option<String>,
    seed: Option<u64>,
    population: Option<u32>,
}

async fn control(
    State(app): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let s = app.session(&id)?;
    let c: Control = parse(&body)?;
    if let Some(speed) = c.speed {
        if !(speed.is_finite() && (1.0..=MAX_SPEED).contains(&speed)) {
            return Err(bad(format!(
                "speed: must be between 1 and {MAX_SPEED} weeks per second, not {speed}"
            )));
        }
    }
    let action = c.action.as_deref().unwrap_or("none");
    let restart = c.preset.is_some() || c.seed.is_some() || c.population.is_some();
    if restart && action != "reset" {
        return Err(bad(
            "preset, seed and population can only be given with action `reset`",
        ));
    }
    let fresh = if action == "reset" {
        let current = s.live().setup.clone();
        let asked = NewSession {
            preset: c.preset,
            seed: c.seed,
            population: c.population,
        };
        let (setup, params) = asked.resolve(&app.config, Some(&current))?;
        Some(
            tokio::task::spawn_blocking(move || Live::new(setup, params))
                .await
                .map_err(|e| bad(format!("could not build the place: {e}")))?,
        )
    } else {
        None
    };
    let frame = {
        let mut live = s.live();
        match action {
            "play" => live.playing = true,
            "pause" => live.playing = false,
            "step" => {
                live.playing = false;
                live.step();
            }
            "reset" => live.restart(fresh.expect("built above for reset")),
            "none" => {}
            other => {
                return Err(bad(format!(
                    "action: must be one of play, pause, step, reset, not `{other}`"
                )))
            }
        }
        if let Some(speed) = c.speed {
            live.speed = speed;
        }
        live.version += 1;
        publish(&s, &live)
    };
    Ok(frame)
}

/// Send the session's frame to its stream now, and answer the request with it.
fn publish(s: &Session, live: &Live) -> Response {
    let frame = Arc::new(to_json(&frame::build(live, FRAME_TAIL)));
    s.frames.send_replace(frame.clone());
    (
        [(header::CONTENT_TYPE, "application/json")],
        frame.to_string(),
    )
        .into_response()
}

fn world_index(world: &str) -> Result<usize, ApiError> {
    match world {
        "0" | "a" | "A" => Ok(0),
        "1" | "b" | "B" => Ok(1),
        other => Err(bad(format!(
            "world: must be 0 or 1 (or a or b), not `{other}`"
        ))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Barrier strengths to set, by barrier name.
    #[serde(default)]
    barriers: HashMap<String, f64>,
    leadership: Option<f64>,
}

fn within(field: &str, x: f64, bounds: Bounds<f64>) -> Result<f32, ApiError> {
    if bounds.contains(x) {
        Ok(x as f32)
    } else {
        Err(bad(format!(
            "{field}: must be between {} and {}, not {x}",
            bounds.min, bounds.max
        )))
    }
}

async fn settings(
    State(app): State<Shared>,
    Path((id, world)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let s = app.session(&id)?;
    let w = world_index(&world)?;
    let asked: Settings = parse(&body)?;
    let mut changes = Vec::new();
    for (name, &strength) in &asked.barriers {
        let kind = BarrierKind::from_name(name).ok_or_else(|| {
            let names: Vec<_> = BarrierKind::ALL.iter().map(|k| k.name()).collect();
            bad(format!(
                "barriers: no barrier `{name}`; barriers: {}",
                names.join(", ")
            ))
        })?;
        let field = format!("barriers.{name}");
        changes.push((kind, within(&field, strength, limits::STRENGTH)?));
    }
    let leadership = asked
        .leadership
        .map(|x| within("leadership", x, limits::WHOLE_SYSTEMS_WEIGHT))
        .transpose()?;
    let mut live = s.live();
    for (kind, strength) in changes {
        live.set_barrier(w, kind, strength);
    }
    if let Some(x) = leadership {
        live.set_leadership(w, x);
    }
    Ok(publish(&s, &live))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Follow {
    citizen: u32,
}

async fn follow(
    State(app): State<Shared>,
    Path((id, world)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let s = app.session(&id)?;
    let w = world_index(&world)?;
    let f: Follow = parse(&body)?;
    let mut live = s.live();
    let population = live.panes[w].world().citizens().len() as u32;
    if f.citizen >= population {
        return Err(bad(format!(
            "citizen: must be below {population}, not {}",
            f.citizen
        )));
    }
    live.panes[w].follow(f.citizen);
    live.version += 1;
    Ok(Json(live.panes[w].journey.clone()).into_response())
}

/// Read one world of a session.
fn with_pane<R>(
    app: &AppState,
    id: &str,
    world: &str,
    read: impl FnOnce(&crate::session::Pane) -> R,
) -> Result<R, ApiError> {
    let s = app.session(id)?;
    let w = world_index(world)?;
    let live = s.live();
    Ok(read(&live.panes[w]))
}

async fn journey(
    State(app): State<Shared>,
    Path((id, world)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(with_pane(&app, &id, &world, |p| p.journey.clone())?).into_response())
}

async fn history(
    State(app): State<Shared>,
    Path((id, world)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let series = with_pane(&app, &id, &world, |p| crate::frame::series(p, usize::MAX))?;
    Ok(Json(series).into_response())
}

/// The run so far as `timeseries.csv`, the same columns as `placesim run` writes.
async fn timeseries_csv(
    State(app): State<Shared>,
    Path((id, world)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let w = world_index(&world)?;
    let rows = with_pane(&app, &id, &world, |p| p.rows.clone())?;
    let mut out = csv::Writer::from_writer(Vec::new());
    for row in &rows {
        out.serialize(row).map_err(|e| bad(format!("csv: {e}")))?;
    }
    let bytes = out.into_inner().map_err(|e| bad(format!("csv: {e}")))?;
    let name = format!(
        "attachment; filename=\"placesim-world-{}.csv\"",
        ["a", "b"][w]
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}
