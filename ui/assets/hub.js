// The supervision dashboard of a county or city hub: the network below it (a child silent for a day or
// more stands out), what this hub has not yet relayed up, overdue and warning cases by county, township
// and department with a read-only drill-down to each case, the report's completion rate, days ahead and
// satisfaction month by month as SVG charts, and the report tables with their CSV. Read-only.
"use strict";
let token = sessionStorage.getItem("silian.hub.token") || "";
let info = null;

function showLogin() {
  token = "";
  sessionStorage.removeItem("silian.hub.token");
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-staff").hidden = !info.staff_required;
  $("login-actor").hidden = info.staff_required;
}

function enter(session) {
  I18N.forUser(session.actor);
  $("lang").value = I18N.lang;
  $("who").textContent = I18N.t("login.as", { actor: session.actor });
  $("login").hidden = true;
  $("app").hidden = false;
  load();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = info.staff_required
    ? { staff_id: $("login-staff-id").value, passphrase: $("login-pass").value }
    : { actor: $("login-actor-name").value };
  try {
    const s = await api("POST", "login", body);
    token = s.token;
    sessionStorage.setItem("silian.hub.token", token);
    enter(s);
  } catch (e) {
    $("login-error").textContent = I18N.error(e);
  }
});

$("lang").addEventListener("change", () => { I18N.set($("lang").value); if (!$("app").hidden) load(); });

// Division names the hub's ledger holds (api/names), by prefix: 4, 6, 9 or 12 digits. A 12-digit code of
// a city, county or township (trailing zeros) is looked up by its own prefix.
let names = {};
function divisionText(code) {
  let key = code;
  if (code.length === 12) {
    for (const n of [4, 6, 9]) if (/^0+$/.test(code.slice(n))) { key = code.slice(0, n); break; }
  }
  const name = names[code] || names[key];
  return name ? name + " (" + code + ")" : code;
}

function contactText(c, now) {
  if (!c.last_contact_ms) return I18N.t("hub.never");
  const ago = age(now - c.last_contact_ms);
  return c.offline ? I18N.t("hub.offline", { age: ago }) : I18N.t("hub.ago", { age: ago });
}

async function loadNetwork() {
  const n = await api("GET", "network");
  const contact = new Map(n.children.map((c) => [c.node, c]));
  // The tree: direct children (with contact) and the nodes registered below them, by division prefix.
  const rows = [];
  for (const c of n.children) rows.push({ ...c, depth: 0 });
  for (const r of n.registered) if (!contact.has(r.node)) rows.push({ ...r, depth: 1 });
  rows.sort((a, b) => (a.division + a.node).localeCompare(b.division + b.node));
  const body = document.querySelector("#network tbody");
  body.replaceChildren();
  for (const r of rows) {
    const tr = el("tr", undefined, r.offline ? "offline" : "");
    tr.dataset.node = r.node;
    const name = el("td", (r.depth ? "└ " : "") + r.node);
    tr.append(name, el("td", I18N.t("level." + r.level)), el("td", divisionText(r.division)),
              el("td", r.depth ? "" : contactText(r, n.now_ms)), el("td", r.depth ? "" : String(r.ops_received)),
              el("td", r.depth ? "" : (r.errors ? r.errors + " · " + r.last_error : "0")));
    body.append(tr);
  }
  const up = n.levels_above[0];
  $("relay").textContent = up ? I18N.t("hub.relay", { n: up.own_ops_missing }) : "";
}

