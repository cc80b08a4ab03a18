// placesim workshop: the page for the facilitator, the teams and observers.
// Plain JavaScript, no libraries, works offline. The room's state lives on
// the server; this page polls its member's view every second.
"use strict";

const POLL_MS = 1000;
const STORE = "placesim-workshop";

// The three worlds, in the server's order: the room's place, the ghost place
// (the same place, every agency on the model's own rule) and total place.
const WORLDS = [
  { name: "room's place", colour: "#c0392b", width: 3.5, dash: [] },
  { name: "ghost place", colour: "#5d6d7e", width: 2.5, dash: [10, 6] },
  { name: "total place", colour: "#2471a3", width: 2.5, dash: [] },
];

// Levers as people say them, with what moving them does.
const LEVERS = {
  eligibility_threshold: ["Eligibility threshold", "how much need a case must have to be taken on (higher: fewer taken on)"],
  prevention_capacity_share: ["Prevention share", "share of capacity kept for early help below the threshold"],
  intensity: ["Intensity", "work, cost and effect of each case (1: the usual)"],
  complexity_cap: ["Complexity cap", "most other high needs a case may have before it is parked"],
  referral_propensity: ["Referral propensity", "chance a need outside your remit is referred on"],
};
const LEVER_SHORT = ["threshold", "prevention", "intensity", "cap", "referral"];

const BARRIERS = {
  ring_fenced_budgets: "Ring-fenced budgets",
  function_bound_targets: "Function-bound targets",
  professional_boundaries: "Professional boundaries",
  organisational_frameworks: "Organisational frameworks",
  frontline_burden: "Frontline burden",
};

// Short agency names for the diagram and the log (a projector has little room).
const SHORT = {
  acute: "A&E",
  gp: "GP",
  mental_health: "Mental health",
  social_care: "Social care",
  housing: "Housing",
  job_centre: "Job centre",
  police: "Police",
  voluntary: "Voluntary",
};

const state = {
  room: null, // {code, token, role} as kept in sessionStorage
  view: null, // the last view received
  etag: null,
  countdown: null, // {left, at}: seconds left when the view came, and when
  frozen: null, // seconds left when the room was paused
  raw: false, // charts show each week instead of the rolling quarter
  // Where the sliders started (`from`, and `basis` with the quarter), and
  // whether this member moved them since (`dirty`, and which: `touched`).
  levers: { basis: null, dirty: false, touched: new Set(), from: null },
  pollTimer: null,
  polling: false, // a poll is under way
  pollAgain: false, // and another was asked for meanwhile
  endArmed: 0, // when "End" was pressed once (it asks to be pressed again)
};

const $ = (id) => document.getElementById(id);

