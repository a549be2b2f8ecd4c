// The clerk's case page: open a case from any queue (or by its number), read what `case show` shows, and act
// on it with forms the server checks (docs/api.md): transitions with their details (tolerant acceptance with
// the owed materials and their due date, certificate, delivery, extension), review steps, department
// decisions of parallel items, fees, materials received, and the printable documents. The page offers what
// the case's status allows; the server is the authority and its refusal is shown as it words it.
// Also the "owed materials due" list of my work. Loaded after app.js (uses api, el, $, token).
"use strict";

let shownCase = null;  // the case page's view

// A refusal in the user's words (i18n.js: the core's message key, else the error code, and the core's own
// message as the detail).
function errorText(e) {
  return I18N.error(e);
}

// A button showing `number` that opens case `id` on the case page.
function caseLink(id, number) {
  const b = el("button", number, "link");
  b.type = "button";
  b.dataset.case = id;
  b.addEventListener("click", () => openCase(id));
  return b;
}

function showTab(name) {
  document.querySelector(".tabs button[data-tab=" + name + "]").click();
}

async function openCase(ref, done) {
  showTab("case");
  $("case-ref").value = ref;
  $("case-error").textContent = "";
  $("case-done").hidden = !done;
  if (done) $("case-done").textContent = done;
  try {
    renderCase(await api("GET", "cases/" + encodeURIComponent(ref) + "/page"));
  } catch (e) {
    $("case-page").hidden = true;
    $("case-error").textContent = errorText(e);
  }
}

$("case-open").addEventListener("submit", (ev) => {
  ev.preventDefault();
  if ($("case-ref").value.trim()) openCase($("case-ref").value.trim());
});

function fieldOf(view, name) {
  const f = (view.fields || {})[name];
  return f && typeof f === "object" ? (f.value !== undefined ? f.value : (f.values || []).join(" / ")) : (f || "");
}

function renderCase(v) {
  shownCase = v;
  $("case-page").hidden = false;
  $("case-title").textContent = v.case_number + " · " + ((v.item || {}).name || fieldOf(v, "item_code"));
  $("case-status").textContent = I18N.t("case.status", { status: I18N.t("status." + v.status),
                                                         applicant: fieldOf(v, "applicant_name") });
  $("case-owed").hidden = v.owed_outstanding.length === 0;
  if (v.owed) $("case-owed").textContent = I18N.t("owed.outstanding", { names: v.owed_outstanding.join("、"), due: v.owed.due });
  $("case-text").textContent = v.text;
  renderNotices(v.notices);
  renderActForm(v);
  renderStepForm(v);
  renderDecideForm(v);
  renderFactForms(v);
  const fees = v.fees || {};
  $("fee-totals").textContent = I18N.t("fee.totals", { charged: yuan(fees.charged_fen), paid: yuan(fees.paid_fen),
                                                        refunded: yuan(fees.refunded_fen) });
  offerFee();
  const names = [...v.owed_outstanding, ...v.checklist.filter((n) => !v.owed_outstanding.includes(n))];
  $("material-name").replaceChildren(...names.map((n) => option(n, n)));
  $("case-print").replaceChildren(...["receipt", "acceptance", "not-accepted", "one-time-notice", "decision"].map((d) => {
    const b = el("button", I18N.t("doc." + d.replace(/-/g, "_")), "plain");
    b.type = "button";
    b.addEventListener("click", () => printDoc(v.case_id, d));
    return b;
  }));
}

// The notices the applicant is sent for the case's stages (what the outbox of the notifying hub holds).
function renderNotices(notices) {
  const list = $("case-notices");
  list.replaceChildren();
  if (notices.length === 0) list.append(el("li", I18N.t("notices.none"), "muted"));
  for (const n of notices) {
    const li = el("li");
    li.dataset.kind = n.kind;
    li.dataset.notice = n.id;
    li.append(el("span", localTime(n.time) + " · ", "muted"), el("span", n.text, "notice-text"));
    if (!n.has_phone) li.append(el("span", " · " + I18N.t("notices.no_phone"), "warn"));
    list.append(li);
  }
}

