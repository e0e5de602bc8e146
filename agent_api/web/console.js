// The agent console: one page, kept current by the agent's live events (no polling). Every word
// from the dictionary (i18n.js), Chinese first; times at the reader's clock, durations as mm:ss.
import { $, ApiError, PagedList, Said, apiClient, el, languages, onSignIn, reasons, show } from "./common.js";
import { language, localTime, mmss, t, tf, word } from "./i18n.js";

const desk = {
  token: sessionStorage.getItem("hotline.token"),
  me: null,
  state: "logged_out",
  since: Date.now(),
  call: null,         // the PBX id of the call offered, on, or wrapped up
  attempt: null,      // for a campaign's call: its attempt, which the wrap-up result goes to
  retailer: null,     // the retailer of that call, or one looked up by hand
  epoch: null,
  seq: null,
  fed: 0,             // states the live feed has set: a reply still on its way is older
  held: false,        // the caller is on hold
  muted: false,       // the agent's microphone is off
  socket: null,
  retry: 500,
};

// --- the API ---------------------------------------------------------------------------------
const api = apiClient(() => desk.token, () => signOut());

function showErrors(list, error) {
  show(list, () => reasons(error));
}

function deskError(error) {
  show($("#desk-error"), () => reasons(error).join("; "));
}

const minutes = (iso) => localTime(iso).slice(0, 16);  // 2026-03-02 07:30

// --- signing in and out -------------------------------------------------------------------------
onSignIn(api, async (token) => {
  desk.token = token;
  await start();
});

function signOut() {
  desk.token = null;
  sessionStorage.removeItem("hotline.token");
  if (desk.socket) desk.socket.close();
  $("#desk").hidden = true;
  $("#signin").hidden = false;
}

$("#btn-signout").addEventListener("click", async () => {
  await api("POST", "/auth/logout").catch(() => {});
  signOut();
});

async function start() {
  desk.me = await api("GET", "/auth/me");
  if (!desk.me.agent_number) throw new Said("msg.console_for_agents");
  $("#who").textContent = `${desk.me.agent_number} · ${desk.me.username}`;
  $("#signin").hidden = true;
  $("#desk").hidden = false;
  newOrderLine();
  connect();
  refreshTasks();
  refreshHistory();
  refreshPreviewCampaigns();
  setInterval(refreshPreviewCampaigns, 15000);
  loadQueues().catch(deskError).then(refreshInbox);
  loadConsultPhones();
}

// --- the agent's state --------------------------------------------------------------------------
const ALLOWED = {  // which buttons make sense in which state
  "btn-login": ["logged_out", "session_lost"],
  "btn-available": ["paused"],
  "btn-pause": ["available", "wrap_up", "paused"],
  "btn-hangup": ["on_call"],
  "btn-hold": ["on_call"],
  "btn-mute": ["on_call"],
  "dtmf": ["on_call"],
  "btn-dtmf": ["on_call"],
  "btn-transfer": ["on_call"],
  "transfer-queue": ["on_call"],
  "transfer-number": ["on_call"],
  "consult-to": ["on_call"],
  "btn-consult": ["on_call"],
  "btn-wrapup": ["wrap_up"],
  "btn-logout": ["available", "paused", "wrap_up", "session_lost"],
};

function setState(state, seconds = 0) {
  desk.state = state;
  desk.since = Date.now() - seconds * 1000;
  const badge = $("#state");
  show(badge, () => word("agent_state", state));
  badge.dataset.state = state;
  for (const [id, states] of Object.entries(ALLOWED)) $(`#${id}`).disabled = !states.includes(state);
  if (state !== "on_call") { desk.held = false; desk.muted = false; desk.consulting = false; }
  $("#consult-steps").hidden = !desk.consulting;
  show($("#btn-hold"), () => t(desk.held ? "btn.resume" : "btn.hold"));
  show($("#btn-mute"), () => t(desk.muted ? "btn.unmute" : "btn.mute"));
}

setInterval(() => {
  $("#state-time").textContent = mmss((Date.now() - desk.since) / 1000);
}, 1000);

for (const button of document.querySelectorAll("button[data-action]")) {
  button.addEventListener("click", async () => {
    const action = button.dataset.action;
    const body = action === "pause" ? { reason: $("#pause-reason").value } : undefined;
    try {
      const fed = desk.fed;
      const agent = await api("POST", `/agents/${desk.me.agent_number}/${action}`, body);
      show($("#desk-error"), null);
      // The feed may have told a later state already (the phone answered the login before
      // this reply came): the reply must not take the page back to "paused".
      if (desk.fed === fed) setState(agent.state, agent.time_in_state_seconds);
    } catch (e) {
      deskError(e);
    }
  });
}

