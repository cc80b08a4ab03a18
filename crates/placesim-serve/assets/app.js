// placesim live: the page. Plain JavaScript, no libraries, works offline.
"use strict";

const COLOURS = ["#e4e4e4", "#E69F00", "#56B4E9", "#009E73", "#D55E00"]; // well, in need, waiting, helped, crisis
const WORLD_COLOURS = ["#0072B2", "#D55E00"];
const NEED_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
const LABELS = {
  ring_fenced_budgets: "Ring-fenced budgets",
  function_bound_targets: "Function-bound targets",
  professional_boundaries: "Professional boundaries",
  organisational_frameworks: "Organisational frameworks",
  frontline_burden: "Frontline burden",
};
const CHARTS = [
  ["chart-spend", "spend", "Spend per week (£ thousand)", (v) => v / 1e3],
  ["chart-crises", "crisis_events", "Crisis episodes per week", (v) => v],
  ["chart-fd", "failure_demand_share", "Failure demand (% of contacts)", (v) => 100 * v],
  ["chart-wellbeing", "mean_wellbeing", "Mean wellbeing (0 to 1)", (v) => v],
];

const state = {
  id: null,
  source: null,
  series: [emptySeries(), emptySeries()],
  frame: null,
  followed: null, // {world, citizen}
  script: [],
};

function emptySeries() {
  return { spend: [], crisis_events: [], failure_demand_share: [], mean_wellbeing: [] };
}

const $ = (id) => document.getElementById(id);

function status(message) {
  $("status").textContent = message || "";
}

async function api(path, method = "GET", body) {
  const res = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const message = (data && data.error) || res.statusText;
    status(message);
    throw new Error(message);
  }
  status("");
  return data;
}

// ---------------------------------------------------------------- sessions

async function start() {
  const params = new URLSearchParams(location.search);
  const [presets, script] = await Promise.all([api("/api/presets"), api("/api/script")]);
  const select = $("preset");
  for (const p of presets) {
    const o = document.createElement("option");
    o.value = p.name;
    o.textContent = p.name;
    o.title = p.summary;
    select.appendChild(o);
  }
  state.script = script;
  drawScript();
  const asked = {};
  if (params.get("preset")) asked.preset = params.get("preset");
  if (params.get("seed")) asked.seed = Number(params.get("seed"));
  if (params.get("population")) asked.population = Number(params.get("population"));
  const created = await api("/api/sessions", "POST", asked);
  state.id = created.id;
  for (const w of [0, 1]) $(`w${w}-csv`).href = `/api/sessions/${state.id}/worlds/${w}/timeseries.csv`;
  receive(created.frame);
  listen();
  wireControls();
}

function listen() {
  const source = new EventSource(`/api/sessions/${state.id}/frames`);
  source.addEventListener("frame", (e) => receive(JSON.parse(e.data)));
  source.onerror = () => status("connection to the server lost; retrying…");
  source.onopen = () => status("");
  state.source = source;
}

function session(path) {
  return `/api/sessions/${state.id}${path}`;
}

// ---------------------------------------------------------------- frames

function receive(frame) {
  // Frames come both from the event stream and as answers to controls: an
  // older one than already shown is stale.
  if (state.frame && frame.version < state.frame.version) return;
  if (state.frame && frame.generation !== state.frame.generation) {
    state.series = [emptySeries(), emptySeries()];
    state.followed = null;
    $("journey").hidden = true;
  }
  state.frame = frame;
  let gap = false;
  frame.worlds.forEach((w, i) => {
    if (w.series.from_week > state.series[i].spend.length) gap = true;
    merge(state.series[i], w.series);
  });
  if (gap) fillHistory();
  render(frame);
}

function merge(into, s) {
  for (const key of Object.keys(into)) {
    s[key].forEach((v, k) => { into[key][s.from_week + k] = v; });
  }
}

async function fillHistory() {
  for (const w of [0, 1]) {
    const s = await api(session(`/worlds/${w}/history`));
    merge(state.series[w], s);
  }
  drawCharts();
}