// The status line: errors stay until the next action; good news fades.
function status(message, ok) {
  const s = $("status");
  s.textContent = message || "";
  s.className = ok ? "ok" : "";
  clearTimeout(status.fade);
  if (ok && message) status.fade = setTimeout(() => { if (s.textContent === message) status(""); }, 8000);
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function short(id, name) {
  return SHORT[id] || name || id;
}

// ---------------------------------------------------------------- the server

// A request to the API; throws an Error with the server's message (and its
// HTTP status as `.status`) when refused.
async function api(path, method = "GET", body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.room) headers["x-room-token"] = state.room.token;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!res.ok) {
    const err = new Error((data && data.error) || `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

// A decision id unique to this submission (crypto.randomUUID needs a secure
// context, which a room served on the local network is not).
function decisionId() {
  if (window.crypto && crypto.randomUUID) {
    try { return crypto.randomUUID(); } catch (e) { /* not a secure context */ }
  }
  const b = new Uint8Array(12);
  if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(b);
  else for (let i = 0; i < b.length; i++) b[i] = Math.floor(Math.random() * 256);
  return Date.now().toString(36) + "-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------- landing

function saveRoom(room) {
  state.room = room;
  try { sessionStorage.setItem(STORE, JSON.stringify(room)); } catch (e) { /* private mode: a reload forgets */ }
}

function storedRoom() {
  try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
}

function forgetRoom() {
  try { sessionStorage.removeItem(STORE); } catch (e) { /* nothing kept */ }
}

// Fill the seat list with the room's seats (its place's adaptive agencies).
async function listSeats() {
  const code = $("join-code").value.trim().toUpperCase();
  if (code.length !== 4) return;
  let seats;
  try {
    seats = await api(`/api/rooms/${code}/seats`);
  } catch (e) {
    return; // no such room yet: the join will say so
  }
  const select = $("join-seat");
  const kept = select.value;
  for (const o of [...select.options]) if (o.value && o.value !== "observe") o.remove();
  const observe = select.querySelector('option[value="observe"]');
  for (const seat of seats) {
    const o = document.createElement("option");
    o.value = seat.agency;
    o.textContent = seat.name;
    select.insertBefore(o, observe);
  }
  if ([...select.options].some((o) => o.value === kept)) select.value = kept;
}

async function start() {
  const asked = (new URLSearchParams(location.search).get("code") || "").trim().toUpperCase();
  const kept = storedRoom();
  if (kept && kept.code && kept.token && (!asked || asked === kept.code)) {
    enterRoom(kept);
  } else {
    showLanding();
  }
  if (asked) $("join-code").value = asked;
  // The seats are the room's place's own: listed once the code is typed.
  $("join-code").addEventListener("input", listSeats);
  if (asked) listSeats();
  $("create-form").addEventListener("submit", createRoom);
  $("join-form").addEventListener("submit", joinRoom);
  $("leave").addEventListener("click", askToLeave);
  wireRoom();
  try {
    const presets = await api("/api/presets");
    for (const p of presets) {
      const o = document.createElement("option");
      o.value = p.name;
      o.textContent = p.name;
      o.title = p.summary;
      $("scenario").appendChild(o);
    }
  } catch (e) {
    status(`could not list the places: ${e.message}`);
  }
}

function showLanding() {
  document.body.className = "landing";
  $("landing").hidden = false;
  $("room").hidden = true;
  $("leave").hidden = true;
  $("whoami").textContent = "";
  document.title = "placesim workshop";
}

function number(id) {
  const v = $(id).value.trim();
  return v === "" ? undefined : Number(v);
}

async function createRoom(e) {
  e.preventDefault();
  const body = {};
  if ($("scenario").value) body.scenario = $("scenario").value;
  const fields = [["seed", "seed"], ["population", "population"], ["quarters", "quarters"],
    ["decision_seconds", "decision-seconds"], ["team_size", "team-size"]];
  for (const [key, id] of fields) {
    const v = number(id);
    if (v !== undefined) body[key] = v;
  }
  $("create").disabled = true;
  status("Building the place (a few seconds)…", true);
  try {
    state.room = null;
    const made = await api("/api/rooms", "POST", body);
    enterRoom({ code: made.code, token: made.token, role: "facilitator" });
    status("");
  } catch (err) {
    status(err.message);
  } finally {
    $("create").disabled = false;
  }
}

async function joinRoom(e) {
  e.preventDefault();
  const code = $("join-code").value.trim().toUpperCase();
  const name = $("join-name").value.trim();
  if (!code) { status("Give the room's code (on the facilitator's screen)."); return; }
  if (!name) { status("Give your name, so your team knows who decided."); return; }
  const body = { name };
  if ($("join-seat").value) body.seat = $("join-seat").value;
  $("join").disabled = true;
  try {
    state.room = null;
    const joined = await api(`/api/rooms/${encodeURIComponent(code)}/join`, "POST", body);
    enterRoom({ code: joined.code, token: joined.token, role: joined.seat ? "participant" : "observer" });
    status("");
  } catch (err) {
    status(err.message);
  } finally {
    $("join").disabled = false;
  }
}

// Leave on this browser. The facilitator's token is the only key to the
// room's controls, so the facilitator is asked first.
function askToLeave() {
  if (state.room && state.room.role === "facilitator" &&
      !window.confirm("Leave the room? This browser forgets the facilitator's key: nobody can pace the room after.")) return;
  leaveRoom();
}

function leaveRoom() {
  stopPolling();
  forgetRoom();
  state.room = null;
  state.view = null;
  state.etag = null;
  showLanding();
}

// ---------------------------------------------------------------- the room

function enterRoom(room) {
  saveRoom(room);
  state.view = null;
  state.etag = null;
  state.levers = { basis: null, dirty: false, touched: new Set(), from: null };
  $("landing").hidden = true;
  $("room").hidden = false;
  $("leave").hidden = false;
  document.body.className = room.role === "facilitator" ? "facilitator" : "member";
  $("room-code").textContent = room.code;
  $("join-address").textContent = `${location.host}/workshop`; // until the first view says better
  document.title = `placesim workshop — room ${room.code}`;
  if (history.replaceState) history.replaceState(null, "", `/workshop?code=${room.code}`);
  stopPolling();
  poll();
}

function stopPolling() {
  if (state.pollTimer) clearTimeout(state.pollTimer);
  state.pollTimer = null;
}

// Fetch the view (204 while nothing changed), then again in a second. One
// poll at a time: asked while one is under way, the next follows at once.
async function poll() {
  if (state.polling) { state.pollAgain = true; return; }
  stopPolling();
  const room = state.room;
  if (!room) return;
  state.polling = true;
  try {
    await fetchView(room);
  } finally {
    state.polling = false;
  }
  if (!state.room) return; // left, or the room closed
  const soon = state.pollAgain || state.room !== room;
  state.pollAgain = false;
  // A finished room changes no more: stop asking, so that it can close when idle.
  if (!soon && state.view && state.view.phase === "finished") return;
  state.pollTimer = setTimeout(poll, soon ? 0 : POLL_MS);
}

async function fetchView(room) {
  const since = state.etag ? `?since=${encodeURIComponent(state.etag)}` : "";
  try {
    const view = await api(`/api/rooms/${room.code}/view${since}`);
    if (state.room !== room) return; // left meanwhile
    if (view) receive(view);
    if ($("status").dataset.lost) { status(""); delete $("status").dataset.lost; }
  } catch (err) {
    if (state.room !== room) return;
    if (err.status === 404 || err.status === 403) {
      // The room closed (idle, or the server restarted), or this token is not in it.
      leaveRoom();
      status(err.message);
      return;
    }
    status(`lost the server (${err.message}); retrying…`);
    $("status").dataset.lost = "1";
  }
}

// A view from a poll or from a control's answer. An older one than already
// shown (a poll answered before a control landed) is stale.
function receive(view) {
  if (state.view && view.version < state.view.version) return;
  const before = state.view;
  state.view = view;
  state.etag = view.etag;
  const hasLeft = view.seconds_left !== null && view.seconds_left !== undefined;
  if (hasLeft && view.paused) {
    // Paused: the seconds left stand still until the facilitator resumes.
    state.frozen = view.seconds_left;
    state.countdown = null;
  } else if (hasLeft) {
    state.countdown = { left: view.seconds_left, at: Date.now() };
    state.frozen = null;
  } else {
    if (view.paused && state.countdown && state.frozen === null) state.frozen = secondsLeft();
    if (!view.paused) state.frozen = null;
    state.countdown = null;
  }
  const role = view.role === "facilitator" ? "facilitator" : view.desk ? "participant" : "observer";
  if (state.room.role !== role) saveRoom({ ...state.room, role });
  document.body.className = role === "facilitator" ? "facilitator" : "member";
  renderTop(view, role);
  $("desk").hidden = role !== "participant";
  $("place").hidden = role === "participant";
  if (role === "participant") renderDesk(view, before);
  else renderPlace(view);
}

function secondsLeft() {
  if (!state.countdown) return null;
  return Math.max(0, state.countdown.left - Math.floor((Date.now() - state.countdown.at) / 1000));
}

function clockText(s) {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// Between polls the countdown ticks here.
function tick() {
  const v = state.view;
  const el = $("countdown");
  if (!v) { el.textContent = ""; return; }
  const s = secondsLeft();
  if (v.phase === "deciding" && s !== null) {
    el.textContent = clockText(s);
    el.className = s <= 10 ? "urgent" : "";
  } else if (v.phase === "deciding" && v.paused) {
    el.textContent = state.frozen !== null ? clockText(state.frozen) : "";
    el.className = "paused";
  } else {
    el.textContent = "";
    el.className = "";
  }
  if (state.endArmed && Date.now() - state.endArmed > 5000) disarmEnd();
}

const PHASES = { lobby: "waiting to start", deciding: "deciding", finished: "finished" };

function renderTop(v, role) {
  const paused = v.phase === "deciding" && v.paused;
  $("phase").textContent = paused ? "paused" : PHASES[v.phase] || v.phase;
  $("phase").dataset.phase = paused ? "paused" : v.phase;
  // Finished: the last quarter run (the room may have ended early).
  $("quarter").textContent = v.phase === "finished" ? v.quarters_run : Math.min(v.quarter, v.quarters);
  $("quarter-of").textContent = v.quarters;
  $("quarters-run").textContent = v.quarters_run;
  const who = role === "facilitator" ? "facilitator" : role === "observer" ? `${v.me || ""} (observing)` : v.me || "";
  // Participants cannot use a loopback address: show the room's network name.
  const loopback = ["127.0.0.1", "localhost", "[::1]", "::1"].includes(location.hostname);
  if (loopback && v.join_hosts && v.join_hosts.length) {
    const port = location.port ? `:${location.port}` : "";
    $("join-address").textContent = v.join_hosts.map((h) => `${h}${port}/workshop`).join("  or  ");
    $("join-address").title = "";
  } else if (loopback) {
    $("join-address").textContent = `${location.host}/workshop`;
    $("join-address").title = "This address works on this machine only: serve with --bind 0.0.0.0 so that participants' devices can join.";
    $("join-address").classList.add("local-only");
  }
  $("whoami").textContent = `Room ${v.code} · ${who}`;
  tick();

  // Downloads: the facilitator's once a quarter has run; everyone's at the end.
  const ready = v.quarters_run > 0 && (role === "facilitator" || v.phase === "finished");
  $("downloads").hidden = !ready;
  // A quiet link in the bar while the room runs; a banner once it has finished.
  const over = v.phase === "finished";
  $("downloads").classList.toggle("prominent", over);
  const home = over ? $("subbar") : $("bar-downloads");
  if ($("downloads").parentNode !== home) home.appendChild($("downloads"));
  // No token in a link: it would show on the projector when hovered.
  // `download` sends it as a header.
  $("debrief-link").href = `/api/rooms/${v.code}/debrief.html`;
  $("debrief-link").dataset.name = `placesim-debrief-${v.code.toLowerCase()}.html`;
  $("schedule-link").href = `/api/rooms/${v.code}/schedule.toml`;
  $("schedule-link").dataset.name = `room-${v.code.toLowerCase()}.toml`;
  $("finished-note").textContent = v.phase === "finished"
    ? `The room has finished after ${v.quarters_run} quarter${v.quarters_run === 1 ? "" : "s"}. Download:`
    : "Download:";

  if (role === "facilitator") {
    // Only the buttons that can act now, so the projector shows no dead controls.
    $("start").hidden = v.phase !== "lobby";
    $("pause").hidden = v.phase !== "deciding";
    $("advance").hidden = v.phase !== "deciding";
    $("controls").hidden = v.phase === "finished";
    $("start").disabled = v.phase !== "lobby";
    $("pause").disabled = v.phase !== "deciding";
    $("pause").textContent = v.paused ? "Resume" : "Pause";
    $("advance").disabled = v.phase !== "deciding";
    $("end").disabled = v.phase === "finished";
  }
}

// ---------------------------------------------------------------- a team's desk

function renderDesk(v, before) {
  const d = v.desk;
  $("desk").dataset.agency = d.agency;
  $("desk-agency").textContent = d.name;
  $("desk-team").textContent = d.team.join(", ");
  const open = v.phase === "deciding";
  let line;
  if (v.phase === "lobby") line = "Waiting for the facilitator to start the room.";
  else if (v.phase === "finished") line = "The room has finished: the debrief is ready to download.";
  else if (d.pending) line = `✓ Decided for quarter ${v.quarter} by ${d.pending[0]}. You can change it until the quarter runs.`;
  else line = `Your team has not decided for quarter ${v.quarter} yet.`;
  $("decided").textContent = line;
  $("decided").classList.toggle("yes", open && !!d.pending);
  $("decided").classList.toggle("no", open && !d.pending);
  drawLevers(v, d);
  $("decide").disabled = !open;
  $("decide").textContent = open ? `Decide for quarter ${v.quarter}` : "Decide";
  drawDeskTable(d);
  $("kpi-text").textContent = `Your KPI: ${d.kpi}`;
  $("desk-avoided").textContent = signed(v.avoided[0]);
  drawWorldChart($("chart-desk-crises"), v, "crises", "Crisis episodes a week (rolling quarter)", [0, 1], false);
  if (before && before.quarters_run !== v.quarters_run) status(`Quarter ${v.quarters_run} has run.`, true);
}

// The sliders start at the team's decision this quarter, else at the levers
// in force; they follow the team until this member moves one.
function drawLevers(v, d) {
  const box = $("levers");
  if (box.dataset.agency !== d.agency) {
    box.innerHTML = "";
    d.lever_names.forEach((name, l) => {
      const [label, help] = LEVERS[name] || [name, ""];
      const [lo, hi] = d.ranges[l];
      const row = document.createElement("div");
      row.className = "lever";
      row.innerHTML =
        `<label for="lever-${name}" title="${esc(help)}"><span>${esc(label)} <span class="now" id="lever-${name}-now"></span></span>` +
        `<output id="lever-${name}-out"></output></label>` +
        `<div class="slider"><span>${lo}</span><input type="range" id="lever-${name}" min="${lo}" max="${hi}" step="0.01"><span>${hi}</span></div>` +
        `<span class="help">${esc(help)}</span>`;
      box.appendChild(row);
      const input = row.querySelector("input");
      input.addEventListener("input", () => {
        state.levers.dirty = true;
        state.levers.touched.add(name);
        $(`lever-${name}-out`).textContent = Number(input.value).toFixed(2);
      });
    });
    box.dataset.agency = d.agency;
  }
  const from = d.pending ? d.pending[1] : d.levers;
  const basis = JSON.stringify([v.quarter, from]);
  if (basis !== state.levers.basis) {
    if (!state.levers.dirty || state.levers.quarter !== v.quarter) {
      d.lever_names.forEach((name, l) => {
        $(`lever-${name}`).value = from[l];
        $(`lever-${name}-out`).textContent = Number(from[l]).toFixed(2);
      });
      state.levers.dirty = false;
      state.levers.touched = new Set();
      state.levers.from = from;
    }
    state.levers.basis = basis;
    state.levers.quarter = v.quarter;
  }
  d.lever_names.forEach((name, l) => {
    $(`lever-${name}-now`).textContent = `now ${d.levers[l].toFixed(2)}`;
    $(`lever-${name}`).disabled = v.phase !== "deciding";
  });
}

async function decide() {
  const v = state.view;
  if (!v || !v.desk) return;
  // Every lever as its slider shows it; but a lever in force outside its
  // range (a slider cannot show it) stays as it is unless it was moved.
  const levers = {};
  v.desk.lever_names.forEach((name, l) => {
    const [lo, hi] = v.desk.ranges[l];
    const base = (state.levers.from || v.desk.levers)[l];
    if (!state.levers.touched.has(name) && (base < lo || base > hi)) return;
    levers[name] = Math.round(Number($(`lever-${name}`).value) * 100) / 100;
  });
  $("decide").disabled = true;
  try {
    await api(`/api/rooms/${v.code}/decisions`, "POST", { quarter: v.quarter, agency: v.desk.agency, id: decisionId(), levers });
    state.levers.dirty = false;
    status(`Decision sent for quarter ${v.quarter}.`, true);
    poll();
  } catch (err) {
    status(err.message);
  } finally {
    $("decide").disabled = !state.view || state.view.phase !== "deciding";
  }
}

function drawDeskTable(d) {
  const head = '<tr><th>quarter</th><th>queue at end</th><th title="weeks; target ' + d.wait_target_weeks + '">wait (wk)</th>' +
    '<th title="referrals your agency made to others">referred on</th>' +
    '<th title="spend against a quarter of the year\'s allowance">spend (of allowance)</th><th>KPI</th>' +
    d.lever_names.map((name, l) => `<th title="${esc((LEVERS[name] || [name])[0])}">${LEVER_SHORT[l]}</th>`).join("") + "</tr>";
  const rows = d.quarters.slice().reverse().map((q) => {
    const used = q.spend / Math.max(1, q.allowance);
    return `<tr><td>${q.quarter}</td><td>${count(q.queue)}</td>` +
      `<td class="${q.wait_weeks > d.wait_target_weeks ? "over" : ""}">${q.wait_weeks.toFixed(1)}</td>` +
      `<td>${count(q.referrals_made)}</td>` +
      `<td class="${used > 1 ? "over" : ""}" title="${money(q.spend)} of ${money(q.allowance)}">${money(q.spend)} (${Math.round(100 * used)} %)</td>` +
      `<td>${q.kpi.toFixed(2)}</td>` + q.levers.map((x) => `<td>${x.toFixed(2)}</td>`).join("") + "</tr>";
  });
  $("desk-table").innerHTML = head + (rows.join("") ||
    `<tr><td colspan="11" class="empty">No quarter has run yet. Your wait target: ${d.wait_target_weeks} weeks.</td></tr>`);
}

// ---------------------------------------------------------------- the whole place

function renderPlace(v) {
  drawSeats(v);
  drawAvoided(v);
  drawPlaceCharts();
  drawFlows(v.flows);
  drawLog(v);
  if (v.role === "facilitator") drawBarriers(v);
}

function drawSeats(v) {
  const open = v.phase === "deciding";
  $("seats").innerHTML = v.seats.map((s) => {
    const staffed = s.team.length > 0;
    const mark = !open ? "" : s.decided ? '<span class="mark yes">decided ✓</span>'
      : staffed && s.present === 0 ? '<span class="mark none">away: the timer decides</span>'
      : staffed ? '<span class="mark no">deciding…</span>' : '<span class="mark none">model decides</span>';
    const team = staffed ? esc(s.team.join(", ")) : "<i>no team</i>";
    const here = staffed ? `<span class="here" title="${s.present} of ${s.team.length} team members here">${s.present}/${s.team.length} here</span>` : "";
    return `<div class="seat${open && s.decided ? " done" : ""}" id="seat-${esc(s.agency)}">` +
      `<div class="seat-name" title="${esc(s.name)}">${esc(short(s.agency, s.name))}</div><div class="seat-team">${team}</div>` +
      `<div class="seat-foot">${here}${mark}</div></div>`;
  }).join("");
  $("observers").textContent = v.observers.length ? `Observing: ${v.observers.join(", ")}` : "";
}

function signed(x) {
  const r = Math.round(x);
  return (r > 0 ? "+" : r < 0 ? "−" : "") + Math.abs(r).toLocaleString("en-GB");
}

function drawAvoided(v) {
  for (const [id, x] of [["avoided-ghost", v.avoided[0]], ["avoided-total", v.avoided[1]]]) {
    $(id).textContent = v.quarters_run ? signed(x) : "–";
    $(id).className = !v.quarters_run ? "" : Math.round(x) > 0 ? "good" : Math.round(x) < 0 ? "bad" : "";
  }
}

function drawPlaceCharts() {
  const v = state.view;
  if (!v || $("place").hidden) return;
  const how = state.raw ? "each week" : "rolling quarter";
  drawWorldChart($("chart-crises"), v, "crises", `Crisis episodes a week (${how})`, [0, 1, 2], state.raw);
  drawWorldChart($("chart-spend"), v, "spend", `Spend a week, £ (${how})`, [0, 1, 2], state.raw);
  $("smooth-toggle").textContent = state.raw ? "Show rolling quarter" : "Show each week";
  $("smooth-toggle").setAttribute("aria-pressed", String(state.raw));
}

function toggleRaw() {
  state.raw = !state.raw;
  drawPlaceCharts();
}

// Arrows from the agency that caused spend to the agency that paid; circles
// sized by the referrals each made last quarter.
function drawFlows(f) {
  const svg = $("flows");
  const n = f.agencies.length;
  const W = 600, H = 400, cx = W / 2, cy = H / 2 + 2, R = 135;
  const maxRef = Math.max(1, ...f.referrals);
  const pos = f.agencies.map((_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: cx + R * Math.cos(a), y: cy + R * Math.sin(a), a };
  });
  const radius = f.referrals.map((r) => 10 + 26 * Math.sqrt(r / maxRef));
  const arrows = [];
  f.shifted.forEach((row, payer) => row.forEach((pounds, cause) => {
    if (payer !== cause && pounds > 0) arrows.push({ payer, cause, pounds });
  }));
  arrows.sort((a, b) => b.pounds - a.pounds);
  const top = arrows.length ? arrows[0].pounds : 1;
  const shown = arrows.filter((a) => a.pounds >= 0.03 * top).slice(0, 14);
  let out = "";
  for (const a of shown.slice().reverse()) {
    const p = pos[a.cause], q = pos[a.payer];
    const w = 1.5 + 12 * a.pounds / top;
    // Bend each arrow to its right so that A→B and B→A stay apart.
    const mx = (p.x + q.x) / 2, my = (p.y + q.y) / 2;
    const dx = q.x - p.x, dy = q.y - p.y, len = Math.hypot(dx, dy) || 1;
    const bend = 0.18 * len;
    const c = { x: mx + (dy / len) * bend, y: my - (dx / len) * bend };
    const start = toward(p, c, radius[a.cause] + 2);
    const tip = toward(q, c, radius[a.payer] + 3);
    const head = Math.max(10, w * 1.6);
    const back = toward(tip, c, head);
    const ux = (tip.x - back.x) / head, uy = (tip.y - back.y) / head;
    const left = { x: back.x - uy * head * 0.6, y: back.y + ux * head * 0.6 };
    const right = { x: back.x + uy * head * 0.6, y: back.y - ux * head * 0.6 };
    const label = `${short(f.agencies[a.payer], f.names[a.payer])} paid ${money(a.pounds)} for ${short(f.agencies[a.cause], f.names[a.cause])}'s unresolved needs`;
    out += `<g class="arrow"><title>${esc(label)}</title>` +
      `<path d="M${start.x.toFixed(1)},${start.y.toFixed(1)} Q${c.x.toFixed(1)},${c.y.toFixed(1)} ${back.x.toFixed(1)},${back.y.toFixed(1)}" stroke-width="${w.toFixed(1)}"/>` +
      `<polygon points="${tip.x.toFixed(1)},${tip.y.toFixed(1)} ${left.x.toFixed(1)},${left.y.toFixed(1)} ${right.x.toFixed(1)},${right.y.toFixed(1)}"/></g>`;
  }
  f.agencies.forEach((id, i) => {
    const p = pos[i];
    const name = short(id, f.names[i]);
    const lx = cx + (R + radius[i] + 8) * Math.cos(p.a), ly = cy + (R + radius[i] + 8) * Math.sin(p.a);
    const anchor = Math.abs(Math.cos(p.a)) < 0.3 ? "middle" : Math.cos(p.a) > 0 ? "start" : "end";
    const dy = Math.sin(p.a) > 0.7 ? 14 : Math.sin(p.a) < -0.7 ? -4 : 5;
    out += `<g class="node"><title>${esc(f.names[i])}: ${count(f.referrals[i])} referrals made last quarter</title>` +
      `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${radius[i].toFixed(1)}"/>` +
      `<text x="${lx.toFixed(1)}" y="${(ly + dy).toFixed(1)}" text-anchor="${anchor}">${esc(name)}</text></g>`;
  });
  svg.innerHTML = out;
  $("flows-top").innerHTML = shown.slice(0, 2).map((a) =>
    `<b>${esc(short(f.agencies[a.payer], f.names[a.payer]))}</b> paid <b>${money(a.pounds)}</b> for ` +
    `<b>${esc(short(f.agencies[a.cause], f.names[a.cause]))}</b>'s unresolved needs.`).join("<br>") ||
    "No cost shifted yet.";
}