// A time in China Standard Time, as the command line shows times (+08:00), whatever the laptop's zone.
function localTime(iso) {
  return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) + " (+08:00)";
}

// What the fee form offers (the server still requires the amount): a charge of the catalogue's fees of the
// case's item, a payment of what is charged and not yet paid.
function offerFee() {
  const v = shownCase;
  const fees = v.fees || {};
  const kind = $("fee-kind").value;
  const catalogue = v.catalogue_fees || [];
  let fen = 0, name = "";
  if (kind === "charge") {
    fen = catalogue.reduce((sum, f) => sum + f.amount_fen, 0);
    name = catalogue.map((f) => f.name).join(" + ");
  } else if (kind === "payment") {
    fen = Math.max(0, (fees.charged_fen || 0) - (fees.paid_fen || 0));
  }
  $("fee-amount").value = fen > 0 ? yuan(fen) : "";
  $("fee-name").value = name;
}
$("fee-kind").addEventListener("change", () => { if (shownCase) offerFee(); });

function yuan(fen) { return ((fen || 0) / 100).toFixed(2); }

function option(value, text) {
  const o = el("option", text);
  o.value = value;
  return o;
}

// ---- Transitions, with the details each takes

const DETAIL_GROUPS = { accept: "owed", "approve-tolerant": "owed", "issue-certificate": "certificate",
                        deliver: "deliver", extend: "extend" };

function renderActForm(v) {
  const actions = v.allowed_actions.filter((a) => a !== "receive");
  $("form-act").hidden = actions.length === 0;
  $("act-action").replaceChildren(...actions.map((a) => option(a, I18N.t("action." + a.replace(/-/g, "_")))));
  $("act-owed-list").replaceChildren(...v.checklist.map((name, i) => {
    const li = el("li");
    const label = el("label", undefined, "inline");
    const box = el("input");
    box.type = "checkbox";
    box.id = "owed-" + i;
    box.dataset.name = name;
    label.append(box, el("span", name));
    li.append(label);
    return li;
  }));
  showDetails();
}

function showDetails() {
  const group = DETAIL_GROUPS[$("act-action").value];
  for (const g of ["owed", "certificate", "deliver", "extend"]) $("act-" + g).hidden = g !== group;
}
$("act-action").addEventListener("change", showDetails);

function actBody() {
  const action = $("act-action").value;
  const details = {};
  const group = DETAIL_GROUPS[action];
  if (group === "owed") {
    const owed = [...$("act-owed-list").querySelectorAll("input:checked")].map((b) => b.dataset.name);
    if (owed.length) details.owed = owed.join("、");
    if ($("act-owed-due").value) details.owed_due = $("act-owed-due").value;
  }
  const keys = { certificate: ["certificate_name", "certificate_number", "valid_until"],
                 deliver: ["method", "tracking_number"], extend: ["days"] }[group] || [];
  for (const k of keys) if ($("act-" + k).value) details[k] = $("act-" + k).value;
  return { action, reason: $("act-reason").value, details };
}

// ---- Review steps and department decisions

function renderStepForm(v) {
  const pending = v.review ? v.review.pending : [];
  $("form-step").hidden = pending.length === 0 || !["accepted", "in_review"].includes(v.status);
  $("step-pending").textContent = I18N.t("step.pending", { step: pending[0] || "", passed: v.review ? v.review.passed.join(", ") : "" });
}

function renderDecideForm(v) {
  const pending = v.departments_pending || [];
  $("form-decide").hidden = pending.length === 0;
  $("decide-pending").textContent = I18N.t("decide.pending", { departments: pending.join("、") });
  $("decide-department").replaceChildren(...pending.map((d) => option(d, d)));
}