function render(frame) {
  $("play").disabled = frame.playing || frame.finished;
  $("pause").disabled = !frame.playing;
  $("speed").value = Math.min(200, frame.speed);
  $("speed-out").textContent = frame.speed;
  if (![...$("preset").options].some((o) => o.value === frame.preset)) {
    const o = document.createElement("option");
    o.value = o.textContent = frame.preset;
    $("preset").appendChild(o);
  }
  $("preset").value = frame.preset;
  if (document.activeElement !== $("seed")) $("seed").value = frame.seed;
  if (document.activeElement !== $("population")) $("population").value = frame.population;
  frame.worlds.forEach((w, i) => {
    const s = w.series;
    const last = (key) => s[key].length ? s[key][s[key].length - 1] : null;
    $(`w${i}-week`).textContent = w.week;
    $(`w${i}-spend`).textContent = fmtMoney(last("spend"));
    $(`w${i}-crises`).textContent = fmt(last("crisis_events"), 0);
    $(`w${i}-fd`).textContent = last("failure_demand_share") === null ? "–" : fmt(100 * last("failure_demand_share"), 1) + " %";
    $(`w${i}-wellbeing`).textContent = fmt(last("mean_wellbeing"), 4);
    drawPopulation(i, w.cells);
    drawControls(i, w);
    drawAgencies(i, w.agencies);
    if (w.journey && state.followed && state.followed.world === i) drawJourney(i, w.journey);
  });
  drawCharts();
}

function fmt(v, digits) {
  if (v === null || v === undefined) return "–";
  return v.toLocaleString("en-GB", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmtMoney(v) {
  if (v === null || v === undefined) return "–";
  return "£" + (v / 1e6).toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + "m";
}

// ---------------------------------------------------------------- population

function grid(n, canvas) {
  const ratio = canvas.width / canvas.height;
  const cols = Math.ceil(Math.sqrt(n * ratio));
  const rows = Math.ceil(n / cols);
  const size = Math.max(1, Math.floor(Math.min(canvas.width / cols, canvas.height / rows)));
  return { cols, rows, size };
}

function drawPopulation(w, cells) {
  const canvas = $(`w${w}-population`);
  const ctx = canvas.getContext("2d");
  const { cols, size } = grid(cells.length, canvas);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < cells.length; i++) {
    ctx.fillStyle = COLOURS[cells.charCodeAt(i) - 48];
    ctx.fillRect((i % cols) * size, Math.floor(i / cols) * size, size - (size > 3 ? 1 : 0), size - (size > 3 ? 1 : 0));
  }
  if (state.followed && state.followed.world === w) {
    const i = state.followed.citizen;
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 2;
    ctx.strokeRect((i % cols) * size - 2, Math.floor(i / cols) * size - 2, size + 3, size + 3);
  }
}

function citizenAt(w, event) {
  const canvas = $(`w${w}-population`);
  const rect = canvas.getBoundingClientRect();
  const x = (event.clientX - rect.left) * (canvas.width / rect.width);
  const y = (event.clientY - rect.top) * (canvas.height / rect.height);
  const n = state.frame.worlds[w].cells.length;
  const { cols, size } = grid(n, canvas);
  const i = Math.floor(y / size) * cols + Math.floor(x / size);
  return i >= 0 && i < n && Math.floor(x / size) < cols ? i : null;
}

// ---------------------------------------------------------------- controls

function drawControls(w, world) {
  const box = $(`w${w}-controls`);
  if (!box.dataset.built) {
    for (const [name] of world.barriers) {
      const id = `w${w}-${name}`;
      box.insertAdjacentHTML("beforeend",
        `<label><input type="checkbox" id="${id}-on"> ${LABELS[name] || name}</label>` +
        `<input type="range" id="${id}" min="0" max="1" step="0.05" aria-label="${LABELS[name] || name} strength">` +
        `<output id="${id}-out"></output>`);
      $(`${id}-on`).addEventListener("change", (e) => setBarrier(w, name, e.target.checked ? 1 : 0));
      $(id).addEventListener("change", (e) => setBarrier(w, name, Number(e.target.value)));
    }
    box.insertAdjacentHTML("beforeend",
      `<label>Leadership weight w</label><input type="range" id="w${w}-leadership" min="0" max="1" step="0.05" aria-label="Leadership weight">` +
      `<output id="w${w}-leadership-out"></output>`);
    $(`w${w}-leadership`).addEventListener("change", (e) =>
      api(session(`/worlds/${w}/settings`), "POST", { leadership: Number(e.target.value) }).then(receive));
    box.dataset.built = "1";
  }
  for (const [name, strength] of world.barriers) {
    const id = `w${w}-${name}`;
    $(`${id}-on`).checked = strength > 0;
    if (document.activeElement !== $(id)) $(id).value = strength;
    $(`${id}-out`).textContent = strength.toFixed(2);
  }
  if (document.activeElement !== $(`w${w}-leadership`)) $(`w${w}-leadership`).value = world.leadership;
  $(`w${w}-leadership-out`).textContent = world.leadership.toFixed(2);
}

function setBarrier(w, name, strength) {
  return api(session(`/worlds/${w}/settings`), "POST", { barriers: { [name]: strength } }).then(receive);
}

function drawAgencies(w, agencies) {
  const rows = agencies.map((a) => {
    const used = Math.min(1.5, a.budget_used);
    return `<tr><td title="${a.name}">${a.name}</td><td>${fmt(a.queue, 0)}</td><td>${a.eligibility_threshold.toFixed(2)}</td>` +
      `<td><span class="bar"><i class="${a.budget_used > 1 ? "over" : ""}" style="width:${Math.round(100 * Math.min(1, used))}%"></i></span> ${Math.round(100 * a.budget_used)} %</td></tr>`;
  });
  $(`w${w}-agencies`).innerHTML =
    "<tr><th>Agency</th><th>Queue</th><th>Threshold</th><th>Budget used this year</th></tr>" + rows.join("");
}

function wireControls() {
  const control = (body) => api(session("/control"), "POST", body).then(receive);
  $("play").onclick = () => control({ action: "play" });
  $("pause").onclick = () => control({ action: "pause" });
  $("step").onclick = () => control({ action: "step" });
  $("speed").oninput = (e) => { $("speed-out").textContent = e.target.value; };
  $("speed").onchange = (e) => control({ speed: Number(e.target.value) });
  $("reset").onclick = () => control({
    action: "reset", preset: $("preset").value, seed: Number($("seed").value), population: Number($("population").value),
  });
  $("png").onclick = downloadCharts;
  for (const w of [0, 1]) {
    $(`w${w}-population`).addEventListener("click", async (e) => {
      const citizen = citizenAt(w, e);
      if (citizen === null) return;
      const journey = await api(session(`/worlds/${w}/follow`), "POST", { citizen });
      state.followed = { world: w, citizen };
      $("journey").hidden = false;
      drawJourney(w, { ...journey, domains: null });
    });
  }
}

// ---------------------------------------------------------------- the guided script

function drawScript() {
  const list = $("steps");
  state.script.forEach((step, k) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.textContent = `${k + 1}. ${step.title}`;
    b.onclick = () => runStep(k, b);
    li.appendChild(b);
    list.appendChild(li);
  });
}

