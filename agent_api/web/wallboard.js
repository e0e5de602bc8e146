// The wallboard: the totals, the agents counted by state, every queue coloured by its own
// thresholds (amber, then red), a service-level gauge per queue and the trend of the last hours,
// live over a WebSocket (a snapshot a second). With ?tv (or the TV button) it is the board on the
// wall: full screen, large type, no controls. Every word from the dictionary (i18n.js), durations
// as mm:ss, times at the reader's clock. The monitor buttons are on the supervisor's desk.
import { $, el, languages } from "./common.js";
import { localTime, t, word } from "./i18n.js";
import { agentRow, boardFeed, duration, percent } from "./board_feed.js";

const STATES = ["available", "reserved", "on_call", "wrap_up", "paused", "session_lost", "logged_out"];
const ALERTS = ["ok", "amber", "red"];
const COLOURS = { ok: "#10b981", amber: "#f59e0b", red: "#dc2626", offered: "#60a5fa", answered: "#10b981" };
const RED_BELOW_TARGET_POINTS = 10;  // as acd/thresholds.py

const worst = (alerts) => ALERTS[Math.max(0, ...alerts.map((a) => ALERTS.indexOf(a)))];
const tv = () => document.body.classList.contains("tv");
const charts = { gauges: new Map(), trend: null, trendShown: "" };  // one chart per queue shown, kept and reused

// A chart is given its option only when what it shows changed: most snapshots repeat the last.
function draw(chart, option, shown) {
  const now = JSON.stringify(option);
  if (now !== shown) chart.setOption(option);
  return now;
}

const { board, queueName, start } = boardFeed(render);

function renderTotals(data) {
  const s = data.totals, qs = data.queues;
  const values = { waiting: s.waiting, longest_wait: duration(s.longest_wait_seconds), service_level: percent(s.service_level),
                   offered: s.offered, answered: s.answered, abandoned: s.abandoned };
  for (const tile of document.querySelectorAll("#totals .tile")) {
    tile.querySelector(".value").textContent = values[tile.dataset.total];
  }
  document.querySelector("#totals [data-total=longest_wait]").dataset.alert = worst(qs.map((q) => q.wait_alert));
  document.querySelector("#totals [data-total=service_level]").dataset.alert = worst(qs.map((q) => q.service_alert));
}

function tile(label, value, attrs) {
  const d = el("div", null, "tile");
  Object.assign(d.dataset, attrs);
  d.append(el("span", label, "label"), el("span", value, "value"));
  return d;
}

function renderStates({ states, paused }) {
  const tiles = STATES.map((s) => tile(word("agent_state", s), states[s] ?? 0, { state: s }));
  const reasons = Object.entries(paused).sort(([a], [b]) => a.localeCompare(b));
  for (const [reason, n] of reasons) tiles.push(tile(`${word("agent_state", "paused")} · ${word("pause", reason)}`, n, { pause: reason }));
  $("#states").replaceChildren(...tiles);
}

const active = (queues) => queues.filter((q) => q.waiting > 0 || q.offered > 0);

function renderQueues(queues) {
  const rows = active(queues).map((q) => {
    const tr = el("tr");
    Object.assign(tr.dataset, { queue: q.queue, alert: q.alert, waitAlert: q.wait_alert, serviceAlert: q.service_alert });
    for (const v of [queueName(q.queue), q.waiting, duration(q.longest_wait_seconds), percent(q.service_level),
                     q.offered, q.abandoned, duration(q.average_speed_of_answer_seconds),
                     duration(q.average_handle_seconds)]) tr.append(el("td", v));
    tr.title = `${t("board.target")} ${q.service_level_target}% / ${q.service_level_seconds} s · ${t("board.wait_alerts")} ${q.wait_amber_seconds} s / ${q.wait_red_seconds} s`;
    return tr;
  });
  $("#queues tbody").replaceChildren(...(rows.length ? rows : [el("tr", t("board.no_calls"), "muted")]));
}

function renderAgents(agents) {
  $("#agents tbody").replaceChildren(...agents.map((a) => {
    const monitored = el("td");
    if (a.monitored) monitored.append(el("span", `${a.monitored.supervisor}: ${word("monitor", a.monitored.state)} `, "badge"));
    return agentRow(a, board.branches, monitored);
  }));
}