// ---- A lapsed correction, a subsidy, an evaluation: offered where the status makes them possible; the
// server judges each (a correction that has not lapsed yet, a subsidy on a case not approved, ...).

const SUBSIDY_STATUSES = ["decided_approved", "decided_approved_tolerance", "completed", "certificate_issued", "delivered"];

function renderFactForms(v) {
  $("form-lapse").hidden = v.status !== "correction_pending";
  $("lapse-due").textContent = v.correction_due ? I18N.t("lapse.due", { due: v.correction_due }) : "";
  $("form-subsidy").hidden = !SUBSIDY_STATUSES.includes(v.status);
  const s = v.subsidies || {};
  $("subsidy-paid").textContent = I18N.t("subsidy.paid", { paid: yuan(s.paid_fen), n: (s.entries || []).length });
  if (!$("evaluate-target").value) $("evaluate-target").value = info ? info.node : "";
  renderRectifyForm(v);
}

// The open rectifications of the case's negative evaluations (one opens with each): the form records
// their next step, and says which steps each has had.
function openRectifications(v) {
  return (v.evaluations || []).filter((e) => e.rectification && e.rectification.state === "open");
}

function renderRectifyForm(v) {
  const open = openRectifications(v);
  $("form-rectify").hidden = open.length === 0;
  const select = $("rectify-evaluation");
  const chosen = select.value;
  select.replaceChildren(...open.map((e) => option(e.op, I18N.t("rectify.option", {
    rating: I18N.t("rating." + e.rating), time: localTime(e.time), target: e.target }))));
  if (open.some((e) => e.op === chosen)) select.value = chosen;
  showRectifySteps();
}

function showRectifySteps() {
  const e = shownCase ? openRectifications(shownCase).find((x) => x.op === $("rectify-evaluation").value) : null;
  const steps = e ? e.rectification.steps.map((s) => I18N.t("rectify." + s.step)) : [];
  $("rectify-done").textContent = steps.length ? I18N.t("rectify.done_steps", { steps: steps.join("、") })
                                               : I18N.t("rectify.no_steps");
}
$("rectify-evaluation").addEventListener("change", showRectifySteps);

function evaluateBody() {
  const body = { rating: $("evaluate-rating").value, channel: $("evaluate-channel").value, stage: $("evaluate-stage").value,
                 comment: $("evaluate-comment").value, real_name: $("evaluate-real_name").checked,
                 assisted: $("evaluate-assisted").checked };
  body[$("evaluate-target-kind").value] = $("evaluate-target").value.trim();
  return body;
}

// ---- Every form posts to its call and shows the case again, or the refusal

function submitTo(form, call, body, after) {
  $(form).addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!shownCase) return;
    const button = $(form).querySelector("button[type=submit]");
    button.disabled = true;
    $("case-error").textContent = "";
    try {
      const r = await api("POST", "cases/" + encodeURIComponent(shownCase.case_id) + "/" + call, body());
      if (after) after();
      await openCase(shownCase.case_id, I18N.t("case.done", { op: r.op }));
      refreshSync();
    } catch (e) {
      $("case-done").hidden = true;
      $("case-error").textContent = errorText(e);
    } finally {
      button.disabled = false;
    }
  });
}

submitTo("form-act", "act", actBody, () => $("form-act").reset());
submitTo("form-step", "step", () => ({ step: (shownCase.review.pending || [])[0] || "", outcome: $("step-outcome").value,
                                       opinion: $("step-opinion").value }), () => $("form-step").reset());
submitTo("form-decide", "decide", () => ({ department: $("decide-department").value, decision: $("decide-decision").value,
                                           opinion: $("decide-opinion").value }), () => $("form-decide").reset());
submitTo("form-fee", "fee", () => ({ kind: $("fee-kind").value, amount: $("fee-amount").value, name: $("fee-name").value,
                                     bank_receipt: $("fee-bank_receipt").value, reason: $("fee-reason").value }),
         () => $("form-fee").reset());
