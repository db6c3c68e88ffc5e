// smogsim rehearsal console: renders Exercise.state(lang) from /api/state and sends the
// planner's actions to /api/*. Every text comes from the server (catalogue labels, state).
"use strict";
const L = JSON.parse(document.getElementById("labels").textContent);
const LANG = document.body.dataset.lang;
const $ = (id) => document.getElementById(id);
const FONT = 'system-ui, "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif';
const LEVEL_COLOURS = {yellow: "#e6c200", orange: "#ff8c00", red: "#d62728"};
const RESPONSE_COLOURS = {stopped: "#D55E00", limited: "#E69F00", exempt: "#009E73",
                          normal: "#56B4E9"};
let state = null;
let busy = 0;

function fmt(x, digits) {
  if (x === null || x === undefined) return "—";
  return Number(x).toLocaleString(LANG === "zh" ? "zh-CN" : "en",
    {minimumFractionDigits: digits, maximumFractionDigits: digits});
}
function time(t) { return t ? String(t).replace("T", " ").slice(0, 16) : "—"; }
function cell(row, value, cls) {
  const td = row.insertCell(); td.textContent = value; if (cls) td.className = cls; return td;
}
function fill(tableId, rows, cells) {
  const body = $(tableId).tBodies[0]; body.replaceChildren();
  for (const r of rows) { const tr = body.insertRow(); cells(tr, r); }
}
function clearErrors() {
  document.querySelectorAll(".error").forEach((e) => { e.textContent = ""; });
}
function showError(field, message) {
  const target = document.querySelector(`.error[data-field="${field}"]`) ||
                 document.querySelector('.error[data-field="page"]');
  target.textContent = message;
}
function setBusy(on) {
  busy += on ? 1 : -1;
  document.body.dataset.busy = busy > 0 ? "true" : "false";
  document.querySelectorAll("button").forEach((b) => { b.disabled = busy > 0; });
}

async function call(path, body, isForm) {
  clearErrors();
  {
    const options = {method: body === undefined ? "GET" : "POST", credentials: "same-origin"};
    if (body !== undefined) {
      options.body = isForm ? body : JSON.stringify(body);
      if (!isForm) options.headers = {"Content-Type": "application/json"};
    }
    const response = await fetch(`${path}${path.includes("?") ? "&" : "?"}lang=${LANG}`, options);
    const data = await response.json().catch(() => ({error: response.statusText, field: "page"}));
    if (!response.ok) { showError(data.field || "page", data.error || response.statusText); return null; }
    return data;
  }
}

// busy until the answer is drawn: a test (or a person) waits for data-busy="false"
async function refresh(path, body, isForm) {
  setBusy(true);
  try {
    const data = await call(path || "/api/state", body, isForm);
    if (data && data.clock !== undefined) { state = data; render(); await charts; }
    return data;
  } finally { setBusy(false); }
}
let charts = Promise.resolve();