// Hold: the caller hears music and nothing of the agent, until resumed.
$("#btn-hold").addEventListener("click", async () => {
  try {
    await api("POST", `/agents/${desk.me.agent_number}/call/${desk.held ? "resume" : "hold"}`);
    desk.held = !desk.held;
    show($("#btn-hold"), () => t(desk.held ? "btn.resume" : "btn.hold"));
    show($("#desk-error"), null);
  } catch (e) {
    deskError(e);
  }
});

// Mute: the caller hears nothing of the agent until unmuted.
$("#btn-mute").addEventListener("click", async () => {
  try {
    await api("POST", `/agents/${desk.me.agent_number}/call/mute`, { muted: !desk.muted });
    desk.muted = !desk.muted;
    show($("#btn-mute"), () => t(desk.muted ? "btn.unmute" : "btn.mute"));
    show($("#desk-error"), null);
  } catch (e) {
    deskError(e);
  }
});

// Keys to the far end (an outside IVR), as if keyed on the agent's phone.
async function sendDigits() {
  try {
    await api("POST", `/agents/${desk.me.agent_number}/call/digits`, { digits: $("#dtmf").value });
    $("#dtmf").value = "";
    show($("#desk-error"), null);
  } catch (e) {
    deskError(e);
  }
}
$("#btn-dtmf").addEventListener("click", sendDigits);
$("#dtmf").addEventListener("keydown", (ev) => { if (ev.key === "Enter") sendDigits(); });

// Blind transfer to a queue (any branch's, headquarters'), a named agent or an outside number: the
// caller keeps its facts and reaches the queue's agent or the agent with the screen-pop; this
// agent wraps up, as the feed tells. A number typed in wins over the list.
$("#btn-transfer").addEventListener("click", async () => {
  const number = $("#transfer-number").value.trim();
  const [kind, target] = $("#transfer-queue").value.split(":");
  try {
    await api("POST", `/agents/${desk.me.agent_number}/call/transfer`, number ? { number } : { [kind]: target });
    $("#transfer-number").value = "";
    show($("#desk-error"), null);
  } catch (e) {
    deskError(e);
  }
});

const queues = { branches: [], types: [], agents: [] };
function fillQueues() {
  const name = (bt) => (language() === "zh" ? bt.name_zh : bt.name_en);
  const option = (label, value) => { const o = el("option", label); o.value = value; return o; };
  const hq = [...queues.branches].sort((a, b) => Number(b.is_headquarters) - Number(a.is_headquarters));
  const byQueue = el("optgroup");
  byQueue.label = t("transfer.queues");
  byQueue.append(...hq.flatMap((b) => queues.types.filter((bt) => bt.code !== "self_service")
    .map((bt) => option(`${b.name} · ${name(bt)}`, `queue:${b.code}-${bt.code}`))));
  const byAgent = el("optgroup");
  byAgent.label = t("transfer.agents");
  byAgent.append(...queues.agents.filter((a) => a.number !== desk.me.agent_number)
    .map((a) => option(`${a.number} · ${word("agent_state", a.state)}`, `agent:${a.number}`)));
  const chosen = $("#transfer-queue").value;
  $("#transfer-queue").replaceChildren(byQueue, byAgent);
  if (chosen) $("#transfer-queue").value = chosen;
  fillConsultTargets();
}
async function loadQueues() {
  [queues.branches, queues.types] = await Promise.all([api("GET", "/branches"), api("GET", "/business-types")]);
  await loadAgents();
}
// The agents and their states as they are when the agent opens the list.
async function loadAgents() {
  queues.agents = await api("GET", "/agents").catch(() => queues.agents);
  fillQueues();
}
$("#transfer-queue").addEventListener("focus", loadAgents);

// Consultation: the caller on hold, a supervisor (or the number typed in) called; then complete
// the transfer, make it a three-way call, or go back to the caller.
$("#btn-consult").addEventListener("click", async () => {
  const number = $("#transfer-number").value.trim();
  try {
    const [kind, target] = $("#consult-to").value.split(":");
    await api("POST", `/agents/${desk.me.agent_number}/call/consult`, number ? { number } : { [kind]: target });
    desk.consulting = true;
    desk.held = true;
    $("#consult-steps").hidden = false;
    show($("#btn-hold"), () => t("btn.resume"));
    show($("#desk-error"), null);
  } catch (e) {
    deskError(e);
  }
});
for (const button of $("#consult-steps").querySelectorAll("button")) {
  button.addEventListener("click", async () => {
    const step = button.dataset.step;
    try {
      await api("POST", `/agents/${desk.me.agent_number}/call/consult/${step}`);
      if (step !== "three-way") desk.consulting = false;
      desk.held = false;
      $("#consult-steps").hidden = !desk.consulting;
      show($("#btn-hold"), () => t("btn.hold"));
      show($("#desk-error"), null);
    } catch (e) {
      deskError(e);
    }
  });
}
// Whom to consult: the supervisors with a phone, then the branch's agents (as the transfer list).
let consultPhones = [];
let consultChosen = "";
async function loadConsultPhones() {
  consultPhones = await api("GET", `/agents/${desk.me.agent_number}/call/consult/phones`).catch(() => []);
  fillConsultTargets();
}
function fillConsultTargets() {
  const option = (label, value) => { const o = el("option", label); o.value = value; return o; };
  const group = (label, options) => { const g = el("optgroup"); g.label = label; g.append(...options); return g; };
  const select = $("#consult-to");
  select.replaceChildren(
    group(t("consult.supervisors"), consultPhones.map((p) => option(p.username, `supervisor:${p.username}`))),
    group(t("transfer.agents"), queues.agents.filter((a) => a.number !== desk.me.agent_number)
      .map((a) => option(`${a.number} · ${word("agent_state", a.state)}`, `agent:${a.number}`))));
  // What the agent chose stays chosen; otherwise the first, a supervisor once their list is in
  // (the branch's agents may arrive first, and their first was kept as if chosen).
  if (consultChosen) select.value = consultChosen;
  if (select.selectedIndex < 0) select.selectedIndex = 0;
}
$("#consult-to").addEventListener("change", (e) => { consultChosen = e.target.value; });
$("#consult-to").addEventListener("focus", loadAgents);

