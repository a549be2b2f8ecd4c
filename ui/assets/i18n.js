// The app's languages: one message catalogue (messages.json) for every text, Chinese by default,
// Mongolian in the traditional script (written vertically: app.css) and English. The choice is kept per
// user (per actor) in this browser, and before login for the browser as a whole.
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

  return { t, apply, load, set, forUser, get lang() { return lang; } };
})();
