// The village agent's and the clerk's app: login, item search, the intake form checked as you type (by the
// server: POST api/check applies the core's rules), registration, "my work", the window queue and sync.
// Every text comes from the message catalogue (i18n.js); data from the server is shown with textContent.
"use strict";
let token = sessionStorage.getItem("silian.token") || "";
let info = null;
let chosen = null;  // the item of the intake form

// ---- Login

function showLogin() {
  token = "";
  sessionStorage.removeItem("silian.token");
  $("app").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("login-staff").hidden = !info || !info.staff_required;
  $("login-actor").hidden = !info || info.staff_required;
}

async function start() {
  // The session is asked for while the messages load: two round trips at once.
  const session = api("GET", "session");
  session.catch(() => {});  // its error is the one awaited below
  await I18N.load();
  I18N.apply();
  $("lang").value = I18N.lang;
  info = await session;
  $("node").textContent = info.node + " · " + I18N.t("level." + info.level) + " · " + info.division;
  if (info.session) enter(info.session); else showLogin();
}

function enter(session) {
  I18N.forUser(session.actor);
  $("lang").value = I18N.lang;
  $("who").textContent = I18N.t("login.as", { actor: session.actor });
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  refreshSync();
  $("search").focus();
  search();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("login-error").textContent = "";
  const body = info.staff_required
    ? { staff_id: $("login-staff-id").value, passphrase: $("login-pass").value }
    : { actor: $("login-actor-name").value };
  try {
    const s = await api("POST", "login", body);
    token = s.token;
    sessionStorage.setItem("silian.token", token);
    $("login-pass").value = "";
    enter(s);
  } catch (e) {
    $("login-error").textContent = I18N.error(e);
  }
});

$("logout").addEventListener("click", async () => {
  await api("POST", "logout").catch(() => {});
  showLogin();
});

$("lang").addEventListener("change", () => {
  I18N.set($("lang").value);
  if (!$("app").hidden) { refreshSync(); renderItems(lastItems); }
});

// ---- Tabs

document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => {
  document.querySelectorAll(".tabs button").forEach((x) => x.classList.toggle("on", x === b));
  for (const tab of ["intake", "work", "queue", "case", "conflicts", "usb"]) $("tab-" + tab).hidden = tab !== b.dataset.tab;
  if (b.dataset.tab === "work") loadWork();
  if (b.dataset.tab === "queue") loadQueue();
  if (b.dataset.tab === "conflicts") loadConflicts();
}));

// ---- Sync, in plain words

let lastSync = null;
async function refreshSync(result) {
  try {
    lastSync = await api("GET", "sync");
  } catch (e) {
    $("sync-words").textContent = I18N.t("sync.failed", { message: e.message });
    return;
  }
  const s = lastSync;
  const words = [];
  if (result) words.push(I18N.t("sync.done", { pushed: result.pushed, pulled: result.pulled }));
  if (!s.hub_url) words.push(I18N.t("sync.no_hub"));
  const parent = s.levels[0];
  if (parent) {
    const level = I18N.t("level." + parent.level);
    words.push(parent.own_ops_missing > 0 ? I18N.t("sync.pending", { n: parent.own_ops_missing, level })
                                          : I18N.t("sync.all_there", { level }));
  }
  words.push(s.last_sync_ms ? I18N.t("sync.last", { age: age(s.now_ms - s.last_sync_ms) }) : I18N.t("sync.never"));
  $("sync-words").textContent = words.join("; ");
  $("sync").classList.toggle("stale", !s.last_sync_ms || s.now_ms - s.last_sync_ms > 86400000);
}

$("sync-now").addEventListener("click", async () => {
  $("sync-now").disabled = true;
  $("sync-words").textContent = I18N.t("sync.running");
  try {
    const s = await api("POST", "sync");
    await refreshSync(s.result);
  } catch (e) {
    await refreshSync();
    $("sync-words").textContent = I18N.t("sync.failed", { message: e.message }) + "; " + $("sync-words").textContent;
  } finally {
    $("sync-now").disabled = false;
  }
});

// ---- Item search

let lastItems = [];
let searchSeq = 0;
async function search() {
  const seq = ++searchSeq;
  try {
    const r = await api("GET", "items?q=" + encodeURIComponent($("search").value));
    if (seq === searchSeq) renderItems(r.items, r.query);
  } catch (e) {
    $("items").replaceChildren(el("li", I18N.t("error.prefix") + e.message, "error"));
  }
}

function renderItems(items, query) {
  lastItems = items;
  const list = $("items");
  list.replaceChildren();
  if (query !== undefined) list.dataset.query = query;  // the search these results answer
  if (items.length === 0) list.append(el("li", I18N.t("intake.none"), "muted"));
  for (const item of items) {
    const li = el("li");
    const b = el("button");
    b.type = "button";
    b.className = "item";
    b.dataset.code = item.code;
    b.append(el("span", item.name));
    const how = I18N.t("intake.matched." + item.matched_by);
    b.append(el("div", item.code + " · " + item.initials + (how ? " · " + how : ""), "sub"));
    b.addEventListener("click", () => choose(item));
    li.append(b);
    list.append(li);
  }
}