// The point `d` along the line from `p` toward `q`.
function toward(p, q, d) {
  const dx = q.x - p.x, dy = q.y - p.y, len = Math.hypot(dx, dy) || 1;
  return { x: p.x + (dx / len) * d, y: p.y + (dy / len) * d };
}

function drawLog(v) {
  const names = {};
  v.seats.forEach((s) => { names[s.agency] = s.name; });
  const head = '<tr><th>quarter</th><th class="text">agency</th><th class="text">set by</th>' + LEVER_SHORT.map((l) => `<th>${l}</th>`).join("") + "</tr>";
  const rows = v.decisions.slice().reverse().map((d) =>
    `<tr><td>${d.quarter}</td><td class="text">${esc(short(d.agency, names[d.agency]))}</td>` +
    `<td class="text">${d.by === "team" ? esc(d.member) : "<i>timer</i>"}</td>` +
    d.levers.map((x) => `<td>${x.toFixed(2)}</td>`).join("") + "</tr>");
  $("log").innerHTML = head + (rows.join("") || '<tr><td colspan="8" class="empty">No quarter has run yet.</td></tr>');
  $("switch-log").innerHTML = v.switches.map((s) =>
    `<li>From quarter ${s.quarter}: ${esc(s.barrier ? BARRIERS[s.barrier] || s.barrier : "whole-systems leadership")} set to ${s.value.toFixed(2)}</li>`).join("");
}

