// The wallboard: queues and agents, live over a WebSocket (a snapshot a second); from an agent's
// row a supervisor listens, whispers or barges on their own phone. Every word from the dictionary
// (i18n.js), durations as mm:ss, the time at the reader's clock.
import { $, apiClient, el, languages, onSignIn, reasons, show } from "./common.js";
import { language, localTime, mmss, t, tf, word } from "./i18n.js";

const board = { token: sessionStorage.getItem("hotline.token"), role: null, socket: null, retry: 500,
                frame: null, branches: {}, types: {} };
const MODES = ["listen", "whisper", "barge"];

const api = apiClient(() => board.token, () => signOut());

const duration = (s) => (s === null || s === undefined ? "–" : mmss(s));
const percent = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 100)}%`);

// "BJ-order" as the reader says it: 北京分公司 · 订货 (the queue's code when either is unknown).
function queueName(queue) {
  const cut = queue.indexOf("-");
  const branch = board.branches[queue.slice(0, cut)], type = board.types[queue.slice(cut + 1)];
  if (!branch || !type) return queue;
  return `${branch} · ${language() === "zh" ? type.name_zh : type.name_en}`;
}

function renderQueues(queues) {
  const rows = queues.filter((q) => q.waiting > 0 || q.offered > 0).map((q) => {
    const tr = el("tr");
    tr.dataset.queue = q.queue;
    for (const v of [queueName(q.queue), q.waiting, duration(q.longest_wait_seconds), percent(q.service_level),
                     q.offered, q.abandoned, duration(q.average_speed_of_answer_seconds),
                     duration(q.average_handle_seconds)]) tr.append(el("td", v));
    if (q.waiting > 0) tr.className = "overdue";
    return tr;
  });
  $("#queues tbody").replaceChildren(...(rows.length ? rows : [el("tr", t("board.no_calls"), "muted")]));
}

function monitorCell(agent) {
  const td = el("td");
  const m = agent.monitored;
  if (m) {
    const badge = el("span", `${m.supervisor}: ${word("monitor", m.state)} `, "badge");
    badge.dataset.state = m.state;
    td.append(badge);
  }
  if (!["supervisor", "admin"].includes(board.role)) return td;
  if (m) {
    for (const mode of MODES.filter((mode) => mode !== m.state)) {
      td.append(button(word("monitor", mode), () => api("PUT", `/monitor/${m.id}`, { mode }), `${mode}-${agent.number}`));
    }
    td.append(button(t("monitor.stop"), () => api("DELETE", `/monitor/${m.id}`), `stop-${agent.number}`));
  } else if (!["logged_out", "session_lost"].includes(agent.state)) {
    for (const mode of MODES) {
      td.append(button(word("monitor", mode), () => api("POST", "/monitor", { agent: agent.number, mode }), `${mode}-${agent.number}`));
    }
  }
  return td;
}

function button(label, act, id) {
  const b = el("button", label);
  b.dataset.action = id;
  b.addEventListener("click", async () => {
    show($("#board-error"), null);
    try {
      const r = await act();
      show($("#board-ok"), () => (r ? tf("monitor.now", { agent: r.agent, mode: word("monitor", r.mode), state: word("monitor", r.state) })
        : t("monitor.stopped")));
    } catch (e) { show($("#board-error"), () => reasons(e).join("; ")); }
  });
  return b;
}

function renderAgents(agents) {
  $("#agents tbody").replaceChildren(...agents.map((a) => {
    const tr = el("tr");
    tr.dataset.agent = a.number;
    const state = el("span", word("agent_state", a.state), "state");
    state.dataset.state = a.state;
    const stateCell = el("td");
    stateCell.append(state);
    if (a.pause_reason) stateCell.append(el("span", ` ${word("pause", a.pause_reason)}`, "muted"));
    tr.append(el("td", a.number), el("td", board.branches[a.branch] || a.branch), stateCell,
              el("td", duration(a.time_in_state_seconds)), el("td", a.calls_handled_today), monitorCell(a));
    return tr;
  }));
}

function render() {
  const frame = board.frame;
  if (!frame) return;
  renderQueues(frame.data.queues);
  renderAgents(frame.data.agents);
}

function setLink(up) {
  $("#link").dataset.up = String(up);
  show($("#link"), () => t(up ? "link.live" : "link.offline"));
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/wallboard`);
  board.socket = ws;
  ws.onopen = () => ws.send(JSON.stringify({ token: board.token }));
  ws.onmessage = (msg) => {
    const frame = JSON.parse(msg.data);
    board.role = frame.role;
    board.retry = 500;
    board.frame = frame;
    setLink(true);
    show($("#updated"), () => tf("msg.updated", { time: localTime(frame.at).slice(11) }));
    render();
  };
  ws.onclose = (ev) => {
    setLink(false);
    if (ev.code === 4401 || ev.code === 4403) { signOut(`ws.${ev.code}`); return; }
    if (board.token) setTimeout(connect, (board.retry = Math.min(board.retry * 2, 10000)));
  };
}

function signOut(reason = null) {
  board.token = null;
  sessionStorage.removeItem("hotline.token");
  if (board.socket) board.socket.close();
  $("#board").hidden = true;
  $("#signin").hidden = false;
  show($("#signin-error"), reason && (() => t(reason)));
}

async function showBoard(username) {
  $("#who").textContent = username;
  $("#signin").hidden = true;
  $("#board").hidden = false;
  const branches = await api("GET", "/branches").catch(() => []);
  board.branches = Object.fromEntries(branches.map((b) => [b.code, b.name]));
  const types = await api("GET", "/business-types").catch(() => []);
  board.types = Object.fromEntries(types.map((bt) => [bt.code, bt]));
  connect();
}

languages(render);
setLink(false);
onSignIn(api, (token, username) => {
  board.token = token;
  return showBoard(username);
});
$("#btn-signout").addEventListener("click", () => signOut());

if (board.token) api("GET", "/auth/me").then((me) => showBoard(me.username)).catch(() => signOut());
