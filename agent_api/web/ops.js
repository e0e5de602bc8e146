// Operations' page: every campaign with its progress and what it is doing now (read again
// every two seconds), the commands its state allows, contact-list import with the report of
// rejected rows, and a form for a new campaign; the call log and the recordings (played here)
// over a range of days, newest first, a page at a time. Every word from the dictionary (i18n.js).
import { $, apiClient, dayRange, el, languages, onSignIn, PagedList, reasons, show, today } from "./common.js";
import { localTime, mmss, refusal, t, tf, word } from "./i18n.js";

const ops = { token: sessionStorage.getItem("hotline.token"), timer: null, campaigns: [], agents: new Map() };
const api = apiClient(() => ops.token, () => signOut());
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const COMMANDS = { draft: ["start"], running: ["pause", "stop"], paused: ["resume", "stop"],
                   stopped: ["start"], finished: ["start"] };
const percent = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);
// AMD()'s parameters as a new campaign has them: the settings measured on spoken greetings, amd.conf's
// for the rest (dialer/amd.py, TUNED; a unit test holds the two alike). The API checks the ranges.
const AMD_PARAMETERS = { initial_silence: 4000, greeting: 2500, after_greeting_silence: 800, total_analysis_time: 7000,
                         min_word_length: 100, between_words_silence: 50, maximum_number_of_words: 8,
                         silence_threshold: 256, maximum_word_length: 5000 };

// `done(result)` gives the words that say it worked (a function of the language, said again).
async function act(work, done) {
  show($("#ops-error"), null);
  show($("#ops-ok"), null);
  try {
    const result = await work();
    show($("#ops-ok"), done(result));
    await refresh();
  } catch (e) { show($("#ops-error"), () => reasons(e, "campaign").join("; ")); }
}

// A rejected row of a contact list names its column, rule and values: said as a refusal is
// ("电话: “nope” 不是电话号码"); a rule the dictionary does not know yet, by the API's sentence.
const rejection = (row) => refusal({ loc: [row.field], type: `rule.${row.rule}`, ctx: row.ctx, msg: row.reason },
                                   "import");

function commandButtons(c) {
  const td = el("td");
  for (const command of COMMANDS[c.state] || []) {
    const b = el("button", word("command", command));
    b.dataset.action = `${command}-${c.id}`;
    b.dataset.command = command;
    b.addEventListener("click", () => act(() => api("POST", `/campaigns/${c.id}/${command}`),
                                          (r) => () => tf("campaign.now", { name: r.name, state: word("campaign", r.state) })));
    td.append(b);
  }
  return td;
}

function importCell(c) {
  const td = el("td");
  const input = el("input");
  input.type = "file";
  input.accept = ".csv,.xlsx";
  input.dataset.upload = c.id;
  input.setAttribute("aria-label", t("col.contacts"));
  input.addEventListener("change", () => act(() => upload(c.id, input.files[0]), (r) => {
    show($("#import-report"), () => [tf("import.report", { rows: r.rows, added: r.added, rejected: r.rejected.length }),
      ...r.rejected.map((x) => tf("import.line", { line: x.line, reason: rejection(x) }))].join("\n"));
    return () => tf("campaign.imported", { name: c.name });
  }));
  td.append(input);
  return td;
}

function upload(id, file) {
  const body = new FormData();
  body.append("file", file);
  return api("POST", `/campaigns/${id}/contacts`, body);
}

function nameCell(c) {
  const td = el("td");
  const at = { from: c.starts_on, to: c.ends_on, created: localTime(c.created_at).slice(0, 16) };
  td.append(el("strong", c.name), el("br"),
            el("small", tf(c.ends_on ? "campaign.period_to" : "campaign.period", at), "muted when"));
  return td;
}

// The abandon rate as the regulator counts it, with the people AMD is estimated to drop (all
// along, then the last 24 hours); a campaign without AMD drops nobody that way.
function abandonWithAmd(c) {
  const a = c.amd_estimate || c.progress;
  return el("td", `${percent(a.abandon_rate)} (${percent(a.abandon_rate_24h)})`);
}