$("search").addEventListener("input", search);
$("search").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && lastItems.length > 0) { ev.preventDefault(); choose(lastItems[0]); }
});

// ---- The intake form

function choose(item) {
  chosen = item;
  $("registered").hidden = true;
  $("intake").hidden = false;
  $("item-name").textContent = item.name;
  $("item-meta").textContent = item.code + " · " + item.lead_department + " · " +
    I18N.t("intake.level", { level: I18N.t("level." + item.exercise_level) }) +
    (item.instant ? " · " + I18N.t("intake.instant") : "");
  $("register-instant").hidden = !item.instant;
  const list = $("materials");
  list.replaceChildren();
  item.materials.forEach((m, i) => {
    const li = el("li");
    const label = el("label");
    label.className = "inline";
    const box = el("input");
    box.type = "checkbox";
    box.id = "m-" + i;
    box.dataset.name = m.name;
    const copies = el("input");
    copies.type = "number";
    copies.min = 1;
    copies.max = 1000;
    copies.value = m.count;
    copies.id = "c-" + i;
    copies.setAttribute("aria-label", I18N.t("intake.copies"));
    copies.style.width = "5rem";
    const form = I18N.t(m.form === "original" ? "intake.original" : "intake.copy");
    label.append(box, el("span", m.name + " (" + form + " × " + m.count + (m.optional ? ", " + I18N.t("intake.optional") : "") + ")"), copies);
    li.append(label);
    list.append(li);
  });
  $("f-applicant_name").focus();
}

// Checks a field as it is typed: the server answers with the core's rule (its normal form or its message).
let checkTimers = {};
function checkField(input) {
  const field = input.dataset.field;
  clearTimeout(checkTimers[field]);
  checkTimers[field] = setTimeout(async () => {
    const hint = $("h-" + field);
    if (input.value === "" && !input.required) {
      hint.textContent = "";
      input.classList.remove("bad", "good");
      return;
    }
    try {
      const r = await api("POST", "check", { field, value: input.value, id_type: $("f-applicant_id_type").value });
      input.classList.toggle("bad", !r.valid);
      input.classList.toggle("good", r.valid);
      hint.classList.toggle("good", r.valid);
      hint.textContent = r.valid ? I18N.t("check.ok") + (r.value !== input.value ? " " + r.value : "") : r.message;
    } catch (e) {
      hint.textContent = e.message;
    }
  }, 150);
}
document.querySelectorAll("#intake input[data-field]").forEach((i) => i.addEventListener("input", () => checkField(i)));
$("f-applicant_id_type").addEventListener("change", () => {
  if ($("f-applicant_id").value !== "") checkField($("f-applicant_id"));
});

// Registers the case of the form; `instant`: an instant item taken to delivery in the same call (the server
// checks first that this node and this user may take every step, and writes nothing otherwise).
async function register(instant) {
  $("intake-error").textContent = "";
  const materials = [];
  $("materials").querySelectorAll("input[type=checkbox]").forEach((box, i) => {
    if (box.checked) materials.push({ name: box.dataset.name, copies: Number($("c-" + i).value) });
  });
  const body = { item_code: chosen.code, materials, receive: $("f-receive").checked || instant, instant,
                 applicant_id_type: $("f-applicant_id_type").value };
  for (const f of ["applicant_name", "applicant_id", "phone", "address", "summary"]) body[f] = $("f-" + f).value;
  $("register").disabled = true;
  try {
    const r = await api("POST", "cases", body);
    $("case-number").textContent = r.case_number;
    $("case-number").dataset.caseId = r.case_id;
    $("intake").hidden = true;
    $("registered").hidden = false;
    $("instant-done").hidden = !instant;
    $("intake").reset();
    document.querySelectorAll("#intake .hint").forEach((h) => { h.textContent = ""; });
    document.querySelectorAll("#intake input").forEach((i) => i.classList.remove("bad", "good"));
    refreshSync();
  } catch (e) {
    $("intake-error").textContent = errorText(e);
  } finally {
    $("register").disabled = false;
  }
}

$("intake").addEventListener("submit", (ev) => {
  ev.preventDefault();
  register(false);
});

$("register-instant").addEventListener("click", () => {
  if (window.confirm(I18N.t("instant.confirm", { name: chosen.name }))) register(true);
});

$("new-case").addEventListener("click", () => {
  $("registered").hidden = true;
  $("search").value = "";
  $("search").focus();
  search();
});