submitTo("form-lapse", "lapse", () => ({ decision: $("lapse-decision").value, reason: $("lapse-reason").value,
                                         due: $("lapse-due-date").value }), () => $("form-lapse").reset());
submitTo("form-subsidy", "subsidy", () => ({ name: $("subsidy-name").value, amount: $("subsidy-amount").value,
                                             bank_transfer: $("subsidy-bank_transfer").value, note: $("subsidy-note").value }),
         () => $("form-subsidy").reset());
submitTo("form-evaluate", "evaluate", evaluateBody, () => $("form-evaluate").reset());
submitTo("form-rectify", "rectify", () => ({ evaluation: $("rectify-evaluation").value, step: $("rectify-step").value,
                                             note: $("rectify-note").value, due: $("rectify-due").value }),
         () => { $("rectify-note").value = ""; $("rectify-due").value = ""; });
submitTo("form-material", "material", () => ({ name: $("material-name").value, copies: Number($("material-copies").value) }));

async function printDoc(ref, doc) {
  $("case-error").textContent = "";
  try {
    const d = await api("GET", "cases/" + encodeURIComponent(ref) + "/print/" + doc);
    const w = window.open("", "_blank");
    if (w) { w.document.write(d.html); w.document.close(); w.print(); }
  } catch (e) {
    $("case-error").textContent = I18N.t("print.not_ready", { message: e.message });
  }
}

// ---- My work: owed materials due, overdue first (the server sorts)

// A box that fills itself from GET api/work/owed (a pass over every case of the area: the rest of my work
// is shown without waiting for it).
function owedList(query) {
  const box = el("div");
  box.id = "owed";
  box.append(el("h3", I18N.t("work.owed")));
  api("GET", "work/owed" + query).then((r) => fillOwed(box, r.owed, r.total))
    .catch((e) => box.append(el("p", errorText(e), "error")));
  return box;
}

function fillOwed(box, rows, total) {
  box.firstChild.textContent = I18N.t("work.owed") + counted(rows.length, total);
  if (total > rows.length) {
    const cut = el("p", undefined, "warn");
    cut.dataset.cut = "owed";
    sayCut(cut, rows.length, total);
    box.append(cut);
  }
  const ul = el("ul", undefined, "list");
  if (rows.length === 0) ul.append(el("li", I18N.t("work.empty"), "muted"));
  for (const r of rows) {
    const li = el("li", undefined, r.overdue ? "overdue" : "");
    li.dataset.case = r.case_id;
    li.append(caseLink(r.case_id, r.case_number),
              el("span", " · " + r.applicant_name + " · " + r.item + " · " +
                 I18N.t(r.overdue ? "owed.overdue" : "owed.due_on", { due: r.due, names: r.owed.join("、") })));
    ul.append(li);
  }
  box.append(ul);
  box.dataset.loaded = "true";
}

// ---- Conflicts side by side: who wrote what and when, and one click keeps one of them

async function loadConflicts() {
  const box = $("conflicts");
  $("conflicts-error").textContent = "";
  try {
    const r = await api("GET", "conflicts");
    box.replaceChildren();
    if (r.conflicts.length === 0) box.append(el("p", I18N.t("conflict.none"), "muted"));
    for (const c of r.conflicts) box.append(conflictCard(c));
  } catch (e) {
    $("conflicts-error").textContent = errorText(e);
  }
}