function render() {
  const s = state;
  $("city").textContent = s.city;
  $("scenario").textContent = s.scenario;
  $("clock").textContent = time(s.clock);
  $("period").textContent = `${L["clock.period"]} ${time(s.start)} – ${time(s.end)}` +
    (s.finished ? ` · ${L["clock.finished"]}` : "");
  $("deciding").textContent = s.who ? `· ${L["clock.deciding"]} ${s.who}` : "";
  $("notes").textContent = (s.notes || []).join(" ");
  document.querySelectorAll("[data-step], #decide-form, #dispatch-form")
    .forEach((b) => { b.hidden = s.finished; });
  renderAlert(s.alert, "alert");
  renderAlert(s.announced, "announced");
  fill("forecast", s.forecast || [], (tr, f) => {
    cell(tr, f.date); cell(tr, fmt(f.aqi, 0), "num");
    cell(tr, f.aqi_low === null || f.aqi_low === undefined ? "—" :
             `${fmt(f.aqi_low, 0)}–${fmt(f.aqi_high, 0)}`, "num");
    const td = cell(tr, f.level_name || "—"); if (f.level) td.className = `level ${f.level}`;
  });
  renderProposal(s);
  const counties = $("county"), chosen = counties.value;
  counties.replaceChildren(...(s.tally || []).map((t) => {
    const o = document.createElement("option"); o.value = t.county;
    o.textContent = t.county_name || t.county; return o;
  }));
  if (chosen) counties.value = chosen;
  $("linkage").checked = !!s.linkage;
  $("linkage").disabled = s.linkage === null;  // null: the scenario has no region
  const first = (s.cuts || [])[0];
  $("cut-base").textContent = first
    ? `${first.base || ""} ${first.segment_start ? `(${time(first.segment_start)} – ${time(first.segment_end)})` : ""}`
    : L["cuts.none"];
  fill("cuts", s.cuts || [], (tr, c) => {
    cell(tr, c.pollutant_name || c.pollutant); cell(tr, fmt(c.baseline_t, 2), "num");
    cell(tr, fmt(c.cut_t, 2), "num"); cell(tr, fmt(c.cut_pct, 1), "num");
    const bar = cell(tr, ""); bar.className = "meter";
    bar.append(meter(c.cut_pct, c.target_pct));
    cell(tr, c.target_pct === null ? "—" : fmt(c.target_pct, 0), "num");
    cell(tr, c.met === null ? "—" : (c.met ? L["word.yes"] : L["word.no"]), c.met ? "ok" : "short");
  });
  $("trucks").textContent = s.trucks_blocked === null ? L["trucks.none"] : fmt(s.trucks_blocked, 0);
  const pollutants = (s.cuts || []).map((c) => [c.pollutant, c.pollutant_name || c.pollutant]);
  fill("tally", s.tally || [], (tr, t) => {
    cell(tr, t.county_name || t.county); cell(tr, fmt(t.enterprises, 0), "num");
    const cut = t.cut_t;
    cell(tr, typeof cut === "object" && cut !== null
      ? Object.entries(cut).map(([k, v]) => `${(pollutants.find((p) => p[0] === k) || [k, k])[1]} ${fmt(v, 2)}`).join(" · ")
      : fmt(cut, 2), "num");
  });
  fill("log", s.log || [], (tr, r) => {
    cell(tr, time(r.at)); cell(tr, r.who_name || r.who || ""); cell(tr, r.kind_name || r.kind);
    cell(tr, r.action_name || r.action); cell(tr, r.level_name || r.level || "");
    cell(tr, time(r.start)); cell(tr, time(r.end));
    cell(tr, [r.county ? `${r.county} × ${r.teams}` : "", r.note, r.reason]
      .filter(Boolean).join(" · "));
  });
  renderComparison(s.comparison);
  charts = drawCharts(s).catch((e) => showError("page", String(e)))
    .finally(() => { document.body.dataset.ready = "true"; });
}

function meter(pct, target) {
  const box = document.createElement("div"); box.className = "bar";
  const fillBar = document.createElement("div"); fillBar.className = "fill";
  fillBar.style.width = `${Math.max(0, Math.min(100, (pct || 0) / 40 * 100))}%`;
  box.append(fillBar);
  for (const mark of [10, 20, 30]) {
    const m = document.createElement("span");
    m.className = mark === target ? "mark target" : "mark";
    m.style.left = `${mark / 40 * 100}%`; m.title = `${mark} %`; box.append(m);
  }
  return box;
}

function renderAlert(alert, id) {
  const box = $(id); box.replaceChildren();
  if (!alert) {
    box.textContent = id === "alert" ? L["alert.none"] : ""; box.className = ""; return;
  }
  if (id === "announced") {
    const title = document.createElement("h3"); title.textContent = L["alert.announced"];
    box.append(title);
  }
  box.className = `alert ${alert.level}`;
  const head = document.createElement("p"); head.className = "big";
  head.textContent = alert.level_name; box.append(head);
  const when = document.createElement("p");
  when.textContent = `${time(alert.start)} – ${alert.end ? time(alert.end) : L["alert.open"]}`;
  box.append(when);
  const why = document.createElement("p");
  why.textContent = `${L["alert.reason"]}: ${alert.reason || "—"}`; box.append(why);
  const by = document.createElement("p"); by.className = "muted";
  by.textContent = `${L["alert.by"]}: ${alert.trigger_name || alert.trigger || ""} ${alert.who_name || alert.who || ""}`;
  box.append(by);
}

function renderProposal(s) {
  $("consultation").textContent = s.at_consultation ? L["decision.at_consultation"]
                                                     : L["decision.between"];
  const box = $("proposal"); box.replaceChildren();
  const p = s.proposal;
  $("accept").hidden = !p || s.finished;
  if (!p) { box.textContent = L["decision.no_proposal"]; return; }
  box.className = `proposal ${p.level || ""}`;
  box.textContent = `${L["decision.proposal"]}: ${p.action_name} ${p.level_name || ""} ` +
    `(${time(p.start)} – ${p.end ? time(p.end) : L["alert.open"]}) — ${p.reason || ""}`;
}

function renderComparison(rows) {
  // rows: {measure, key, name, exercise, automatic, difference, unit}, one table as it is
  const panel = $("comparison-panel");
  panel.hidden = !rows || !rows.length;
  if (panel.hidden) return;
  const columns = ["name", "exercise", "automatic", "difference", "unit"];
  const head = $("comparison").tHead; head.replaceChildren();
  const hr = head.insertRow();
  for (const k of columns) {
    const th = document.createElement("th"); th.textContent = L[`comparison.${k}`]; hr.append(th);
  }
  fill("comparison", rows, (tr, r) => {
    const digits = r.measure === "cut_pct" ? 1 : (r.measure === "cut_t" || r.measure === "output_lost_wan") ? 2 : 0;
    const td = cell(tr, r.name); td.dataset.measure = `${r.measure}/${r.key}`;
    for (const k of ["exercise", "automatic", "difference"]) cell(tr, fmt(r[k], digits), "num");
    cell(tr, r.unit || "");
  });
}