$("print-receipt").addEventListener("click", async () => {
  $("print-error").textContent = "";
  const ref = $("case-number").dataset.caseId;
  try {
    const reply = await fetch("api/cases/" + encodeURIComponent(ref) + "/print/receipt",
                              { headers: { "X-Silian-Session": token }, credentials: "omit" });
    if (!reply.ok) {
      const j = await reply.json();
      $("print-error").textContent = I18N.t("print.not_ready", { message: j.message });
      return;
    }
    const doc = await reply.json();
    const w = window.open("", "_blank");
    if (w) { w.document.write(doc.html); w.document.close(); w.print(); }
  } catch (e) {
    $("print-error").textContent = e.message;
  }
});

// ---- My work

// The query of a list narrowed to the division typed in `input` ("" for the node's whole area).
function narrowed(input) {
  const d = $(input).value.trim();
  return d ? "?division=" + encodeURIComponent(d) : "";
}

// The count of a list's heading: "(n)", or "(shown / total)" when the server cut it.
function counted(shown, total) {
  return " (" + (total > shown ? I18N.t("list.of", { shown, total }) : shown) + ")";
}

// Says that a list was cut (how much it shows of how many) and how to narrow it, in `p`.
function sayCut(p, shown, total) {
  p.hidden = !(total > shown);
  p.textContent = p.hidden ? "" : I18N.t("list.cut", { shown, total });
}

async function loadWork() {
  const box = $("work");
  $("work-error").textContent = "";
  const query = narrowed("work-division");
  try {
    const w = await api("GET", "work" + query);
    box.replaceChildren();
    box.append(owedList(query));
    for (const q of ["drafts", "received", "correction", "to_deliver"]) {
      const h = el("h3", I18N.t("work." + q) + counted(w[q].length, w.totals[q]));
      h.dataset.queue = q;
      box.append(h);
      if (w.totals[q] > w[q].length) {
        const cut = el("p", undefined, "warn");
        cut.dataset.cut = q;
        sayCut(cut, w[q].length, w.totals[q]);
        box.append(cut);
      }
      const ul = el("ul", undefined, "list");
      if (w[q].length === 0) ul.append(el("li", I18N.t("work.empty"), "muted"));
      for (const c of w[q]) {
        const li = el("li");
        li.append(caseLink(c.case_id, c.case_number), el("span", " · " + c.applicant_name + " · " + c.item_code + " "));
        const next = { drafts: "receive", received: "forward" }[q];
        if (next) {
          const b = el("button", I18N.t("work." + next), "act");
          b.type = "button";
          b.dataset.action = next;
          b.addEventListener("click", async () => {
            try {
              await api("POST", "cases/" + encodeURIComponent(c.case_id) + "/act", { action: next });
              loadWork();
              refreshSync();
            } catch (e) {
              box.prepend(el("p", errorText(e), "error"));
            }
          });
          li.append(b);
        }
        ul.append(li);
      }
      box.append(ul);
    }
  } catch (e) {
    box.replaceChildren();
    $("work-error").textContent = errorText(e);
  }
}

$("work-narrow").addEventListener("submit", (ev) => {
  ev.preventDefault();
  loadWork();
});

// ---- The window queue (clerks): by due date, overdue first

async function loadQueue() {
  const body = document.querySelector("#queue tbody");
  $("queue-error").textContent = "";
  try {
    const q = await api("GET", "queue" + narrowed("queue-division"));
    $("queue-as-of").textContent = I18N.t("queue.as_of", { date: q.as_of });
    sayCut($("queue-cut"), Math.min(q.limit, q.candidates), q.candidates);
    body.replaceChildren();
    if (q.cases.length === 0) {
      const tr = el("tr");
      const td = el("td", I18N.t("queue.empty"), "muted");
      td.colSpan = 6;
      tr.append(td);
      body.append(tr);
    }
    for (const c of q.cases) body.append(queueRow(c));
  } catch (e) {
    body.replaceChildren();
    $("queue-cut").hidden = true;
    $("queue-error").textContent = errorText(e);
  }
}

$("queue-narrow").addEventListener("submit", (ev) => {
  ev.preventDefault();
  loadQueue();
});

function queueRow(c) {
  const tr = el("tr", undefined, c.state);
  tr.append(el("td", c.due || "-"), el("td", I18N.t("state." + c.state), "state-" + c.state),
            el("td"), el("td", c.item), el("td", c.applicant_name));
  tr.children[2].append(caseLink(c.case_id, c.case_number));
  const actions = el("td");
  for (const a of c.actions) {
    const b = el("button", I18N.t("queue." + a.replace("-", "_")));
    b.type = "button";
    b.addEventListener("click", () => act(c, a));
    actions.append(b);
  }
  tr.append(actions);
  return tr;
}

async function act(c, action) {
  let reason = "";
  if (action === "request-correction") {
    reason = window.prompt(I18N.t("queue.reason")) || "";
    if (!reason) return;
  }
  try {
    await api("POST", "cases/" + encodeURIComponent(c.case_id) + "/act", { action, reason });
    loadQueue();
  } catch (e) {
    $("queue-error").textContent = errorText(e);
  }
}

start().catch((e) => { document.body.prepend(el("p", e.message, "error")); });