// Hanging up the caller keeps the session: the feed tells the wrap-up that follows.
$("#btn-hangup").addEventListener("click", async () => {
  try {
    await api("POST", `/agents/${desk.me.agent_number}/call/hangup`);
    show($("#desk-error"), null);
  } catch (e) {
    deskError(e);
  }
});

// --- live events -------------------------------------------------------------------------------
function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws/agent`);
  desk.socket = ws;
  ws.onopen = () => {
    ws.send(JSON.stringify({ token: desk.token, epoch: desk.epoch, after: desk.seq }));
  };
  ws.onmessage = (msg) => {
    const frame = JSON.parse(msg.data);
    desk.epoch = frame.epoch;
    desk.seq = frame.seq;
    setLink(true);
    desk.retry = 500;
    handle(frame);
  };
  ws.onclose = (ev) => {
    setLink(false);
    if (!desk.token || ev.code === 4401) return signOut();
    setTimeout(connect, desk.retry);  // and resume from the last number seen
    desk.retry = Math.min(desk.retry * 2, 5000);
  };
}

function setLink(up) {
  const link = $("#link");
  link.dataset.up = String(up);
  show(link, () => t(up ? "link.live" : "link.reconnecting"));
}

function handle(frame) {
  const d = frame.data;
  switch (frame.kind) {
    case "reset":
      desk.fed += 1;
      setState(d.agent.state, d.agent.time_in_state_seconds);
      if (!d.agent.current_call) clearPop();
      for (const f of d.current) handle(f);
      refreshTasks();
      refreshHistory();
      break;
    case "state":
      desk.fed += 1;
      setState(d.state);
      if (["available", "paused", "logged_out", "session_lost"].includes(d.state)) clearPop();
      break;
    case "call_offered": offered(d); break;
    case "screen_pop": popped(d); break;
    case "call_ended": $("#disposition-form").hidden = false; refreshHistory(); refreshInbox(); break;
    case "task_overdue": refreshTasks(); break;
  }
}

// --- the screen-pop -----------------------------------------------------------------------------
function offered(d) {
  if (d.call_id !== desk.call) newCallOnForm();
  desk.call = d.call_id;
  desk.attempt = d.direction === "outbound" ? d.attempt_id : null;
  $("#pop-ivr-line").hidden = Boolean(desk.attempt);
  $("#pop-campaign").hidden = !desk.attempt;
  $("#outbound-result").hidden = !desk.attempt;
  $("#pop-empty").hidden = true;
  $("#pop-body").hidden = false;
  $("#disposition-form").hidden = true;
  show($("#disposition-ok"), null);
  show($("#pop-caller"), () => d.caller_number || t("pop.unknown_number"));
  show($("#pop-queue"), () => d.queue);
  show($("#pop-waited"), () => tf("pop.waited", { time: mmss(d.waited_seconds) }));
  show($("#pop-retailer"), () => (d.retailer_id ? "…" : t("pop.unknown_retailer")));
  show($("#pop-retailer-facts"), null);
  show($("#pop-ivr"), null);
  show($("#pop-orders tbody"), null);
  show($("#pop-cases"), null);
}

function popped(p) {
  if (desk.call !== p.call_id) offered(p);
  const bt = p.business_type;
  const btName = () => (language() === "en" ? bt.name_en : bt.name_zh) || bt.name_zh || bt.code;
  show($("#pop-queue"), () => `${p.queue} · ${btName()}`);
  if (p.campaign) showCampaign(p);
  show($("#pop-ivr"), () => p.ivr_path.map((s) => `${word("ivr", s.state)}${s.keys ? ` [${s.keys}]` : ""}`).join(" → "));
  const r = p.retailer;
  if (r) {
    show($("#pop-retailer"), () => `${r.name} (${r.card_number})`);
    show($("#pop-retailer-facts"), () => [tf("retailer.class", { class: r.retailer_class }),
      r.branch_name || r.branch || t("hq"), word("retailer", r.status), r.phones.join(", ")].join(" · "));
    popRetailerOnForm(r);
  }
  show($("#pop-orders tbody"), () => p.recent_orders.map((o) => row([
    minutes(o.created_at), o.amount, word("order", o.status),
    (o.lines || []).map((l) => `${l.product_name || l.product} ×${l.quantity}`).join(", ")])));
  show($("#pop-cases"), () => p.open_cases.map((c) => el("li",
    `#${c.id} ${word("opinion", c.kind)} · ${word("subject", c.subject)} · ${word("case", c.status)} · ${c.text || c.excerpt || ""}`,
    (c.work_orders || []).some((w) => w.overdue) ? "overdue" : "")));
}

