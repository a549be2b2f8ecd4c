// The app's languages: one message catalogue (messages.json) for every text, Chinese by default,
// Mongolian in the traditional script (written vertically: app.css) and English. The choice is kept per
// user (per actor) in this browser, and before login for the browser as a whole. A refusal of the API says
// itself from the catalogue too: its message key ("err.*", the core's) with its parameters.
"use strict";
const I18N = (() => {
  let catalogue = null;
  let lang = "zh";
  let user = "";
  const key = () => "silian.lang" + (user ? "." + user : "");

  function t(id, params) {
    const entry = catalogue && catalogue.messages[id];
    let text = entry ? (entry[lang] !== undefined ? entry[lang] : entry.zh) : id;
    for (const [k, v] of Object.entries(params || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }

  const has = (id) => Boolean(catalogue && catalogue.messages[id] && catalogue.messages[id][lang] !== undefined);

  // A parameter of a keyed refusal that names an enumerated value (an action, a status, a level, a field,
  // an ID type, a detail) is said through the catalogue when it has the entry, as i18n/catalogue.h does.
  const kEnumPrefix = { action: "action.", status: "status.", level: "level.", node_level: "level.",
                        field: "field.", id_type: "idtype.", detail: "case.", stage: "stage.", channel: "channel." };
  function param(name, value) {
    const prefix = kEnumPrefix[name];
    const id = prefix ? (prefix + String(value)).replace(/-/g, "_") : "";
    if (prefix && has(id)) return t(id);
    const chars = Array.from(String(value));  // shown at most 80 characters long, as the programs do
    return chars.length > 80 ? chars.slice(0, 80).join("") + "…" : chars.join("");
  }

  // The text of `id` with each {name} replaced in one pass (a value that holds braces stays as it is).
  function say(id, params) {
    return t(id).replace(/\{([a-z0-9_]+)\}/g, (whole, name) => (name in params ? params[name] : whole));
  }

  // A refused API call (an Error from api(): message, code, key, params) in the user's words: the core's
  // message key with its parameters when the catalogue has it in this language, else the error code's
  // text; then the core's own English message as the detail. Never read from the English text.
  function error(e) {
    const params = {};
    for (const [k, v] of Object.entries(e.params || {})) params[k] = param(k, v);
    let said = "";
    if (e.key && has(e.key)) said = say(e.key, params);
    else if (e.code && has("error." + e.code)) said = t("error." + e.code);
    if (!said) return t("error.prefix") + e.message;
    return t("error.prefix") + said + "\n" + t("error.detail") + e.message;
  }

  // Every element with data-i18n gets its text; data-i18n-placeholder its placeholder.
  function apply(root) {
    (root || document).querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    (root || document).querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    });
    document.documentElement.lang = catalogue.languages[lang].tag;
  }

  async function load() {
    const reply = await fetch("messages.json", { credentials: "omit" });
    catalogue = await reply.json();
    const saved = localStorage.getItem(key());
    if (saved && catalogue.languages[saved]) lang = saved;
  }

  function set(code) {
    if (!catalogue.languages[code]) return;
    lang = code;
    localStorage.setItem(key(), code);
    apply();
  }

  // Switches to `name`'s saved language, if any (after login).
  function forUser(name) {
    user = name || "";
    const saved = localStorage.getItem(key());
    if (saved && catalogue.languages[saved]) lang = saved;
    apply();
  }

  return { t, error, apply, load, set, forUser, get lang() { return lang; } };
})();
