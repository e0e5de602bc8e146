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
// `api.page(path)` reads one page of a list that the API pages (see PagedList).
export function apiClient(tokenOf, unauthorized) {
  async function send(method, path, body, form) {
    const headers = {};
    const token = tokenOf();
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload;
    if (body instanceof FormData) payload = body;  // a file upload: the browser sets the type
    else if (form) payload = new URLSearchParams(body);
    else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    const reply = await fetch(path, { method, headers, body: payload });
    if (reply.status === 204) return [reply, null];
    const data = await reply.json().catch(() => ({ detail: reply.statusText }));
    if (reply.status === 401 && path !== "/auth/token") unauthorized();
    if (!reply.ok) throw new ApiError(reply.status, messagesOf(data.detail), data.detail);
    return [reply, data];
  }
  const api = async (method, path, body, form = false) => (await send(method, path, body, form))[1];
  api.page = async (path) => {
    const [reply, rows] = await send("GET", path);
    const next = /<([^>]+)>;\s*rel="next"/.exec(reply.headers.get("Link") || "");
    const total = reply.headers.get("X-Total-Count");
    return { rows, next: next ? next[1] : null, total: total === null ? null : Number(total) };
  };
  return api;
}

// A list the API gives a page at a time, newest first (calls, orders, opinions, recordings,
// voicemails): `first(path)` reads its first page, `more()` adds the next one, from the address
// the last reply's Link header gave (`next` is null on the last page). `total` counts every page
// (null when the API does not count that far). A `more()` overtaken by a new `first()` is dropped.
export class PagedList {
  constructor(api) { this.api = api; this.rows = []; this.next = null; this.total = null; this.asked = 0; }
  async first(path) {
    const asked = ++this.asked;
    const page = await this.api.page(path);
    if (asked === this.asked) Object.assign(this, page);
  }
  async more() {
    const asked = this.asked;
    if (!this.next) return;
    const page = await this.api.page(this.next);
    if (asked !== this.asked) return;
    this.rows = this.rows.concat(page.rows);
    this.next = page.next;
    this.total = page.total ?? this.total;
  }
}

// The reader's local days `from` .. `to` ("2026-03-01", both included; either may be empty) as
// a list's range: since the first day's midnight, until the midnight after the last.
export function dayRange(from, to) {
  const range = new URLSearchParams();
  if (from) range.set("since", new Date(`${from}T00:00:00`).toISOString());
  if (to) {
    const end = new Date(`${to}T00:00:00`);
    end.setDate(end.getDate() + 1);
    range.set("until", end.toISOString());
  }
  return range;
}

// Today on the reader's clock, as a date input holds it: "2026-03-01".
export function today() {
  const now = new Date();
  const two = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
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