// ---------------------------------------------------------------- the facilitator's switches

function barrierWord(x) {
  return x <= 0 ? "lifted" : x >= 1 ? "in place" : x.toFixed(2);
}

function drawBarriers(v) {
  const box = $("barriers");
  if (!box.dataset.built) {
    const rows = v.barriers.map(([name], k) =>
      `<div class="switch"><span class="key">${k + 1}</span><span class="switch-name">${esc(BARRIERS[name] || name)}</span>` +
      `<button type="button" id="barrier-${name}" data-barrier="${name}" aria-pressed="false"></button>` +
      `<input type="range" id="barrier-${name}-strength" min="0" max="1" step="0.05" aria-label="${esc(BARRIERS[name] || name)}: strength from the next quarter">` +
      `<span class="now-next"><span id="barrier-${name}-now"></span> → <b id="barrier-${name}-next"></b></span></div>`);
    rows.push(`<div class="switch"><span class="key">L</span><span class="switch-name">Whole-systems leadership</span>` +
      `<button type="button" id="leadership" aria-pressed="false"></button>` +
      `<input type="range" id="leadership-strength" min="0" max="1" step="0.05" aria-label="Leadership weight from the next quarter">` +
      `<span class="now-next"><span id="leadership-now"></span> → <b id="leadership-next"></b></span></div>`);
    box.innerHTML = rows.join("");
    for (const [name] of v.barriers) {
      $(`barrier-${name}`).addEventListener("click", () => toggleBarrier(name));
      $(`barrier-${name}-strength`).addEventListener("change", (e) => control({ barriers: { [name]: Number(e.target.value) } }));
    }
    $("leadership").addEventListener("click", () => toggleLeadership());
    $("leadership-strength").addEventListener("change", (e) => control({ leadership: Number(e.target.value) }));
    // A slider let go with the mouse gives the keys back to the room.
    box.querySelectorAll("input[type=range]").forEach((r) =>
      r.addEventListener("pointerup", () => setTimeout(() => r.blur(), 0)));
    box.dataset.built = "1";
  }
  const over = v.phase === "finished";
  for (const [name, now, next] of v.barriers) {
    const b = $(`barrier-${name}`);
    b.textContent = next > 0 ? "Lift" : "Restore";
    b.setAttribute("aria-pressed", String(next <= 0));
    b.disabled = over;
    const slider = $(`barrier-${name}-strength`);
    if (document.activeElement !== slider) slider.value = next;
    slider.disabled = over;
    $(`barrier-${name}-now`).textContent = barrierWord(now);
    $(`barrier-${name}-next`).textContent = barrierWord(next);
    b.closest(".switch").classList.toggle("changing", Math.abs(now - next) > 1e-6);
  }
  const [now, next] = v.leadership;
  $("leadership").textContent = next > 0 ? "Turn off" : "Turn on";
  $("leadership").setAttribute("aria-pressed", String(next > 0));
  $("leadership").disabled = over;
  if (document.activeElement !== $("leadership-strength")) $("leadership-strength").value = next;
  $("leadership-strength").disabled = over;
  $("leadership-now").textContent = now.toFixed(2);
  $("leadership-next").textContent = next.toFixed(2);
  $("leadership").closest(".switch").classList.toggle("changing", Math.abs(now - next) > 1e-6);
}