async function drawCharts(s) {
  if (typeof vegaEmbed === "undefined") return;
  // time labels in numbers (12-13, 03:00), not the browser's English names; as the report
  const timeFormat = {year: "%Y", quarter: "%Y-%m", month: "%Y-%m", week: "%m-%d", date: "%m-%d",
                      hours: "%H:%M", minutes: "%H:%M", seconds: "%H:%M:%S",
                      milliseconds: "%H:%M:%S"};
  const config = {font: FONT, view: {stroke: null}, axisTemporal: {format: timeFormat}};
  const opts = {actions: false, renderer: "svg"};
  const pm = [];
  for (const r of s.pm25 || []) {
    if (r.without !== null) pm.push({time: r.time, value: r.without, series: L["pm25.without"]});
    if (r.with !== null) pm.push({time: r.time, value: r.with, series: L["pm25.with"]});
  }
  const pmSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json", width: "container", height: 220,
    config, data: {values: pm},
    mark: {type: "line", interpolate: "step-after"},
    encoding: {x: {field: "time", type: "temporal", title: null},
               y: {field: "value", type: "quantitative", title: L["pm25.axis"], scale: {zero: true}},
               color: {field: "series", type: "nominal", title: null,
                       scale: {range: ["#0072B2", "#D55E00"]}},
               tooltip: [{field: "time", type: "temporal", format: "%m-%d %H:%M"},
                         {field: "series"}, {field: "value", format: ".1f"}]}};
  const responses = ["stopped", "limited", "exempt", "normal"];
  const names = Object.fromEntries(responses.map((r) => [r, L[`response.${r}`]]));
  const firms = (s.enterprises || []).map((e) => ({...e, county_name: e.county_name || e.county,
                                                   response_name: names[e.response] || e.response}));
  const located = firms.filter((e) => e.lat !== null && e.lon !== null);
  const colour = {field: "response_name", type: "nominal", title: L["map.response"],
                  sort: responses.map((r) => names[r] || r),
                  scale: {domain: responses.map((r) => names[r] || r),
                          range: responses.map((r) => RESPONSE_COLOURS[r])}};
  const mapSpec = located.length ? {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json", width: "container", height: 300,
    config, data: {values: located}, mark: {type: "circle", opacity: 0.8, size: 40},
    encoding: {longitude: {field: "lon", type: "quantitative"},
               latitude: {field: "lat", type: "quantitative"}, color: colour,
               tooltip: [{field: "name"}, {field: "county"}, {field: "response_name"}]},
    projection: {type: "mercator"}} : {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json", width: "container", height: 300,
    config, data: {values: firms}, mark: "bar",
    encoding: {y: {field: "county_name", type: "nominal", title: null},
               x: {aggregate: "count", type: "quantitative", title: L["map.count"]},
               color: colour}};
  document.body.dataset.mapKind = located.length ? "map" : "county";
  await Promise.all([vegaEmbed("#pm25", pmSpec, opts), vegaEmbed("#map", mapSpec, opts)]);
}

function formObject(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) out[k] = v;
  return out;
}

$("name-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  setBusy(true);
  const data = await call("/api/name", {who: $("who").value}).finally(() => setBusy(false));
  if (!data) return;
  $("start").hidden = true; $("exercise").hidden = false;
  await refresh();
});
document.querySelectorAll("[data-step]").forEach((button) => {
  button.addEventListener("click", () => refresh("/api/step", {kind: button.dataset.step}));
});
$("accept").addEventListener("click", () => refresh("/api/accept", {}));
$("decide-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = formObject(event.target);
  for (const k of ["start", "end"]) if (body[k]) body[k] = body[k].slice(0, 16);
  refresh("/api/decide", body);
});
$("dispatch-form").addEventListener("submit", (event) => {
  event.preventDefault();
  refresh("/api/dispatch", {county: $("county").value, teams: Number($("teams").value)});
});
$("linkage").addEventListener("change", () => refresh("/api/linkage", {on: $("linkage").checked}));
$("restart").addEventListener("click", () => refresh("/api/restart", {}));
$("exercise-form").addEventListener("submit", (event) => {
  event.preventDefault(); refresh("/upload/exercise", new FormData(event.target), true);
});
$("scenario-form").addEventListener("submit", (event) => {
  event.preventDefault(); refresh("/upload/scenario", new FormData(event.target), true);
});
if (!$("exercise").hidden) refresh();
