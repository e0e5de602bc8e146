// The supervisor's desk: every agent live (from the wallboard's feed), and from an agent's row the
// supervisor listens, whispers or barges on their own phone; the queues beside, coloured as on the
// wallboard. Every word from the dictionary (i18n.js), durations as mm:ss.
import { $, el, languages, reasons, show } from "./common.js";
import { t, tf, word } from "./i18n.js";
import { agentRow, boardFeed, duration, percent } from "./board_feed.js";

const MODES = ["listen", "whisper", "barge"];

const { board, api, queueName, start } = boardFeed(render);

function renderQueues(queues) {
  const rows = queues.filter((q) => q.waiting > 0 || q.offered > 0).map((q) => {
    const tr = el("tr");
    tr.dataset.queue = q.queue;
    tr.dataset.alert = q.alert;
    for (const v of [queueName(q.queue), q.waiting, duration(q.longest_wait_seconds), percent(q.service_level)]) {
      tr.append(el("td", v));
    }
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
  $("#agents tbody").replaceChildren(...agents.map((a) => agentRow(a, board.branches, monitorCell(a))));
}

function render() {
  const frame = board.frame;
  if (!frame) return;
  renderQueues(frame.data.queues);
  renderAgents(frame.data.agents);
}

languages(render);
start();