function showOverdue(o) {
  $("overdue-as-of").textContent = I18N.t("queue.as_of", { date: o.as_of });
  const counts = document.querySelector("#by-division tbody");
  counts.replaceChildren();
  for (const [list, depth] of [[o.by_county, 0], [o.by_township, 1]])
    for (const c of list) {
      const tr = el("tr", undefined, c.overdue ? "overdue" : "warning");
      tr.dataset.division = c.division;
      tr.append(el("td", (depth ? "└ " : "") + divisionText(c.division)), el("td", String(c.overdue)),
                el("td", String(c.warning)));
      counts.append(tr);
    }
  const departments = document.querySelector("#by-department tbody");
  departments.replaceChildren();
  for (const d of o.by_department) {
    const tr = el("tr", undefined, d.overdue ? "overdue" : "warning");
    tr.dataset.department = d.department;
    tr.append(el("td", d.department), el("td", String(d.overdue)), el("td", String(d.warning)));
    departments.append(tr);
  }
  const cases = document.querySelector("#cases tbody");
  cases.replaceChildren();
  for (const c of o.cases) {
    const tr = el("tr", undefined, c.problem === "overdue" ? "overdue" : c.problem === "warning" ? "warning" : "");
    const open = el("button", c.case_number || c.case_id, "link");
    open.type = "button";
    open.dataset.case = c.case_id;
    open.addEventListener("click", () => showCase(c.case_id));
    const number = el("td");
    number.append(open);
    tr.append(el("td", I18N.t("state." + c.problem) === "state." + c.problem ? c.problem : I18N.t("state." + c.problem)),
              number, el("td", divisionText(c.division)), el("td", c.item), el("td", c.due || "-"));
    cases.append(tr);
  }
  if (o.cases.length === 0) {
    const tr = el("tr");
    const td = el("td", I18N.t("hub.none"), "muted");
    td.colSpan = 5;
    tr.append(td);
    cases.append(tr);
  }
}

// Read-only: the case as `case show` prints it.
async function showCase(ref) {
  try {
    const c = await api("GET", "cases/" + encodeURIComponent(ref));
    $("case-number").textContent = c.view.case_number || ref;
    $("case-text").textContent = c.text;
    $("case-panel").hidden = false;
    $("case-panel").scrollIntoView();
  } catch (e) {
    $("error").textContent = I18N.t("error.prefix") + e.message;
  }
}
$("case-close").addEventListener("click", () => { $("case-panel").hidden = true; });

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// A line chart of `points` ([{label, value}]) in `figure`: one circle per point (its title says the
// period and value), the axis from 0 to the largest value (at least `floor`), the first and last labels.
function lineChart(figure, points, floor, format) {
  figure.querySelectorAll("svg").forEach((old) => old.remove());
  const w = 360, h = 160, left = 44, right = 10, top = 10, bottom = 24;
  const max = Math.max(floor, ...points.map((p) => p.value));
  const x = (i) => left + (points.length < 2 ? (w - left - right) / 2 : (i * (w - left - right)) / (points.length - 1));
  const y = (v) => top + (h - top - bottom) * (1 - v / max);
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: "img", class: "chart" });
  chart.append(svg("line", { x1: left, y1: y(0), x2: w - right, y2: y(0), class: "axis", stroke: "#888" }),
               svg("line", { x1: left, y1: top, x2: left, y2: y(0), class: "axis", stroke: "#888" }),
               svg("text", { x: left - 4, y: top + 8, "text-anchor": "end", class: "tick", "font-size": 10, fill: "#555" }, format(max)),
               svg("text", { x: left - 4, y: y(0), "text-anchor": "end", class: "tick", "font-size": 10, fill: "#555" }, format(0)));
  if (points.length > 0) {
    chart.append(svg("polyline", { points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(" "), class: "line", fill: "none", stroke: "#1f6f43", "stroke-width": 2 }));
    chart.append(svg("text", { x: x(0), y: h - 6, "text-anchor": "start", class: "tick", "font-size": 10, fill: "#555" }, points[0].label),
                 svg("text", { x: x(points.length - 1), y: h - 6, "text-anchor": "end", class: "tick", "font-size": 10, fill: "#555" },
                     points[points.length - 1].label));
  }
  points.forEach((p, i) => {
    const dot = svg("circle", { cx: x(i), cy: y(p.value), r: 3.5, class: "point", fill: "#1f6f43" });
    dot.dataset.period = p.label;
    dot.dataset.value = String(p.value);
    dot.append(svg("title", {}, p.label + ": " + format(p.value)));
    chart.append(dot);
  });
  figure.append(chart);
}

const percent = (v) => (100 * v).toFixed(1) + "%";
function showTrend(t) {
  $("trend-as-of").textContent = I18N.t("queue.as_of", { date: t.as_of });
  const series = (field) => t.months.map((m) => ({ label: m.period, value: m[field] }));
  lineChart($("chart-completion"), series("completion_rate"), 1, percent);
  lineChart($("chart-ahead"), series("ahead_wd_average"), 1, (v) => v.toFixed(1));
  lineChart($("chart-satisfaction"), series("satisfaction_rate"), 1, percent);
}

function reportQuery() {
  const q = new URLSearchParams({ from: $("report-from").value, to: $("report-to").value, by: $("report-by").value });
  return q.toString();
}