function showCampaign(p) {
  show($("#pop-queue"), () => p.campaign.name);
  $("#pop-campaign-name").textContent = p.campaign.name;
  show($("#pop-contact"), () => `${p.contact.name || ""} ${p.contact.phone} · ${tf("pop.attempt", { n: p.contact.attempts })}`);
  $("#pop-contact-fields").replaceChildren(...Object.entries(p.contact.fields).flatMap(([k, v]) => [el("dt", k), el("dd", v)]));
  $("#pop-script").textContent = p.campaign.script;
  $("#pop-amd-check").hidden = !p.amd_check;
}

function clearPop() {
  desk.call = null;
  $("#pop-empty").hidden = false;
  $("#pop-body").hidden = true;
}

function row(cells) {
  const tr = el("tr");
  for (const c of cells) tr.append(el("td", c));
  return tr;
}

$("#disposition-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  try {
    if (desk.attempt) {
      const at = form.get("callback_at");
      await api("POST", `/outbound/attempts/${desk.attempt}/result`, {
        disposition: form.get("disposition"), note: form.get("note") || null,
        callback_at: at ? new Date(at).toISOString() : null, do_not_call: form.get("do_not_call") === "on" });
    } else {
      const id = await callRowId(desk.call);
      await api("POST", `/calls/${id}/dispositions`, { disposition: form.get("disposition"), note: form.get("note") || null });
    }
    show($("#disposition-ok"), () => t("msg.saved"));
  } catch (e) {
    show($("#disposition-ok"), null);
    deskError(e);
  }
});

async function callRowId(linkedid) {
  if (!linkedid) return null;
  const [call] = await api("GET", `/calls?linkedid=${encodeURIComponent(linkedid)}&limit=1`);
  return call ? call.id : null;
}

// --- preview calls: the agent sees the next contact of a preview campaign, then asks for it -----
async function refreshPreviewCampaigns() {
  const mine = (await api("GET", "/outbound/campaigns").catch(() => [])).filter((c) => c.mode === "preview");
  $("#preview").hidden = mine.length === 0;
  const chosen = $("#preview-campaign").value;
  $("#preview-campaign").replaceChildren(...mine.map((c) => Object.assign(el("option", c.name), { value: c.id })));
  if (chosen) $("#preview-campaign").value = chosen;
}

$("#btn-preview").addEventListener("click", async () => {
  $("#btn-preview-dial").hidden = true;
  try {
    const next = await api("GET", `/outbound/preview?campaign_id=${$("#preview-campaign").value}`);
    desk.preview = next;
    show($("#preview-contact"), () => (next
      ? `${next.name} ${next.phone} · ${tf("preview.attempts", { n: next.attempts })} · ${Object.entries(next.fields).map(([k, v]) => `${k}: ${v}`).join(", ")}`
      : t("preview.nobody")));
    $("#btn-preview-dial").hidden = !next;
  } catch (e) { deskError(e); }
});

$("#btn-preview-dial").addEventListener("click", async () => {
  try {
    await api("POST", "/outbound/preview/dial", { campaign_id: desk.preview.campaign_id, contact_id: desk.preview.contact_id });
    const phone = desk.preview.phone;
    show($("#preview-contact"), () => tf("preview.calling", { phone }));
    $("#btn-preview-dial").hidden = true;
  } catch (e) { deskError(e); }
});

// --- orders -------------------------------------------------------------------------------------
let products = [];
let allowance = null;  // the retailer's ordering cycle, per product: GET /orders/allowance

async function setRetailer(r) {
  desk.retailer = r;
  $("#order-retailer").textContent = `${r.name} (${r.card_number})`;
  const branch = r.branch_id ? `?branch_id=${r.branch_id}` : "";
  products = await api("GET", `/products${branch}`).catch(() => []);
  for (const select of document.querySelectorAll("#order-lines select")) fillProducts(select);
  await refreshAllowance();
}