function toggleBarrier(name) {
  const b = state.view && state.view.barriers.find((x) => x[0] === name);
  if (!b) return;
  return control({ barriers: { [name]: b[2] > 0 ? 0 : 1 } });
}

function toggleLeadership() {
  if (!state.view) return;
  return control({ leadership: state.view.leadership[1] > 0 ? 0 : 1 });
}

// A facilitator's control; the answer is the facilitator's view. An advance
// or a switch names the quarter on screen, so that a press made just as the
// clock ran that quarter is refused rather than acting on the next.
async function control(body) {
  const v = state.view;
  if (!v || v.role !== "facilitator") return;
  const pacing = body.action === "advance" || body.barriers !== undefined || body.leadership !== undefined;
  try {
    receive(await api(`/api/rooms/${v.code}/control`, "POST", pacing ? { ...body, quarter: v.quarter } : body));
    status("");
  } catch (err) {
    status(err.message);
    if (err.status === 409) poll(); // the room moved on: show where it is
  }
}

function startOrPause() {
  const v = state.view;
  if (!v) return;
  if (v.phase === "lobby") control({ action: "start" });
  else if (v.phase === "deciding") control({ action: v.paused ? "resume" : "pause" });
}

function advance() {
  if (state.view && state.view.phase === "deciding") control({ action: "advance" });
}