function conflictCard(c) {
  const card = el("div", undefined, "card conflict");
  card.dataset.conflict = c.id;
  const title = el("h4");
  title.append(caseLink(c.case_id, c.case_number || c.case_id),
               el("span", " · " + I18N.t(c.kind === "transition" ? "conflict.transition" : "conflict.field",
                                         { field: c.field })));
  card.append(title);
  const table = el("table");
  const rows = { what: el("tr"), who: el("tr"), when: el("tr"), keep: el("tr") };
  for (const [key, row] of Object.entries(rows)) row.append(el("th", I18N.t("conflict." + key)));
  for (const cand of c.candidates) {
    const what = c.kind === "transition" ? I18N.t("action." + String(cand.action).replace(/-/g, "_")) +
      (cand.outcome ? " (" + cand.outcome + ")" : "") : String(cand.value);
    rows.what.append(el("td", what, "candidate"));
    rows.who.append(el("td", I18N.t("conflict.by", { actor: cand.actor, node: cand.op.split(":")[0] })));
    rows.when.append(el("td", cand.time ? localTime(cand.time) : "-"));
    const td = el("td");
    const b = el("button", I18N.t("conflict.keep_this"));
    b.type = "button";
    b.dataset.keep = cand.op;
    b.addEventListener("click", () => resolveConflict(c, cand.op));
    td.append(b);
    rows.keep.append(td);
  }
  table.append(...Object.values(rows));
  card.append(table);
  return card;
}

async function resolveConflict(c, op) {
  $("conflicts-error").textContent = "";
  try {
    await api("POST", "conflicts/resolve", { conflict: c.id, keep: op });
    await loadConflicts();
    refreshSync();
  } catch (e) {
    $("conflicts-error").textContent = errorText(e);
  }
}

// ---- USB: export to and import from a directory the user names (a stick's mount point)

function usbDir() { return $("usb-dir").value.trim(); }

async function loadStick() {
  $("usb-error").textContent = "";
  try {
    const r = await api("GET", "usb?dir=" + encodeURIComponent(usbDir()));
    $("usb-for").replaceChildren(option("", I18N.t("usb.for_all")), ...r.frontiers.map((f) => option(f.name, f.name)));
    const list = $("usb-bundles");
    list.replaceChildren();
    if (r.bundles.length === 0) list.append(el("li", I18N.t("usb.none"), "muted"));
    for (const b of r.bundles) {
      const li = el("li", b.name + " · " + Math.ceil(b.bytes / 1024) + " KB · " + localTime(new Date(b.modified_ms).toISOString()) + " ");
      const button = el("button", I18N.t("usb.import"), "act");
      button.type = "button";
      button.dataset.bundle = b.name;
      button.addEventListener("click", () => importBundle(b.name));
      li.append(button);
      list.append(li);
    }
    return true;
  } catch (e) {
    $("usb-error").textContent = errorText(e);
    return false;
  }
}

function usbSaid(text, warnings) {
  $("usb-result").hidden = false;
  $("usb-result").textContent = text + (warnings && warnings.length ? "\n" + I18N.t("usb.warnings") + warnings.join("\n") : "");
}

$("usb-open").addEventListener("submit", (ev) => {
  ev.preventDefault();
  $("usb-result").hidden = true;
  loadStick();
});

$("usb-export").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("usb-error").textContent = "";
  $("usb-result").hidden = true;
  try {
    const r = await api("POST", "usb/export", { dir: usbDir(), for: $("usb-for").value, to: $("usb-to").value.trim() });
    await loadStick();
    usbSaid(I18N.t("usb.exported", { ops: r.ops, cases: r.cases, file: r.file, kb: Math.ceil(r.bytes / 1024) }) +
            (r.for_node ? " " + I18N.t("usb.for_node", { node: r.for_node }) : "") +
            (r.sealed_for ? " " + I18N.t("usb.sealed_for", { node: r.sealed_for }) : "") + " " +
            I18N.t("usb.frontier_written", { file: r.frontier_file }), r.warnings);
  } catch (e) {
    $("usb-error").textContent = errorText(e);
  }
});

async function importBundle(name) {
  $("usb-error").textContent = "";
  $("usb-result").hidden = true;
  try {
    const r = await api("POST", "usb/import", { dir: usbDir(), name });
    usbSaid(I18N.t("usb.imported", { name, sender: r.sender, new: r.new, known: r.known, cases: r.cases_touched }),
            r.warnings);
    refreshSync();
  } catch (e) {
    $("usb-error").textContent = errorText(e);
  }
}