// The limits hold over the retailer's ordering cycle, all its orders of the cycle together: each
// line says, before the order is submitted, what the cycle holds of its product with the line, what
// may still be ordered and whether it is on supply.
async function refreshAllowance() {
  const r = desk.retailer;
  const got = r ? await api("GET", `/orders/allowance?retailer_id=${r.id}`).catch(() => null) : null;
  if (desk.retailer !== r) return;  // another retailer was chosen meanwhile
  allowance = got;
  show($("#order-cycle"), got ? () => tf("order.cycle", { from: got.cycle.first_day, to: got.cycle.last_day }) : null);
  for (const line of document.querySelectorAll("#order-lines .line")) showLineAllowance(line);
}

function showLineAllowance(line) {
  const said = line.querySelector(".allowance");
  const ours = allowance && desk.retailer && allowance.retailer_id === desk.retailer.id;
  const id = Number(line.querySelector("select").value);
  const p = ours ? allowance.products.find((x) => x.product_id === id) : null;
  said.classList.remove("error");
  if (!p) return show(said, null);
  const quantity = Math.max(0, Number(line.querySelector("input").value) || 0);
  const total = p.ordered + quantity;
  const short = p.min_quantity !== null && quantity > 0 && total < p.min_quantity;
  said.classList.toggle("error", !p.on_supply || short || (p.allowance !== null && quantity > p.allowance));
  show(said, () => [
    tf("order.in_cycle", { ordered: p.ordered, total }),
    p.allowance === null ? t("order.no_limit") : tf("order.allowance", { n: p.allowance }),
    ...(short ? [tf("order.at_least", { n: p.min_quantity - p.ordered })] : []),
    t(p.on_supply ? "order.on_supply" : "product.off_supply"),
  ].join(" · "));
}

// A retailer taken off the form (a new call without one, the search's choice cleared) takes its
// cycle with it.
new MutationObserver(() => { if (!desk.retailer && allowance) refreshAllowance(); })
  .observe($("#order-retailer"), { childList: true, characterData: true, subtree: true });

function fillProducts(select) {
  const chosen = select.value;
  select.replaceChildren(...products.map((p) => {
    const o = el("option", `${p.name} · ${p.unit_price}/${p.unit}${p.on_supply === false ? ` (${t("product.off_supply")})` : ""}`);
    o.value = p.id;
    return o;
  }));
  if (chosen) select.value = chosen;
}

function newOrderLine() {
  const line = el("div", null, "line");
  const select = el("select");
  select.name = "product_id";
  select.dataset.tLabel = "field.product";
  select.setAttribute("aria-label", t("field.product"));
  const qty = el("input");
  qty.name = "quantity";
  qty.type = "number";
  qty.min = "1";
  qty.value = "1";
  qty.dataset.tLabel = "field.quantity";
  qty.setAttribute("aria-label", t("field.quantity"));
  fillProducts(select);
  const said = el("span", null, "allowance");
  said.setAttribute("aria-live", "polite");
  line.append(select, qty, said);
  $("#order-lines").append(line);
  select.addEventListener("change", () => showLineAllowance(line));
  qty.addEventListener("input", () => showLineAllowance(line));
  showLineAllowance(line);
}

$("#order-add-line").addEventListener("click", newOrderLine);

$("#order-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  show($("#order-errors"), null);
  show($("#order-ok"), null);
  if (!desk.retailer) return show($("#order-errors"), () => [`${t("field.retailer")}: ${t("order.no_retailer")}`]);
  const lines = [...document.querySelectorAll("#order-lines .line")].map((l) => ({
    product_id: Number(l.querySelector("select").value),
    quantity: Number(l.querySelector("input").value),
  }));
  try {
    const order = await api("POST", "/orders", { retailer_id: desk.retailer.id, call_id: await callRowId(desk.call), lines });
    show($("#order-ok"), () => tf("order.done", { id: order.id, status: word("order", order.status), amount: order.amount }));
    refreshAllowance();
  } catch (e) {
    showErrors($("#order-errors"), e);
  }
});

// --- opinions -----------------------------------------------------------------------------------
$("#opinion-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  show($("#opinion-errors"), null);
  show($("#opinion-ok"), null);
  const form = new FormData(ev.target);
  const body = { kind: form.get("kind"), subject: form.get("subject"), text: form.get("text"),
                 source: "retailer", retailer_id: desk.retailer ? desk.retailer.id : null,
                 call_id: await callRowId(desk.call).catch(() => null) };
  try {
    const opinion = await api("POST", "/opinions", body);
    show($("#opinion-ok"), () => tf("opinion.done", { id: opinion.id }));
    ev.target.reset();
  } catch (e) {
    showErrors($("#opinion-errors"), e);
  }
});

