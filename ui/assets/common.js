// What both pages share (index.html and hub.html load it after i18n.js): finding and building elements,
// calling the API with the page's session (each page keeps its own `token` and `showLogin`), and saying how
// long ago something happened, in the user's language.
"use strict";

const $ = (id) => document.getElementById(id);

// Calls the API with the page's session token; resolves to the JSON body, rejects with an Error carrying
// the server's message, its error code and, for a keyed refusal of the core, its message key and parameters.
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
  if (!reply.ok) {
    const e = new Error(json.message || reply.statusText);
    e.status = reply.status;
    e.code = json.error;      // the API's error code (docs/api.md)
    e.key = json.key;         // the core's message key of a refusal, when it has one (docs/api.md)
    e.params = json.params;
    throw e;
  }
  return json;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function age(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return I18N.t("age.s", { n: s });
  if (s < 7200) return I18N.t("age.min", { n: Math.round(s / 60) });
  if (s < 172800) return I18N.t("age.h", { n: Math.round(s / 3600) });
  return I18N.t("age.d", { n: Math.round(s / 86400) });
}