async function runStep(k, button) {
  const step = state.script[k];
  $("step-text").textContent = step.text;
  if (step.reset) {
    receive(await api(session("/control"), "POST", { action: "reset", preset: step.reset }));
  }
  if (step.world !== null && step.world !== undefined) {
    const body = { barriers: Object.fromEntries(step.barriers) };
    if (step.leadership !== null) body.leadership = step.leadership;
    receive(await api(session(`/worlds/${step.world}/settings`), "POST", body));
  }
  document.querySelectorAll("#steps button").forEach((b, i) => b.classList.toggle("done", i <= k));
}

// ---------------------------------------------------------------- charts

function drawChart(canvas, title, lines, colours, opts = {}) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  const m = { l: 56, r: 12, t: 24, b: 28 };
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = "#1b1b1b";
  ctx.font = "13px system-ui, sans-serif";
  ctx.fillText(title, m.l, 16);
  let n = 0, lo = Infinity, hi = -Infinity;
  for (const line of lines) {
    n = Math.max(n, line.length);
    for (const v of line) if (v !== undefined && v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  if (!isFinite(lo)) return;
  if (opts.zero) lo = Math.min(0, lo);
  if (hi === lo) { hi += 1; lo -= opts.zero ? 0 : 1; }
  const pad = (hi - lo) * 0.05;
  hi += pad; if (!opts.zero) lo -= pad;
  const x = (i) => m.l + (W - m.l - m.r) * (n > 1 ? i / (n - 1) : 0);
  const y = (v) => H - m.b - (H - m.t - m.b) * (v - lo) / (hi - lo);
  ctx.strokeStyle = "#ccc";
  ctx.fillStyle = "#5d5d5d";
  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const v = lo + (hi - lo) * k / 4;
    ctx.beginPath(); ctx.moveTo(m.l, y(v)); ctx.lineTo(W - m.r, y(v)); ctx.stroke();
    ctx.fillText(v.toLocaleString("en-GB", { maximumSignificantDigits: 3 }), 4, y(v) + 4);
  }
  ctx.fillText("week 0", m.l, H - 8);
  ctx.fillText(`week ${Math.max(0, n - 1)}`, W - m.r - 56, H - 8);
  lines.forEach((line, k) => {
    ctx.strokeStyle = colours[k];
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    let pen = false;
    line.forEach((v, i) => {
      if (v === undefined || v === null) { pen = false; return; }
      if (pen) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
      pen = true;
    });
    ctx.stroke();
  });
}