async function loadReport() {
  showReport(await api("GET", "report?" + reportQuery()));
}

function showReport(r) {
  const body = document.querySelector("#report tbody");
  body.replaceChildren();
  for (const row of [...r.rows, { ...r.total, group: I18N.t("hub.total") }]) {
    const ahead = row.completed_on_time ? row.ahead_wd_total / row.completed_on_time : 0;
    const tr = el("tr");
    tr.append(el("td", r.by === "county" || r.by === "township" ? divisionText(row.group) : row.group),
              ...[row.received, row.accepted, row.completed, percent(row.completion_rate), row.completed_on_time,
                  ahead.toFixed(1), row.overdue_now, row.warning_now, row.evaluations,
                  percent(row.satisfaction_rate)].map((v) => el("td", String(v))));
    body.append(tr);
  }
}

$("report-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  $("error").textContent = "";
  loadReport().catch((e) => { $("error").textContent = I18N.t("error.prefix") + e.message; });
});

// The CSV of `silian-hub report --format csv --excel`, fetched with the session and saved as a file.
$("report-csv").addEventListener("click", async () => {
  $("error").textContent = "";
  try {
    const reply = await fetch("api/report.csv?" + reportQuery(),
                              { headers: { "X-Silian-Session": token }, credentials: "omit" });
    if (!reply.ok) {
      const j = await reply.json().catch(() => ({ message: reply.statusText }));
      throw new Error(j.message || reply.statusText);
    }
    const a = el("a");
    a.href = URL.createObjectURL(await reply.blob());
    a.download = `silian-report-${$("report-from").value}-${$("report-to").value}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
  } catch (e) {
    $("error").textContent = I18N.t("error.prefix") + e.message;
  }
});

// The report period, this year up to today, unless one is typed. Today is the hub's: the date in China
// Standard Time (UTC+8, as the report dates every time), whatever this browser's time zone.
function defaultPeriod() {
  if ($("report-from").value) return;
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  $("report-to").value = today;
  $("report-from").value = today.slice(0, 4) + "-01-01";
}

// The first page's pass over the cases, asked for as the page opens with the session this tab kept, while
// the messages and the session load: the page is ready when both are, not one after the other. Its answer
// (null when refused: the session expired) is taken once by the first load() of the same query.
let early = null;
const firstPage = () => "dashboard?months=12&" + reportQuery();
function askEarly() {
  if (!token) return;
  defaultPeriod();
  const path = firstPage();
  const reply = fetch("api/" + path, { headers: { "X-Silian-Session": token }, credentials: "omit" })
    .then((r) => (r.ok ? r.json() : null), () => null);
  early = { path, reply };
}

// The answer to `path` (api/dashboard): the early one when it asked the same and was answered, else asked now.
async function dashboard(path) {
  const e = early;
  early = null;
  const d = e && e.path === path ? await e.reply : null;
  return d || api("GET", path);
}

async function load() {
  $("error").textContent = "";
  defaultPeriod();
  try {
    // The division names are asked for beside the rest, and drawn with before any table that shows them.
    const named = api("GET", "names").then((n) => { names = n.names; });
    // The overdue tables, the charts and the report from one pass over the cases (api/dashboard).
    // Should it be refused (a report period left half typed), each part is asked for on its own, so that the
    // others still show and the refusal names its own part.
    const first = Promise.all([dashboard(firstPage()), named]).then(([d]) => {
      showOverdue(d.overdue);
      showTrend(d.trend);
      showReport(d.report);
    }, () => named.then(() => Promise.all([
      api("GET", "overdue").then(showOverdue), api("GET", "trend?months=12").then(showTrend), loadReport()])));
    await Promise.all([named.then(loadNetwork), first]);
  } catch (e) {
    $("error").textContent = I18N.t("error.prefix") + e.message;
  }
}

askEarly();
(async () => {
  // The session is asked for while the messages load: two round trips at once.
  const session = api("GET", "session");
  session.catch(() => {});  // its error is the one awaited below
  await I18N.load();
  I18N.apply();
  $("lang").value = I18N.lang;
  info = await session;
  $("node").textContent = info.node + " · " + I18N.t("level." + info.level) + " · " + info.division;
  if (info.session) enter(info.session); else showLogin();
})().catch((e) => { document.body.prepend(el("p", e.message, "error")); });