// Ending cannot be undone: the first press arms, a second within 5 s ends.
function endRoom() {
  const v = state.view;
  if (!v || v.phase === "finished") return;
  if (!state.endArmed) {
    state.endArmed = Date.now();
    $("end").textContent = "Sure? Press again to end";
    $("end").classList.add("armed");
    status("Press End (or E) again within 5 seconds to end the room.", true);
    return;
  }
  disarmEnd();
  status("");
  control({ action: "end" });
}

function disarmEnd() {
  state.endArmed = 0;
  $("end").textContent = "End & debrief";
  $("end").classList.remove("armed");
}

// Save a download of the room's: fetched with the member's token as a
// header, then handed to the browser as a file.
async function download(e) {
  e.preventDefault();
  const link = e.currentTarget;
  try {
    const res = await fetch(link.getAttribute("href"), {
      headers: { "x-room-token": state.room.token },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!res.ok) {
      const data = await res.json().catch(() => null);
      status((data && data.error) || `${res.status} ${res.statusText}`);
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const save = document.createElement("a");
    save.href = url;
    save.download = link.dataset.name;
    document.body.appendChild(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    status(`the download failed: ${err.message}`);
  }
}

function wireRoom() {
  $("debrief-link").addEventListener("click", download);
  $("schedule-link").addEventListener("click", download);
  $("start").addEventListener("click", () => control({ action: "start" }));
  $("pause").addEventListener("click", () => startOrPause());
  $("advance").addEventListener("click", () => advance());
  $("end").addEventListener("click", () => endRoom());
  $("decide").addEventListener("click", decide);
  $("smooth-toggle").addEventListener("click", () => toggleRaw());
  document.addEventListener("keydown", onKey);
  setInterval(tick, 250);
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      drawPlaceCharts();
      if (state.view && state.view.desk) drawWorldChart($("chart-desk-crises"), state.view, "crises", "Crisis episodes a week (rolling quarter)", [0, 1], false);
    }, 100);
  });
}

