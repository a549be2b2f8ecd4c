// The supervision dashboard of a county or city hub: the network below it (a child silent for a day or
// more stands out), what this hub has not yet relayed up, and overdue and warning cases by county and
// township. Read-only.
"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("silian.hub.token") || "";
let info = null;

async function api(method, path, body) {
  const headers = { "X-Silian-Session": token };
  const init = { method, headers, credentials: "omit" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const reply = await fetch("api/" + path, init);
  const json = await reply.json().catch(() => ({ message: reply.statusText }));
  if (reply.status === 401 && path !== "login") showLogin();
  if (!reply.ok) throw new Error(json.message || reply.statusText);
  return json;
}

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
    $("login-error").textContent = I18N.t("error.prefix") + e.message;
  }
});

$("lang").addEventListener("change", () => { I18N.set($("lang").value); if (!$("app").hidden) load(); });

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
    tr.append(name, el("td", I18N.t("level." + r.level)), el("td", r.division),
              el("td", r.depth ? "" : contactText(r, n.now_ms)), el("td", r.depth ? "" : String(r.ops_received)),
              el("td", r.depth ? "" : (r.errors ? r.errors + " · " + r.last_error : "0")));
    body.append(tr);
  }
  const up = n.levels_above[0];
  $("relay").textContent = up ? I18N.t("hub.relay", { n: up.own_ops_missing }) : "";
}

async function loadOverdue() {
  const o = await api("GET", "overdue");
  $("overdue-as-of").textContent = I18N.t("queue.as_of", { date: o.as_of });
  const counts = document.querySelector("#by-division tbody");
  counts.replaceChildren();
  for (const [list, depth] of [[o.by_county, 0], [o.by_township, 1]])
    for (const c of list) {
      const tr = el("tr", undefined, c.overdue ? "overdue" : "warning");
      tr.dataset.division = c.division;
      tr.append(el("td", (depth ? "└ " : "") + c.division), el("td", String(c.overdue)), el("td", String(c.warning)));
      counts.append(tr);
    }
  const cases = document.querySelector("#cases tbody");
  cases.replaceChildren();
  for (const c of o.cases) {
    const tr = el("tr", undefined, c.problem === "overdue" ? "overdue" : c.problem === "warning" ? "warning" : "");
    tr.append(el("td", I18N.t("state." + c.problem) === "state." + c.problem ? c.problem : I18N.t("state." + c.problem)),
              el("td", c.case_number), el("td", c.division), el("td", c.item), el("td", c.due || "-"));
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

async function load() {
  $("error").textContent = "";
  try {
    await Promise.all([loadNetwork(), loadOverdue()]);
  } catch (e) {
    $("error").textContent = I18N.t("error.prefix") + e.message;
  }
}

(async () => {
  await I18N.load();
  I18N.apply();
  $("lang").value = I18N.lang;
  info = await api("GET", "session");
  $("node").textContent = info.node + " · " + I18N.t("level." + info.level) + " · " + info.division;
  if (info.session) enter(info.session); else showLogin();
})().catch((e) => { document.body.prepend(el("p", e.message, "error")); });