// The estimate of the people AMD drops, where it comes from, and how it stands against the
// target: amber near it, red over it (the campaign then dials without AMD); and while too few of its
// agents are at work for AMD's drops in a half hour, that it dials without.
function amdEstimate(c) {
  const a = c.amd_estimate;
  if (!a) return el("td", t("amd.off"), "muted");
  const source = a.source === "measured" ? tf("amd.measured", { calls: a.calls }) : t("amd.configured");
  const td = el("td", `${percent(a.false_positive)} · ${source}`, { near: "warn", over: "overdue" }[a.standing] || "");
  td.dataset.standing = a.standing;
  if (a.standing !== "ok") td.append(el("br"), el("small", t(`amd.${a.standing}`)));
  if (a.standing !== "over" && c.live && !c.live.amd_on) td.append(el("br"), el("small", t("amd.small_team")));
  return td;
}

function render(campaigns) {
  ops.campaigns = campaigns;
  $("#campaigns tbody").replaceChildren(...campaigns.map((c) => {
    const p = c.progress, live = c.live;
    const tr = el("tr");
    tr.dataset.campaign = c.name;
    const state = el("span", word("campaign", c.state), "state");
    state.dataset.state = c.state;
    const stateCell = el("td");
    stateCell.append(state);
    tr.append(nameCell(c), stateCell, el("td", word("mode", c.mode)), el("td", p.remaining),
              el("td", p.attempts), el("td", p.answered),
              el("td", `${p.abandoned} · ${percent(p.abandon_rate)} (${percent(p.abandon_rate_24h)})`),
              abandonWithAmd(c), amdEstimate(c),
              el("td", live ? live.ringing : "–"),
              el("td", live ? `${live.agents_busy}/${live.agents_logged_in}` : "–"),
              commandButtons(c), importCell(c));
    const counted = (c.amd_estimate || p).abandon_rate_24h;
    if (counted !== null && counted > c.abandon_target) tr.className = "overdue";
    return tr;
  }));
  const time = localTime(new Date().toISOString()).slice(11);
  show($("#updated"), () => tf("msg.updated", { time }));
}

async function refresh() {
  try { render(await api("GET", "/campaigns")); } catch (e) { show($("#ops-error"), () => reasons(e).join("; ")); }
}

$("#create-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const span = [[f.get("from"), f.get("to")]];
  const body = {
    name: f.get("name"), purpose: f.get("purpose"), mode: f.get("mode"), caller_id: f.get("caller_id"),
    agents: f.get("agents").split(/[\s,]+/).filter(Boolean),
    business_type: f.get("business_type") || null, branch: f.get("branch") || null,
    windows: Object.fromEntries(f.getAll("day").map((d) => [d, span])),
    starts_on: f.get("starts_on"), ends_on: f.get("ends_on") || null,
    abandon_target: Number(f.get("abandon_target")) / 100, ring_seconds: Number(f.get("ring_seconds")),
    script: f.get("script"), detect_machines: f.get("detect_machines") === "on",
    amd_false_positive: Number(f.get("amd_false_positive")) / 100,
    amd_check_share: Number(f.get("amd_check_share")) / 100,
    amd: Object.fromEntries(Object.keys(AMD_PARAMETERS).map((k) => [k, Number(f.get(`amd.${k}`))])),
  };
  act(() => api("POST", "/campaigns", body), (c) => () => tf("campaign.created", { name: c.name }));
});

// --- the call log and the recordings: a range of the reader's days, a page at a time -----------
const seconds = (from, to) => (from && to ? mmss((new Date(to) - new Date(from)) / 1000) : "–");
const agentNumber = (id) => (id === null ? "" : ops.agents.get(id) || `#${id}`);

function callRow(c) {
  const tr = el("tr");
  tr.dataset.call = String(c.id);
  tr.append(el("td", localTime(c.offered_at)), el("td", word("direction", c.direction)), el("td", c.caller_number),
            el("td", c.card_number || ""), el("td", c.queue || ""), el("td", agentNumber(c.agent_id)),
            el("td", word("outcome", c.outcome)), el("td", seconds(c.connected_at, c.ended_at)));
  return tr;
}

function recordingRow(r) {
  const tr = el("tr");
  tr.dataset.recording = String(r.id);
  const play = el("td");
  if (r.status === "complete") {
    const button = el("button", t("btn.play"));
    button.type = "button";
    button.addEventListener("click", () => playRecording(r, play, button));
    play.append(button);
  }
  tr.append(el("td", localTime(r.started_at)), el("td", r.agent || ""), el("td", r.queue || ""),
            el("td", r.caller_number || ""),
            el("td", r.duration_seconds === null ? "–" : mmss(r.duration_seconds)),
            el("td", word("recording_status", r.status)), play);
  return tr;
}

