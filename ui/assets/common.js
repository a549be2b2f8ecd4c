// What both pages share (index.html and hub.html load it after i18n.js): building elements and saying how
// long ago something happened, in the user's language.
"use strict";

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