// The facilitator's keys (ignored while typing or on a slider).
function onKey(e) {
  if (!state.view || state.view.role !== "facilitator" || $("room").hidden) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable)) {
    if (e.key === "Escape") t.blur();
    return;
  }
  // On a focused button or link, Space and Enter press it, as everywhere.
  if (t && (t.tagName === "BUTTON" || t.tagName === "A") && (e.key === " " || e.key === "Enter")) return;
  // Once the room has finished only the downloads and the charts' keys act.
  const finished = state.view.phase === "finished";
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const barriers = state.view.barriers;
  let done = true;
  if (finished && !["d", "r", "w", "Home"].includes(key)) return;
  if (key === " " || key === "Spacebar") startOrPause();
  else if (key === "n" || key === "ArrowRight") advance();
  else if (key === "e") endRoom();
  else if (key === "d") { if (!$("downloads").hidden) $("debrief-link").click(); }
  else if (key === "r") toggleRaw();
  // W brings who pays for whom onto the projector; Home goes back to the top.
  else if (key === "w") $("flows-panel").scrollIntoView({ block: "start" });
  else if (key === "Home") window.scrollTo(0, 0);
  else if (key === "l") toggleLeadership();
  else if (/^[1-9]$/.test(key) && Number(key) <= barriers.length) toggleBarrier(barriers[Number(key) - 1][0]);
  else done = false;
  if (done) e.preventDefault();
}