// --- consultations: the question asked, on a topic, and the answer given (none: a department's) --
$("#consultation-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  show($("#consultation-errors"), null);
  show($("#consultation-ok"), null);
  const form = new FormData(ev.target);
  const body = { topic: form.get("topic"), question: form.get("question"), answer: form.get("answer") || null,
                 follow_up: form.get("follow_up") === "on", retailer_id: desk.retailer ? desk.retailer.id : null,
                 call_id: await callRowId(desk.call).catch(() => null) };
  try {
    const made = await api("POST", "/consultations", body);
    show($("#consultation-ok"), () => tf("consultation.done", { id: made.id, status: made.status }));
    ev.target.reset();
  } catch (e) {
    showErrors($("#consultation-errors"), e);
  }
});

// --- knowledge base -----------------------------------------------------------------------------
$("#kb-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const q = new FormData(ev.target).get("q");
  try {
    const found = await api("GET", `/knowledge?q=${encodeURIComponent(q)}&limit=10`);
    show($("#kb-results"), () => (found.length ? found.map((a) => {
      const li = el("li");
      li.append(el("strong", a.title), el("span", ` · ${word("kb", a.category)} · `), el("span", a.snippet || ""));
      return li;
    }) : [el("li", t("kb.nothing"), "muted")]));
  } catch (e) {
    show($("#kb-results"), () => reasons(e).map((m) => el("li", m, "error")));
  }
});

// --- tasks and history --------------------------------------------------------------------------
async function refreshTasks() {
  const tasks = await api("GET", "/tasks").catch(() => []);
  $("#task-count").textContent = String(tasks.length);
  show($("#task-list"), () => tasks.map((task) => el("li",
    `${tf("tasks.item", { id: task.work_order_id, step: task.step_no, department: task.department_name || task.department,
      due: minutes(task.due_at) })} · ${task.retailer_name || task.consumer_name || ""} ${task.description || ""}`,
    task.overdue ? "overdue" : "")));
}

// The agent's own calls, newest first, twenty at a time ("more" reads the next twenty).
const history = new PagedList(api);
function drawHistory() {
  show($("#history-table tbody"), () => history.rows.map((c) => row([
    minutes(c.offered_at), c.caller_number, c.queue || "", word("outcome", c.outcome)])));
  $("#history-more").hidden = !history.next;
}

async function refreshHistory() {
  if (!desk.me) return;
  await history.first(`/calls?agent_id=${desk.me.agent_id}&limit=20`).catch(() => {});
  drawHistory();
}
$("#history-more").addEventListener("click", () => history.more().catch(() => {}).then(drawHistory));

// --- the inbox: voicemails and queue callbacks to handle ----------------------------------------
// Listed by the API for the agent's branch; each is marked handled here (the API records who).
// There is no click-to-dial yet: the agent dials the number shown on the phone.
const inbox = { voicemails: new PagedList(api), callbacks: [] };
const OUTCOMES = ["reached", "no_answer", "wrong_number", "other"];

function queueWords(branchCode, type) {  // "BJ", "order" -> 北京分公司 · 订货
  const b = queues.branches.find((x) => x.code === branchCode);
  const bt = queues.types.find((x) => x.code === type);
  const typeName = bt ? (language() === "zh" ? bt.name_zh : bt.name_en) : type || "";
  return [b ? b.name : branchCode, typeName].filter(Boolean).join(" · ");
}
const branchCodeOf = (id) => (queues.branches.find((b) => b.id === id) || {}).code || "";
function queueOf(name) {  // a queue is "<BRANCH>-<type>"
  const at = name.indexOf("-");
  return at < 0 ? name : queueWords(name.slice(0, at), name.slice(at + 1));
}

async function refreshInbox() {
  try {
    [, inbox.callbacks] = await Promise.all([
      inbox.voicemails.first("/voicemails?handled=false"), api("GET", "/callbacks?status=pending")]);
    show($("#inbox-errors"), null);
  } catch (e) {
    showErrors($("#inbox-errors"), e);
  }
  drawVoicemails();
  show($("#inbox-callbacks"), () => (inbox.callbacks.length
    ? inbox.callbacks.map(callbackItem) : [el("li", t("inbox.no_callbacks"), "muted")]));
}

// Fifty at a time, newest first ("more" reads the next fifty); the count says how many wait in all.
function drawVoicemails() {
  const voicemails = inbox.voicemails;
  $("#inbox-count").textContent = String((voicemails.total ?? voicemails.rows.length) + inbox.callbacks.length);
  show($("#inbox-voicemails"), () => (voicemails.rows.length
    ? voicemails.rows.map(voicemailItem) : [el("li", t("inbox.no_voicemails"), "muted")]));
  $("#inbox-voicemails-more").hidden = !voicemails.next;
}
$("#inbox-voicemails-more").addEventListener("click", () => inbox.voicemails.more()
  .catch((e) => showErrors($("#inbox-errors"), e)).then(drawVoicemails));

