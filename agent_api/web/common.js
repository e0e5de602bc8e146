// What the console, the operations page and the wallboard share: DOM helpers, the API client, and
// the pages' words in the reader's language (from i18n.js), said again after the language switch.
import { known, language, refusal, setLanguage, t, tf } from "./i18n.js";

export const $ = (sel) => document.querySelector(sel);
export const el = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};

export class ApiError extends Error {
  constructor(status, messages, detail) {
    super(messages.join("; "));
    this.status = status; this.messages = messages; this.detail = detail;  // detail: as the API said it
  }
}

export function messagesOf(detail) {
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".")}: ${d.msg}`);
  }
  return [typeof detail === "string" ? detail : JSON.stringify(detail)];
}

// An API client sending the token `tokenOf()` gives; `unauthorized()` runs on a 401.
export function apiClient(tokenOf, unauthorized) {
  return async function api(method, path, body, form = false) {
    const headers = {};
    const token = tokenOf();
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload;
    if (body instanceof FormData) payload = body;  // a file upload: the browser sets the type
    else if (form) payload = new URLSearchParams(body);
    else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    const reply = await fetch(path, { method, headers, body: payload });
    if (reply.status === 204) return null;
    const data = await reply.json().catch(() => ({ detail: reply.statusText }));
    if (reply.status === 401 && path !== "/auth/token") unauthorized();
    if (!reply.ok) throw new ApiError(reply.status, messagesOf(data.detail), data.detail);
    return data;
  };
}

// An error a page raises itself, said by a dictionary key.
export class Said extends Error {
  constructor(key, params = {}) { super(key); this.key = key; this.params = params; }
}

// Why `error` happened, in the reader's words: each refusal naming its field and rule, else the
// status's word. A route that answers a sentence ("callback_at: between now and …") is said by
// the field it names, then the status's word. `scope` picks a page's own field names (refusal).
export function reasons(error, scope) {
  if (error instanceof Said) return [tf(error.key, error.params)];
  if (!(error instanceof ApiError)) return [t("error.other")];  // the network, or a bug
  if (Array.isArray(error.detail)) return error.detail.map((p) => refusal(p, scope));
  const status = known(`error.${error.status}`) ? t(`error.${error.status}`) : t("error.other");
  const [, field] = /^([a-z_]+): /.exec(typeof error.detail === "string" ? error.detail : "") || [];
  return [field && known(`field.${field}`) ? `${t(`field.${field}`)}: ${status}` : status];
}

// What a page shows in an element, as a function of the reader's language: shown now, and again
// after a switch. `words` gives a string (the element's text) or a list (its children: nodes, or
// strings as <li>s); null clears. Only for elements that stay: rows drawn inside use t() alone.
const shown = new Map();
export function show(target, words) {
  if (!words) { shown.delete(target); target.replaceChildren(); return; }
  shown.set(target, words);
  write(target, words());
}
function write(target, said) {
  if (Array.isArray(said)) target.replaceChildren(...said.map((m) => (m instanceof Node ? m : el("li", m))));
  else target.textContent = said;
}

// The page's fixed words: data-t (text), data-t-placeholder and data-t-label (aria-label).
function translate() {
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  for (const e of document.querySelectorAll("[data-t-placeholder]")) e.placeholder = t(e.dataset.tPlaceholder);
  for (const e of document.querySelectorAll("[data-t-label]")) e.setAttribute("aria-label", t(e.dataset.tLabel));
  for (const e of document.querySelectorAll(".lang")) e.textContent = t("app.language");
}

// The page in the reader's language (Chinese unless they chose English), and its switch: every
// button.lang toggles the language, kept for the next visit; `again` redraws what the page drew
// from data (tables), the rest is said again here.
export function languages(again = () => {}) {
  setLanguage(language());
  translate();
  for (const button of document.querySelectorAll("button.lang")) {
    button.addEventListener("click", () => {
      setLanguage(language() === "zh" ? "en" : "zh");
      translate();
      for (const [target, words] of shown) write(target, words());
      again();
    });
  }
}

// The pages' sign-in form (#signin-form, errors in #signin-error): the token is kept for the tab
// and handed to `signedIn(token, username)`, which may throw to show an error.
export function onSignIn(api, signedIn) {
  $("#signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    try {
      const t = await api("POST", "/auth/token", { username: form.get("username"), password: form.get("password") }, true);
      sessionStorage.setItem("hotline.token", t.access_token);
      show($("#signin-error"), null);
      await signedIn(t.access_token, form.get("username"));
    } catch (e) { show($("#signin-error"), () => reasons(e).join("; ")); }
  });
}