// ---------------------------------------------------------------- charts and numbers

function count(x) {
  return Math.round(x).toLocaleString("en-GB");
}

// £ as a room reads it: £1.2m, £340k, £900.
function money(x) {
  const a = Math.abs(x), sign = x < 0 ? "−" : "";
  if (a >= 1e6) return `${sign}£${(a / 1e6).toFixed(1)}m`;
  if (a >= 1e3) return `${sign}£${(a / 1e3).toFixed(0)}k`;
  return `${sign}£${a.toFixed(0)}`;
}

function axisText(v, pounds) {
  const a = Math.abs(v);
  const p = pounds ? "£" : "";
  if (a >= 1e6) return `${p}${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}m`;
  if (a >= 1e3) return `${p}${(v / 1e3).toFixed(Number.isInteger(v / 1e3) || a >= 1e4 ? 0 : 1)}k`;
  return `${p}${v.toFixed(a >= 10 || a === 0 ? 0 : 1)}`;
}

// A chart of one series (`crises` or `spend`) of the worlds `which`, over
// the room's whole session, quarters marked.
function drawWorldChart(canvas, v, key, title, which, raw) {
  const series = which.map((w) => v.worlds[w][raw ? key : `${key}_smooth`]);
  const weeks = Math.max(13 * v.quarters, ...series.map((s) => s.length));
  drawChart(canvas, title, series, which.map((w) => WORLDS[w]), { weeks, quarters: v.quarters, pounds: key === "spend" });
}

// Size a canvas's bitmap to its box (sharp on a projector) and return its context.
function fit(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(200, canvas.clientWidth), h = Math.max(120, canvas.clientHeight);
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, W: w, H: h };
}

function drawChart(canvas, title, lines, styles, opts) {
  const { ctx, W, H } = fit(canvas);
  // Type as large as the page's (the projector's scales with the screen).
  const base = parseFloat(getComputedStyle(document.body).fontSize) || 16;
  const font = Math.round(0.82 * base);
  const m = { l: Math.round(4.2 * font), r: 14, t: font + 14, b: font + 12 };
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = "#111";
  ctx.font = `600 ${font + 1}px system-ui, sans-serif`;
  ctx.textBaseline = "alphabetic";
  ctx.fillText(title, m.l, font + 2);
  if (!lines.some((l) => l.length)) {
    ctx.fillStyle = "#555";
    ctx.font = `${font}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.fillText("Nothing has run yet:", W / 2, H / 2 - 4);
    ctx.fillText("the first quarter draws here.", W / 2, H / 2 + font + 2);
    ctx.textAlign = "left";
    return;
  }
  let hi = 0;
  for (const line of lines) for (const v of line) if (isFinite(v)) hi = Math.max(hi, v);
  hi = hi > 0 ? 4 * niceCeil(hi * 1.04 / 4) : 4; // four even steps of a round size
  const n = opts.weeks;
  const x = (i) => m.l + (W - m.l - m.r) * (n > 1 ? i / (n - 1) : 0);
  const y = (v) => H - m.b - (H - m.t - m.b) * v / hi;
  ctx.font = `${font}px system-ui, sans-serif`;
  ctx.lineWidth = 1;
  // Grid lines and their values.
  for (let k = 0; k <= 4; k++) {
    const v = hi * k / 4;
    ctx.strokeStyle = "#e3e3e3";
    ctx.beginPath(); ctx.moveTo(m.l, y(v)); ctx.lineTo(W - m.r, y(v)); ctx.stroke();
    ctx.fillStyle = "#444";
    ctx.textAlign = "right";
    ctx.fillText(axisText(v, opts.pounds), m.l - 6, y(v) + 5);
  }
  // Quarters: a faint line at each start, its number below.
  const every = Math.ceil(opts.quarters / Math.max(1, Math.floor((W - m.l) / (font * 3.2))));
  ctx.textAlign = "center";
  for (let q = 0; q < opts.quarters; q++) {
    const x0 = x(q * 13);
    ctx.strokeStyle = "#d0d0d0";
    ctx.beginPath(); ctx.moveTo(x0, m.t); ctx.lineTo(x0, H - m.b); ctx.stroke();
    if (q % every === 0) {
      ctx.fillStyle = "#444";
      ctx.fillText(`Q${q + 1}`, x(Math.min(n - 1, q * 13 + 6.5)), H - m.b + font + 4);
    }
  }
  ctx.textAlign = "left";
  lines.forEach((line, k) => {
    const s = styles[k];
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = s.width;
    ctx.setLineDash(s.dash);
    ctx.lineJoin = "round";
    ctx.beginPath();
    line.forEach((v, i) => { if (i === 0) ctx.moveTo(x(i), y(v)); else ctx.lineTo(x(i), y(v)); });
    ctx.stroke();
    ctx.setLineDash([]);
  });
}

function niceCeil(x) {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const f of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f * p >= x) return f * p;
  return 10 * p;
}

start();