function voicemailItem(vm) {
  const li = el("li");
  li.dataset.voicemail = String(vm.id);
  li.append(el("span", tf("inbox.voicemail", {
    caller: vm.caller_number, retailer: vm.card_number || t("inbox.unknown_retailer"),
    queue: queueWords(branchCodeOf(vm.branch_id), vm.business_type), at: minutes(vm.recorded_at),
    duration: mmss(vm.duration_ms / 1000) })));
  const back = el("button", t("btn.call_back"));
  back.type = "button";
  back.addEventListener("click", () => callOut("/outbound/dial",
    { phone: vm.caller_number, retailer_id: vm.retailer_id }, $("#inbox-errors")));
  const player = el("audio");
  player.controls = true;
  player.hidden = true;
  const listen = el("button", t("btn.listen"));
  listen.type = "button";
  listen.addEventListener("click", () => listenTo(vm, player, listen));
  const done = el("button", t("btn.mark_handled"));
  done.type = "button";
  done.addEventListener("click", () => markHandled(`/voicemails/${vm.id}/handled`, {}));
  li.append(" ", back, " ", listen, " ", done, player);
  return li;
}

// The audio is fetched with the agent's token (an <audio> cannot send it) and played from memory.
async function listenTo(vm, player, button) {
  try {
    const reply = await fetch(`/voicemails/${vm.id}/audio`, { headers: { Authorization: `Bearer ${desk.token}` } });
    if (!reply.ok) throw new ApiError(reply.status, [reply.statusText], (await reply.json().catch(() => ({}))).detail);
    player.src = URL.createObjectURL(await reply.blob());
    player.hidden = false;
    button.hidden = true;
    await player.play().catch(() => {});  // a browser may refuse to start on its own: the controls stay
  } catch (e) {
    showErrors($("#inbox-errors"), e);
  }
}

function callbackItem(cb) {
  const li = el("li");
  li.dataset.callback = String(cb.id);
  const retailer = cb.retailer_name ? `${cb.retailer_name} (${cb.card_number})` : t("inbox.unknown_retailer");
  li.append(el("span", tf(`inbox.${cb.kind}`, { caller: cb.caller_number, retailer, queue: queueOf(cb.queue),
    at: minutes(cb.requested_at) })), " ", el("span", tf("inbox.dialer", {
    n: cb.attempts, next: cb.next_call_at ? minutes(cb.next_call_at) : "—" }), "muted"));
  const now = el("button", t("btn.call_back"));
  now.type = "button";
  now.addEventListener("click", () => callOut(`/callbacks/${cb.id}/call`, {}, $("#inbox-errors")));
  const outcome = el("select");
  outcome.setAttribute("aria-label", t("field.callback_outcome"));
  outcome.append(...OUTCOMES.map((code) => { const o = el("option", t(`callback_outcome.${code}`)); o.value = code; return o; }));
  const done = el("button", t("btn.mark_handled"));
  done.type = "button";
  done.addEventListener("click", () => markHandled(`/callbacks/${cb.id}/handled`, { outcome: outcome.value }));
  li.append(" ", now, " ", outcome, " ", done);
  return li;
}

// The agent's own call (click-to-dial, a callback now): held for it while it rings, then the
// screen-pop as for any call; a refusal (do-not-call, the contact policy) in the reader's words.
async function callOut(path, body, errors) {
  show(errors, null);
  try {
    await api("POST", path, body);
    return true;
  } catch (e) {
    showErrors(errors, e);
    return false;
  }
}

async function markHandled(path, body) {
  try {
    await api("POST", path, body);
    show($("#inbox-errors"), null);
  } catch (e) {
    showErrors($("#inbox-errors"), e);
  }
  await refreshInbox();
}

$("#btn-inbox-refresh").addEventListener("click", () => refreshInbox());

// --- the retailer on the forms: the screen-pop's, or one found by card, phone or name -----------
// A caller the IVR did not identify (or a retailer with no call at all) is found here; the one
// chosen is the order's and the opinion's until the agent goes back to the screen-pop's or a new
// call comes. The API lists only the retailers the agent's branch may see.
const FOUND_AT_MOST = 10;
const onForm = { pop: null, found: null };
const search = { q: "", results: null, more: false, branches: null };  // no results before one

function newCallOnForm() {
  onForm.pop = null;
  onForm.found = null;
  putOnForm();
}

function popRetailerOnForm(r) {
  onForm.pop = r;
  putOnForm();
}

function putOnForm() {
  const r = onForm.found || onForm.pop;
  const named = r ? `${r.name} (${r.card_number})` : "—";
  if (r) setRetailer(r);
  else { desk.retailer = null; $("#order-retailer").textContent = named; }
  $("#form-retailer-name").textContent = named;
  $("#opinion-retailer").textContent = named;
  $("#consultation-retailer").textContent = named;
  show($("#form-retailer-from"), r ? () => `· ${t(onForm.found ? "find.from_search" : "find.from_pop")}` : null);
  const back = $("#btn-pop-retailer");
  back.hidden = !onForm.found;
  const pop = onForm.pop;
  show(back, onForm.found ? () => (pop ? tf("find.back_to_pop", { name: pop.name }) : t("find.clear")) : null);
  showCallRetailer(r);
  if (!onForm.found) {
    $("#found-orders-title").hidden = true;
    show($("#found-orders tbody"), null);
  }
  showResults();
}

