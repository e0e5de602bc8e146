// The wallboard's live feed as the wallboard and the supervisor's desk share it: the sign-in, the
// names of branches and queues, and a WebSocket that reconnects (backing off to 10 s) and is
// opened anew when it falls silent, so a board left on a wall for a shift stays live; its token
// is renewed at half its life, so the board stays signed in for days. Only the latest snapshot
// is kept.
import { $, apiClient, el, onSignIn, show } from "./common.js";
import { language, localTime, mmss, t, tf, word } from "./i18n.js";

const SILENT_MS = 5000;  // a snapshot comes every second: this long without one, the link is dead

export const duration = (s) => (s === null || s === undefined ? "–" : mmss(s));
export const percent = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 100)}%`);

// An agent's row as both boards begin it: number, branch, state (with the pause's reason), time
// in it and calls handled; `last` is the board's own last cell.
export function agentRow(a, branches, last) {
  const tr = el("tr");
  tr.dataset.agent = a.number;
  const state = el("span", word("agent_state", a.state), "state");
  state.dataset.state = a.state;
  const stateCell = el("td");
  stateCell.append(state);
  if (a.pause_reason) stateCell.append(el("span", ` ${word("pause", a.pause_reason)}`, "muted"));
  tr.append(el("td", a.number), el("td", branches[a.branch] || a.branch), stateCell,
            el("td", duration(a.time_in_state_seconds)), el("td", a.calls_handled_today), last);
  return tr;
}

export function boardFeed(render) {
  const board = { token: sessionStorage.getItem("hotline.token"), role: null, socket: null, retry: 500,
                  frame: null, branches: {}, types: {}, again: null, silent: null, renewal: null };
  const api = apiClient(() => board.token, () => signOut());

  // "BJ-order" as the reader says it: 北京分公司 · 订货 (the queue's code when either is unknown).
  function queueName(queue) {
    const cut = queue.indexOf("-");
    const branch = board.branches[queue.slice(0, cut)], type = board.types[queue.slice(cut + 1)];
    if (!branch || !type) return queue;
    return `${branch} · ${language() === "zh" ? type.name_zh : type.name_en}`;
  }

  function setLink(up) {
    $("#link").dataset.up = String(up);
    show($("#link"), () => t(up ? "link.live" : "link.offline"));
  }

  function watch(ws) {
    clearTimeout(board.silent);
    board.silent = setTimeout(() => ws.close(), SILENT_MS);
  }

  function connect() {
    clearTimeout(board.again);
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/wallboard`);
    board.socket = ws;
    watch(ws);
    ws.onopen = () => ws.send(JSON.stringify({ token: board.token }));
    ws.onmessage = (msg) => {
      const frame = JSON.parse(msg.data);
      watch(ws);
      board.role = frame.role;
      board.retry = 500;
      board.frame = frame;
      setLink(true);
      show($("#updated"), () => tf("msg.updated", { time: localTime(frame.at).slice(11) }));
      render();
    };
    ws.onclose = (ev) => {
      clearTimeout(board.silent);
      if (board.socket !== ws) return;  // an old socket, already replaced
      setLink(false);
      if (ev.code === 4401 || ev.code === 4403) { signOut(`ws.${ev.code}`); return; }
      if (board.token) board.again = setTimeout(connect, (board.retry = Math.min(board.retry * 2, 10000)));
    };
  }

  // At half the token's remaining life (every 5 s at most), a new token, and a feed opened with
  // it (the old feed closes when the old token expires). Refused, the sign-in shows (the api's
  // 401); unreachable, it asks again while the old token runs on.
  function renewAt(expiresAt) {
    clearTimeout(board.renewal);
    const wait = Math.max(5000, (Date.parse(expiresAt) - Date.now()) / 2);
    board.renewal = setTimeout(async () => {
      let reply;
      try { reply = await api("POST", "/auth/renew"); } catch (e) {
        if (e.status !== 401) renewAt(expiresAt);
        return;
      }
      board.token = reply.access_token;
      sessionStorage.setItem("hotline.token", board.token);
      const old = board.socket;
      connect();
      old?.close();
      renewAt(reply.expires_at);
    }, wait);
  }

  function signOut(reason = null) {
    board.token = null;
    sessionStorage.removeItem("hotline.token");
    clearTimeout(board.again);
    clearTimeout(board.silent);
    clearTimeout(board.renewal);
    const ws = board.socket;
    board.socket = null;
    if (ws) ws.close();
    $("#board").hidden = true;
    $("#signin").hidden = false;
    show($("#signin-error"), reason && (() => t(reason)));
  }

  async function showBoard(me) {
    $("#who").textContent = me.username;
    renewAt(me.token_expires_at);
    $("#signin").hidden = true;
    $("#board").hidden = false;
    const branches = await api("GET", "/branches").catch(() => []);
    board.branches = Object.fromEntries(branches.map((b) => [b.code, b.name]));
    const types = await api("GET", "/business-types").catch(() => []);
    board.types = Object.fromEntries(types.map((bt) => [bt.code, bt]));
    connect();
  }

  function start() {
    setLink(false);
    const signedIn = () => api("GET", "/auth/me").then(showBoard);
    onSignIn(api, (token) => {
      board.token = token;
      return signedIn();
    });
    $("#btn-signout")?.addEventListener("click", () => signOut());
    if (board.token) signedIn().catch(() => signOut());
  }

  return { board, api, queueName, start };
}
