// The wallboard: queues and agents, live over a WebSocket (a snapshot a second); from an agent's
// row a supervisor listens, whispers or barges on their own phone.
import { $, apiClient, el, onSignIn } from "./common.js";

const board = { token: sessionStorage.getItem("hotline.token"), role: null, socket: null, retry: 500 };
const MODES = [["listen", "Listen 监听"], ["whisper", "Whisper 耳语"], ["barge", "Barge 强插"]];

const api = apiClient(() => board.token, () => signOut());

const seconds = (s) => (s === null || s === undefined ? "–" : `${Math.round(s)}s`);
const percent = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 100)}%`);

function renderQueues(queues) {
  const rows = queues.filter((q) => q.waiting > 0 || q.offered > 0).map((q) => {
    const tr = el("tr");
    tr.dataset.queue = q.queue;
    for (const v of [q.queue, q.waiting, seconds(q.longest_wait_seconds), percent(q.service_level),
                     q.offered, q.abandoned, seconds(q.average_speed_of_answer_seconds),
                     seconds(q.average_handle_seconds)]) tr.append(el("td", v));
    if (q.waiting > 0) tr.className = "overdue";
    return tr;
  });
  $("#queues tbody").replaceChildren(...(rows.length ? rows : [el("tr", "no calls today", "muted")]));
}

function monitorCell(agent) {
  const td = el("td");
  const m = agent.monitored;
  if (m) td.append(el("span", `${m.supervisor}: ${m.state} `, "badge"));
  if (!["supervisor", "admin"].includes(board.role)) return td;
  if (m) {
    for (const [mode, label] of MODES.filter(([mode]) => mode !== m.state)) {
      td.append(button(label, () => api("PUT", `/monitor/${m.id}`, { mode }), `${mode}-${agent.number}`));
    }
    td.append(button("Stop 停止", () => api("DELETE", `/monitor/${m.id}`), `stop-${agent.number}`));
  } else if (!["logged_out", "session_lost"].includes(agent.state)) {
    for (const [mode, label] of MODES) {
      td.append(button(label, () => api("POST", "/monitor", { agent: agent.number, mode }), `${mode}-${agent.number}`));
    }
  }
  return td;
}

function button(label, act, id) {
  const b = el("button", label);
  b.dataset.action = id;
  b.addEventListener("click", async () => {
    $("#board-error").textContent = "";
    try {
      const result = await act();
      $("#board-ok").textContent = result ? `${result.agent}: ${result.mode} (${result.state})` : "stopped";
    } catch (e) { $("#board-error").textContent = `${e.status}: ${e.message}`; }
  });
  return b;
}

function renderAgents(agents) {
  $("#agents tbody").replaceChildren(...agents.map((a) => {
    const tr = el("tr");
    tr.dataset.agent = a.number;
    const state = el("span", a.state, "state");
    state.dataset.state = a.state;
    const stateCell = el("td");
    stateCell.append(state);
    if (a.pause_reason) stateCell.append(el("span", ` ${a.pause_reason}`, "muted"));
    tr.append(el("td", a.number), el("td", a.branch), stateCell,
              el("td", seconds(a.time_in_state_seconds)), el("td", a.calls_handled_today), monitorCell(a));
    return tr;
  }));
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/wallboard`);
  board.socket = ws;
  ws.onopen = () => ws.send(JSON.stringify({ token: board.token }));
  ws.onmessage = (msg) => {
    const frame = JSON.parse(msg.data);
    board.role = frame.role;
    board.retry = 500;
    $("#link").textContent = "live";
    $("#link").dataset.up = "true";
    $("#updated").textContent = new Date(frame.at).toLocaleTimeString();
    renderQueues(frame.data.queues);
    renderAgents(frame.data.agents);
  };
  ws.onclose = (ev) => {
    $("#link").textContent = "offline";
    $("#link").dataset.up = "false";
    if (ev.code === 4401 || ev.code === 4403) { signOut(ev.reason); return; }
    if (board.token) setTimeout(connect, (board.retry = Math.min(board.retry * 2, 10000)));
  };
}

function signOut(reason = "") {
  board.token = null;
  sessionStorage.removeItem("hotline.token");
  if (board.socket) board.socket.close();
  $("#board").hidden = true;
  $("#signin").hidden = false;
  $("#signin-error").textContent = reason;
}

function show(username) {
  $("#who").textContent = username;
  $("#signin").hidden = true;
  $("#board").hidden = false;
  connect();
}

onSignIn(api, (token, username) => {
  board.token = token;
  show(username);
});
$("#btn-signout").addEventListener("click", () => signOut());

if (board.token) api("GET", "/auth/me").then((me) => show(me.username)).catch(() => signOut());