// An <audio> cannot send the token: the API signs a short-lived address for it.
async function playRecording(r, cell, button) {
  try {
    const { url } = await api("GET", `/recordings/${r.id}/link`);
    const player = el("audio");
    player.controls = true;
    player.src = url;
    button.replaceWith(player);
    await player.play().catch(() => {});  // a browser may refuse to start on its own: the controls stay
  } catch (e) { show($("#recordings-error"), () => reasons(e).join("; ")); }
}

const logs = { calls: { path: "/calls", draw: callRow, list: new PagedList(api) },
               recordings: { path: "/recordings", draw: recordingRow, list: new PagedList(api) } };

function drawLog(name) {
  const { draw, list } = logs[name];
  if (!list.asked) return;  // not read yet
  const columns = document.querySelectorAll(`#${name}-table thead th`).length;
  const empty = el("td", t("list.empty"), "muted");
  empty.colSpan = columns;
  const none = el("tr");
  none.append(empty);
  $(`#${name}-table tbody`).replaceChildren(...(list.rows.length ? list.rows.map(draw) : [none]));
  $(`#${name}-total`).textContent = list.total === null
    ? tf("list.many", { n: list.rows.length }) : tf("list.total", { n: list.total });
  $(`#${name}-more`).hidden = !list.next;
}

async function readLog(name, work) {
  show($(`#${name}-error`), null);
  try {
    await work(logs[name].list);
    drawLog(name);
  } catch (e) { show($(`#${name}-error`), () => reasons(e).join("; ")); }
}

function searchLog(name) {
  const form = new FormData($(`#${name}-form`));
  const query = dayRange(form.get("since"), form.get("until"));
  for (const [key, value] of form) if (value && key !== "since" && key !== "until") query.set(key, value);
  return readLog(name, (list) => list.first(`${logs[name].path}?${query}`));
}

async function loadAgents() {
  const agents = await api("GET", "/agents").catch(() => []);
  ops.agents = new Map(agents.map((a) => [a.id, a.number]));
  for (const select of document.querySelectorAll("select.agents")) {
    const byId = select.name === "agent_id";
    select.replaceChildren(select.options[0],
      ...agents.map((a) => { const o = el("option", a.number); o.value = byId ? a.id : a.number; return o; }));
  }
}

for (const name of Object.keys(logs)) {
  const form = $(`#${name}-form`);
  form.elements.since.value = form.elements.until.value = today();
  form.addEventListener("submit", (ev) => { ev.preventDefault(); searchLog(name); });
  $(`#${name}-more`).addEventListener("click", () => readLog(name, (list) => list.more()));
}

function signOut() {
  ops.token = null;
  sessionStorage.removeItem("hotline.token");
  clearInterval(ops.timer);
  $("#ops").hidden = true;
  $("#signin").hidden = false;
  show($("#signin-error"), null);
}

function showPage(username) {
  $("#who").textContent = username;
  $("#signin").hidden = true;
  $("#ops").hidden = false;
  refresh();
  ops.timer = setInterval(refresh, 2000);
  loadAgents().then(() => Promise.all(Object.keys(logs).map(searchLog)));
}

$("#days").append(...DAYS.map((d, i) => {
  const label = el("label");
  const name = el("span", t(`day.${d}`));
  name.dataset.t = `day.${d}`;
  label.append(" ", name);
  const box = el("input");
  Object.assign(box, { type: "checkbox", name: "day", value: d, checked: i < 5 });
  label.prepend(box);
  return label;
}));
$("#amd-parameters").append(...Object.entries(AMD_PARAMETERS).map(([name, value]) => {
  const label = el("label");
  const words = el("span", t(`field.amd.${name}`));
  words.dataset.t = `field.amd.${name}`;
  const input = el("input");
  Object.assign(input, { type: "number", name: `amd.${name}`, value, min: 1, step: 1 });
  label.append(words, " ", input);
  return label;
}));
document.querySelector("input[name=starts_on]").value = localTime(new Date().toISOString()).slice(0, 10);
languages(() => { render(ops.campaigns); Object.keys(logs).forEach(drawLog); });
onSignIn(api, (token, username) => {
  ops.token = token;
  showPage(username);
});
$("#btn-signout").addEventListener("click", () => signOut());

if (ops.token) api("GET", "/auth/me").then((me) => showPage(me.username)).catch(() => signOut());