function drawCharts() {
  for (const [id, key, title, scale] of CHARTS) {
    const lines = state.series.map((s) => s[key].map((v) => (v === undefined ? v : scale(v))));
    drawChart($(id), title, lines, WORLD_COLOURS, { zero: key !== "mean_wellbeing" });
  }
}

function downloadCharts() {
  const canvases = CHARTS.map(([id]) => $(id));
  const w = canvases[0].width, h = canvases[0].height;
  const out = document.createElement("canvas");
  out.width = 2 * w;
  out.height = 2 * h + 28;
  const ctx = out.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = "#1b1b1b";
  ctx.font = "14px system-ui, sans-serif";
  const f = state.frame;
  ctx.fillText(`placesim live: ${f.preset}, seed ${f.seed}, ${f.population} citizens, week ${f.worlds[0].week}. ` +
    "Blue: place A; vermillion: place B.", 8, 18);
  canvases.forEach((c, k) => ctx.drawImage(c, (k % 2) * w, 28 + Math.floor(k / 2) * h));
  const a = document.createElement("a");
  a.href = out.toDataURL("image/png");
  a.download = `placesim-live-week-${f.worlds[0].week}.png`;
  a.click();
}

// ---------------------------------------------------------------- a citizen's journey

function describe(e, agencies, domains) {
  const ag = (i) => agencies[i] || `agency ${i}`;
  const dm = (i) => (domains ? domains[i] : `need ${i}`).replace(/_/g, " ");
  switch (e.what) {
    case "contact": return `${e.crisis ? "crisis contact with" : "asked"} ${ag(e.agency)} about ${dm(e.domain)}${e.failure_demand ? " (again: failure demand)" : ""}`;
    case "chased": return `chased ${ag(e.agency)}: still waiting (${dm(e.domain)}; failure demand)`;
    case "referral_arrived": return `referral reached ${ag(e.agency)} (${dm(e.domain)})`;
    case "refused": return `refused by ${ag(e.agency)} (${dm(e.domain)})`;
    case "parked": return `parked by ${ag(e.agency)}: too complex (${dm(e.domain)})`;
    case "accepted": return `accepted by ${ag(e.agency)}, waiting (${dm(e.domain)})`;
    case "served": return `helped by ${ag(e.agency)} (${dm(e.domain)})`;
    case "crisis": return `crisis episode at ${ag(e.agency)} (${dm(e.domain)})`;
    case "gave_up": return `gave up waiting for ${ag(e.agency)} (${dm(e.domain)})`;
    case "referred": return `referred from ${ag(e.from)} to ${ag(e.to)} (${dm(e.domain)})`;
    case "referral_lost": return `referral from ${ag(e.from)} lost (${dm(e.domain)})`;
    default: return e.what;
  }
}

function drawJourney(w, j) {
  if (!j || !j.domains) return;
  $("journey-title").textContent = `Journey of citizen ${j.citizen} in place ${"AB"[w]} (needs since week ${j.from_week})`;
  const lines = j.domains.map((_, d) => j.needs.map((row) => row[d]));
  drawChart($("journey-needs"), "Needs (0 to 1): " + j.domains.map((d) => d.replace(/_/g, " ")).join(", "),
    lines, NEED_COLOURS, { zero: true });
  const events = j.events.slice().reverse().map((e) => `<li>week ${e.tick - j.warmup}: ${describe(e, j.agencies, j.domains)}</li>`);
  $("journey-events").innerHTML = events.join("") || "<li>nothing has happened to this citizen yet</li>";
}

start().catch((e) => status(`could not start: ${e.message}`));