// Click-to-dial the retailer on the form, at one of its numbers.
function showCallRetailer(r) {
  const form = $("#call-retailer");
  form.hidden = !(r && r.phones && r.phones.length);
  show($("#call-errors"), null);
  show($("#call-status"), null);
  show($("#call-phone"), form.hidden ? null : () => r.phones.map((p) => { const o = el("option", p); o.value = p; return o; }));
}

$("#call-retailer").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const r = onForm.found || onForm.pop;
  const phone = $("#call-phone").value;
  if (await callOut("/outbound/dial", { phone, retailer_id: r.id }, $("#call-errors"))) {
    show($("#call-status"), () => tf("preview.calling", { phone }));
  }
});

// The found retailer's latest orders, as the screen-pop shows a caller's.
async function foundOrders(r) {
  const orders = await api("GET", `/orders?retailer_id=${r.id}&limit=3`).catch(() => []);
  if (onForm.found !== r || orders.length === 0) return;
  $("#found-orders-title").hidden = false;
  show($("#found-orders tbody"), () => orders.map((o) => row([
    minutes(o.created_at), o.amount, word("order", o.status),
    o.lines.map((l) => `${l.product} ×${l.quantity}`).join(", ")])));
}

function choose(r) {
  onForm.found = r;
  putOnForm();
  if (r) foundOrders(r);
}

function branchName(code) {
  if (!code) return t("hq");
  const b = (search.branches || []).find((x) => x.code === code);
  return b ? b.name : code;
}

function resultItem(r, i) {
  const li = el("li", null, onForm.found && onForm.found.id === r.id ? "chosen" : "");
  li.id = `found-${i}`;
  li.dataset.index = String(i);
  li.tabIndex = -1;
  li.setAttribute("role", "option");
  li.setAttribute("aria-selected", String(li.className === "chosen"));
  li.append(el("strong", r.name), el("span", ` · ${r.card_number} · ${branchName(r.branch)} · ${
    tf("retailer.class", { class: r.retailer_class })} · ${word("retailer", r.status)}`),
  el("span", r.phones.length ? ` · ${r.phones.join(", ")}` : "", "muted"));
  return li;
}

function showResults() {
  const { q, results } = search;
  show($("#find-results"), results && (() => (results.length
    ? results.map(resultItem) : [el("li", tf("find.nothing", { q }), "muted")])));
  show($("#find-more"), search.more ? () => tf("find.more", { n: FOUND_AT_MOST }) : null);
}

$("#find-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  show($("#find-errors"), null);
  const q = $("#find-q").value.trim();
  try {
    search.branches ??= await api("GET", "/branches").catch(() => []);
    const found = await api("GET", `/retailers?q=${encodeURIComponent(q)}&limit=${FOUND_AT_MOST + 1}`);
    search.q = q;
    search.results = found.slice(0, FOUND_AT_MOST);
    search.more = found.length > FOUND_AT_MOST;
  } catch (e) {
    search.results = null;
    search.more = false;
    showErrors($("#find-errors"), e);
  }
  showResults();
});

const options = () => [...document.querySelectorAll("#find-results li[role=option]")];

$("#find-q").addEventListener("keydown", (ev) => {
  if (ev.key !== "ArrowDown" || options().length === 0) return;
  ev.preventDefault();
  options()[0].focus();
});

$("#find-results").addEventListener("keydown", (ev) => {
  const all = options();
  const at = all.indexOf(document.activeElement);
  if (at < 0) return;
  if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
    ev.preventDefault();
    const next = at + (ev.key === "ArrowDown" ? 1 : -1);
    if (next < 0) $("#find-q").focus();
    else all[Math.min(next, all.length - 1)].focus();
  } else if (ev.key === "Enter" || ev.key === " ") {
    ev.preventDefault();
    choose(search.results[at]);
    options()[at].focus();
  } else if (ev.key === "Escape") {
    $("#find-q").focus();
  }
});

$("#find-results").addEventListener("click", (ev) => {
  const li = ev.target.closest("li[role=option]");
  if (li) choose(search.results[Number(li.dataset.index)]);
});

$("#btn-pop-retailer").addEventListener("click", () => choose(null));

languages(() => {
  for (const select of document.querySelectorAll("#order-lines select")) fillProducts(select);
  fillQueues();
});
show($("#state"), () => word("agent_state", desk.state));
show($("#link"), () => t("link.offline"));
if (desk.token) start().catch(signOut);
else setState("logged_out");
