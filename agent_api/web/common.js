// What the console and the wallboard share: DOM helpers and the API client.
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

// The pages' sign-in form (#signin-form, errors in #signin-error): the token is kept for the tab
// and handed to `signedIn(token, username)`, which may throw to show an error.
export function onSignIn(api, signedIn) {
  $("#signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    try {
      const t = await api("POST", "/auth/token", { username: form.get("username"), password: form.get("password") }, true);
      sessionStorage.setItem("hotline.token", t.access_token);
      $("#signin-error").textContent = "";
      await signedIn(t.access_token, form.get("username"));
    } catch (e) { $("#signin-error").textContent = e.message; }
  });
}