// Its words sized to the gauge's box (a wall of many queues has small gauges).
function gaugeOption(q, height) {
  const target = q.service_level_target;
  const level = q.service_level === null ? null : Math.round(q.service_level * 100);
  const text = tv() ? "#f9fafb" : "#111827";
  const big = Math.max(12, Math.round(height * 0.2)), small = Math.max(9, Math.round(height * 0.08));
  return {
    animation: false,
    series: [{
      type: "gauge", min: 0, max: 100, radius: "92%", center: ["50%", "58%"], startAngle: 200, endAngle: -20,
      axisLine: { lineStyle: { width: 14, color: [[Math.max(0, target - RED_BELOW_TARGET_POINTS) / 100, COLOURS.red],
                                                  [target / 100, COLOURS.amber], [1, COLOURS.ok]] } },
      pointer: { show: level !== null, width: 5 }, progress: { show: false },
      axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false },
      anchor: { show: false },
      title: { show: height >= 120, offsetCenter: [0, "62%"], color: text, fontSize: small },
      detail: { valueAnimation: false, offsetCenter: [0, "32%"], color: text, fontSize: big,
                formatter: () => (level === null ? "–" : `${level}%`) },
      data: [{ value: level ?? 0, name: `${t("board.target")} ${target}%` }],
    }],
  };
}

function renderGauges(queues) {
  if (!window.echarts) return;
  const shown = active(queues);
  const keep = new Set(shown.map((q) => q.queue));
  for (const [queue, g] of charts.gauges) {
    if (!keep.has(queue)) { g.chart.dispose(); g.box.remove(); charts.gauges.delete(queue); }
  }
  const boxes = shown.map((q) => {
    let g = charts.gauges.get(q.queue);
    if (!g) {
      const box = el("div", null, "gauge"), chart = el("div", null, "chart"), name = el("div", null, "name");
      box.dataset.queue = q.queue;
      box.append(chart, name);
      $("#gauges").append(box);
      g = { box, name, chart: window.echarts.init(chart), shown: "" };
      charts.gauges.set(q.queue, g);
    }
    g.box.dataset.alert = q.service_alert;
    g.name.textContent = queueName(q.queue);
    g.shown = draw(g.chart, gaugeOption(q, g.chart.getHeight()), g.shown);
    return g.box;
  });
  $("#gauges").replaceChildren(...boxes);  // the same nodes, in the queues' order
}

function renderTrend(trend) {
  if (!window.echarts) return;
  charts.trend ??= window.echarts.init($("#trend"));
  const text = tv() ? "#e5e7eb" : "#374151";
  const series = (kind, type, colour) => ({ name: t(`trend.${kind}`), type, data: trend[kind], itemStyle: { color: colour },
                                             showSymbol: false, barGap: 0 });
  charts.trendShown = draw(charts.trend, {
    animation: false,
    textStyle: { color: text, fontSize: tv() ? 16 : 12 },
    legend: { top: 0, textStyle: { color: text, fontSize: tv() ? 18 : 12 } },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: trend.starts.map((s) => localTime(s).slice(11, 16)), axisLabel: { color: text, fontSize: tv() ? 16 : 12 } },
    yAxis: { type: "value", minInterval: 1, axisLabel: { color: text, fontSize: tv() ? 16 : 12 } },
    series: [series("offered", "line", COLOURS.offered), series("answered", "bar", COLOURS.answered),
             series("abandoned", "bar", COLOURS.red)],
  }, charts.trendShown);
}

function render() {
  const frame = board.frame;
  if (!frame) return;
  const data = frame.data;
  renderTotals(data);
  renderStates(data.agents_by_state);
  const count = String(Math.max(1, active(data.queues).length));
  if (document.body.style.getPropertyValue("--queues") !== count) {
    document.body.style.setProperty("--queues", count);
    requestAnimationFrame(resize);  // the gauges' boxes are of another size now
  }
  renderQueues(data.queues);
  renderGauges(data.queues);
  renderTrend(data.trend);
  if (!tv()) renderAgents(data.agents);
}

function tick() {
  $("#clock").textContent = localTime(new Date().toISOString()).slice(11, 16);
}

function resize() {
  for (const g of charts.gauges.values()) g.chart.resize();
  charts.trend?.resize();
}

// The board on the wall: full screen when the browser allows it (a button press does), large
// type, no controls; ?tv in the address opens it so (a kiosk browser's start page).
function tvMode() {
  document.body.classList.add("tv");
  const url = new URL(location.href);
  url.searchParams.set("tv", "1");
  history.replaceState(null, "", url);
  document.documentElement.requestFullscreen?.().catch(() => {});
  render();
  requestAnimationFrame(resize);
}

if (new URLSearchParams(location.search).has("tv")) document.body.classList.add("tv");
$("#btn-tv").addEventListener("click", tvMode);
window.addEventListener("resize", resize);
setInterval(tick, 1000);
tick();
languages(render);
start();
