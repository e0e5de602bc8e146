// Operations' campaign page: every campaign with its progress and what it is doing now (read
// again every two seconds), the commands its state allows, contact-list import with the report
// of rejected rows, and a form for a new campaign.
import { $, apiClient, el, onSignIn } from "./common.js";

const ops = { token: sessionStorage.getItem("hotline.token"), timer: null };
const api = apiClient(() => ops.token, () => signOut());
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const COMMANDS = { draft: ["start"], running: ["pause", "stop"], paused: ["resume", "stop"],
                   stopped: ["start"], finished: ["start"] };
const percent = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);

async function act(work, done) {
  $("#ops-error").textContent = "";
  $("#ops-ok").textContent = "";
  try {
    const result = await work();
    $("#ops-ok").textContent = done(result);
    await refresh();
  } catch (e) { $("#ops-error").textContent = `${e.status}: ${e.message}`; }
}

function commandButtons(c) {
  const td = el("td");
  for (const command of COMMANDS[c.state] || []) {
    const b = el("button", command);
    b.dataset.action = `${command}-${c.id}`;
    b.addEventListener("click", () => act(() => api("POST", `/campaigns/${c.id}/${command}`),
                                          (r) => `${r.name}: ${r.state}`));
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
  input.addEventListener("change", () => act(() => upload(c.id, input.files[0]), (r) => {
    $("#import-report").textContent = [`${r.rows} rows: ${r.added} added, ${r.rejected.length} rejected`,
      ...r.rejected.map((x) => `line ${x.line}: ${x.reason}`)].join("\n");
    return `${c.name}: list imported`;
  }));
  td.append(input);
  return td;
}

function upload(id, file) {
  const body = new FormData();
  body.append("file", file);
  return api("POST", `/campaigns/${id}/contacts`, body);
}

function render(campaigns) {
  $("#campaigns tbody").replaceChildren(...campaigns.map((c) => {
    const p = c.progress, live = c.live;
    const tr = el("tr");
    tr.dataset.campaign = c.name;
    const state = el("span", c.state, "state");
    state.dataset.state = c.state;
    const stateCell = el("td");
    stateCell.append(state);
    tr.append(el("td", c.name), stateCell, el("td", c.mode), el("td", p.remaining),
              el("td", p.attempts), el("td", p.answered),
              el("td", `${p.abandoned} · ${percent(p.abandon_rate)} (${percent(p.abandon_rate_24h)})`),
              el("td", live ? live.ringing : "–"),
              el("td", live ? `${live.agents_busy}/${live.agents_logged_in}` : "–"),
              commandButtons(c), importCell(c));
    if (p.abandon_rate_24h !== null && p.abandon_rate_24h > c.abandon_target) tr.className = "overdue";
    return tr;
  }));
  $("#updated").textContent = new Date().toLocaleTimeString();
}

async function refresh() {
  try { render(await api("GET", "/campaigns")); } catch (e) { $("#ops-error").textContent = e.message; }
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
    script: f.get("script"),
  };
  act(() => api("POST", "/campaigns", body), (c) => `${c.name} created (draft)`);
});

function signOut(reason = "") {
  ops.token = null;
  sessionStorage.removeItem("hotline.token");
  clearInterval(ops.timer);
  $("#ops").hidden = true;
  $("#signin").hidden = false;
  $("#signin-error").textContent = reason;
}

function show(username) {
  $("#who").textContent = username;
  $("#signin").hidden = true;
  $("#ops").hidden = false;
  refresh();
  ops.timer = setInterval(refresh, 2000);
}

$("#days").append(...DAYS.map((d, i) => {
  const label = el("label", ` ${d}`);
  const box = el("input");
  Object.assign(box, { type: "checkbox", name: "day", value: d, checked: i < 5 });
  label.prepend(box);
  return label;
}));
document.querySelector("input[name=starts_on]").valueAsDate = new Date();
onSignIn(api, (token, username) => {
  ops.token = token;
  show(username);
});
$("#btn-signout").addEventListener("click", () => signOut());

if (ops.token) api("GET", "/auth/me").then((me) => show(me.username)).catch(() => signOut());
