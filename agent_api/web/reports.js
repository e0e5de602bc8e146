// Reports (统计报表) for supervisors, operations and administrators: a report chosen from those the
// API lists, a date range (this week unless changed), a grouping and the filters the report takes;
// its main figures drawn over the periods (ECharts) and its rows in a table with the totals; the
// same report downloaded as Excel or CSV in the reader's language. Vue 3 and Element Plus, Chinese
// first with an English switch; periods are the branch's local days and times, as the API gives them.
import { mmss, refusal } from "./i18n.js";
import { PageBar, SignInCard, useSession } from "./vue_session.js";

const { createApp, reactive, ref, computed, nextTick, toRef, watch } = Vue;
const READERS = ["supervisor", "ops", "admin", "branch_admin"];
const GROUPINGS = ["interval", "hour", "day", "week", "month"];
const TEXT_FILTERS = ["queue", "agent", "campaign", "business_type"];
const BARS = ["count", "number"];  // drawn as bars on the left axis; the rest as lines on the right

const template = `
<el-config-provider :locale="locale">
  <sign-in-card v-if="!me" :session="session" :title="tr('app.reports')" />
  <div v-else>
    <page-bar :session="session" :title="tr('app.reports')" />
    <div class="page">
      <el-alert v-if="!READERS.includes(me.role)" :title="tr('msg.no_rights')" type="warning" :closable="false" role="alert" />
      <template v-else>
        <div class="filters">
          <el-select v-model="ask.report" id="report" style="width:240px" :aria-label="tr('reports.report')">
            <el-option v-for="r in reports" :key="r.name" :value="r.name" :label="reportName(r.name)" />
          </el-select>
          <el-date-picker v-model="ask.since" type="date" value-format="YYYY-MM-DD" id="since" :clearable="false"
            :placeholder="tr('field.reports.since')" style="width:150px" />
          <el-date-picker v-model="ask.until" type="date" value-format="YYYY-MM-DD" id="until" :clearable="false"
            :placeholder="tr('field.reports.until')" style="width:150px" />
          <el-select v-model="ask.group" id="group" style="width:130px" :aria-label="tr('reports.grouping')">
            <el-option v-for="g in GROUPINGS" :key="g" :value="g" :label="tr('grouping.' + g)" />
          </el-select>
          <el-select v-if="applies('branch') && me.sees_all_branches !== false" v-model="ask.branch" id="branch" clearable
            :placeholder="tr('field.reports.branch')" style="width:170px">
            <el-option v-for="b in branches" :key="b.code" :value="b.code" :label="b.name" />
          </el-select>
          <template v-for="f in TEXT_FILTERS" :key="f">
            <el-input v-if="applies(f)" v-model="ask[f]" :name="f" clearable :placeholder="tr('field.reports.' + f)" style="width:140px" />
          </template>
          <el-button type="primary" id="show" @click="run">{{ tr('reports.show') }}</el-button>
          <span class="spacer"></span>
          <el-button id="download-xlsx" :disabled="!table" @click="download('xlsx')">{{ tr('reports.download_xlsx') }}</el-button>
          <el-button id="download-csv" :disabled="!table" @click="download('csv')">{{ tr('reports.download_csv') }}</el-button>
          <el-button v-if="keepsSchedules" id="schedule" @click="openSchedule">{{ tr('reports.schedule') }}</el-button>
        </div>
        <el-alert v-if="problems.length" id="report-error" type="error" :closable="false" role="alert"
          :title="problems.join('; ')" />
        <div id="chart" class="chart" v-show="table && table.rows.length"></div>
        <p v-if="table && !table.rows.length" id="report-empty" class="hint">{{ tr('reports.empty') }}</p>
        <el-table v-if="table" :data="table.rows" id="report-table" class="figures" border stripe
            show-summary :summary-method="summary" max-height="560">
          <el-table-column v-for="c in table.columns" :key="c.key" :label="tr('column.' + c.key)"
              :align="c.kind === 'text' || c.kind === 'period' ? 'left' : 'right'" :min-width="c.kind === 'period' ? 150 : 110">
            <template #default="{ row }"><span :data-column="c.key">{{ shown(c, row[c.key]) }}</span></template>
          </el-table-column>
        </el-table>
        <p v-if="table" class="hint" id="row-count">{{ tr('reports.rows').replace('{n}', table.rows.length) }}</p>
        <template v-if="keepsSchedules">
          <h3>{{ tr('reports.schedules') }}</h3>
          <el-table :data="schedules" id="schedules" :empty-text="tr('reports.no_schedules')" :row-class-name="scheduleRow">
            <el-table-column :label="tr('reports.report')"><template #default="{ row }">{{ reportName(row.report) }}</template></el-table-column>
            <el-table-column :label="tr('field.reports.every')"><template #default="{ row }">{{ tr('reports.every.' + row.every) }}</template></el-table-column>
            <el-table-column :label="tr('reports.grouping')" width="110"><template #default="{ row }">{{ tr('grouping.' + row.grouping) }}</template></el-table-column>
            <el-table-column :label="tr('reports.filters')"><template #default="{ row }">{{ filtersSaid(row.filters) }}</template></el-table-column>
            <el-table-column :label="tr('field.reports.to')"><template #default="{ row }">{{ row.to.join(', ') }}</template></el-table-column>
            <el-table-column :label="tr('field.reports.lang')" width="90"><template #default="{ row }">{{ tr('reports.lang.' + row.lang) }}</template></el-table-column>
            <el-table-column width="100"><template #default="{ row }">
              <el-button size="small" class="delete" @click="removeSchedule(row)">{{ tr('reports.delete') }}</el-button></template></el-table-column>
          </el-table>
        </template>
        <el-dialog v-model="scheduling.open" :title="tr('reports.schedule') + ' ' + reportName(ask.report)" width="480px">
          <el-form id="schedule-form" label-position="top" @submit.prevent="saveSchedule">
            <el-form-item :label="tr('field.reports.every')">
              <el-radio-group v-model="scheduling.every" id="schedule-every">
                <el-radio value="daily">{{ tr('reports.every.daily') }}</el-radio>
                <el-radio value="weekly">{{ tr('reports.every.weekly') }}</el-radio>
              </el-radio-group></el-form-item>
            <el-form-item :label="tr('field.reports.to')">
              <el-input v-model="scheduling.to" name="to" :placeholder="tr('reports.addresses_hint')" /></el-form-item>
            <el-form-item :label="tr('field.reports.lang')">
              <el-radio-group v-model="scheduling.lang"><el-radio value="zh">{{ tr('reports.lang.zh') }}</el-radio>
                <el-radio value="en">{{ tr('reports.lang.en') }}</el-radio></el-radio-group></el-form-item>
            <p class="hint">{{ tr('reports.grouping') }}: {{ tr('grouping.' + ask.group) }} · {{ tr('reports.filters') }}: {{ filtersSaid(currentFilters()) || '—' }}</p>
            <el-alert v-if="scheduling.problems.length" id="schedule-error" type="error" :closable="false" role="alert"
              :title="scheduling.problems.join('; ')" />
            <div style="margin-top:12px">
              <el-button type="primary" native-type="submit">{{ tr('reports.save') }}</el-button>
              <el-button @click="scheduling.open = false">{{ tr('reports.cancel') }}</el-button>
            </div>
          </el-form>
        </el-dialog>
      </template>
    </div>
  </div>
</el-config-provider>`;

// A local day as the API reads it: 2026-12-04.
const isoDay = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

function thisWeek() {
  const today = new Date();
  const monday = new Date(today);
  monday.setDate(today.getDate() - ((today.getDay() + 6) % 7));
  return [isoDay(monday), isoDay(today)];
}

createApp({
  template,
  components: { PageBar, SignInCard },
  setup() {
    const session = useSession({ start, forget: () => { table.value = null; }, relabel: () => nextTick(draw) });
    const { api, tr, failure } = session;
    const me = toRef(session, "me"), lang = toRef(session, "lang"), locale = toRef(session, "locale");
    const reports = ref([]), branches = ref([]);
    const table = ref(null);
    const problems = ref([]);
    const [monday, today] = thisWeek();
    const ask = reactive({ report: "", since: monday, until: today, group: "day", branch: "", queue: "", agent: "",
      campaign: "", business_type: "" });
    const schedules = ref([]);
    const scheduling = reactive({ open: false, every: "daily", to: "", lang: lang.value, problems: [] });
    let chart = null;  // the ECharts instance, outside Vue's reactivity

    const known = (key) => tr(key) !== key;
    const about = computed(() => reports.value.find((r) => r.name === ask.report));
    const applies = (filter) => about.value?.filters.includes(filter);
    // headquarters' administrators keep the scheduled reports
    const keepsSchedules = computed(() => me.value?.role === "admin" && me.value.sees_all_branches);
    const reportName = (name) => (known(`report.${name}`) ? tr(`report.${name}`) : name);

    // A value as a person reads it: codes in words, durations h:mm:ss, ratios as percentages, money with cents.
    function shown(column, value) {
      if ((value === null || value === "") && column.key === "branch") return tr("reports.no_branch");
      if (value === null || value === undefined) return "—";
      switch (column.kind) {
        case "seconds": return mmss(value);
        case "ratio": return `${(Number(value) * 100).toFixed(1)}%`;
        case "money": return Number(value).toLocaleString(lang.value === "zh" ? "zh-CN" : "en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
        case "count": return Number(value).toLocaleString(lang.value === "zh" ? "zh-CN" : "en");
        case "text":
          return column.words && known(`${column.words}.${value}`) ? tr(`${column.words}.${value}`) : String(value);
        default: return String(value);
      }
    }
    function summary({ columns }) {
      if (!table.value) return [];
      const cols = table.value.columns;
      return columns.map((_, i) => (i === 0 ? tr("reports.total")
        : cols[i].kind === "text" || cols[i].kind === "period" ? "" : shown(cols[i], table.value.totals[cols[i].key])));
    }

    function currentFilters() {
      return Object.fromEntries(["branch", ...TEXT_FILTERS].filter((f) => applies(f) && ask[f]).map((f) => [f, ask[f]]));
    }
    const filtersSaid = (filters) => Object.entries(filters || {}).map(([k, v]) => `${tr("field.reports." + k)} ${v}`).join(", ");
    const scheduleRow = ({ row }) => `schedule-${row.id}`;
    async function loadSchedules() { if (keepsSchedules.value) schedules.value = await api("GET", "/report-schedules"); }
    function openSchedule() {
      Object.assign(scheduling, { open: true, every: "daily", to: "", lang: lang.value, problems: [] });
    }
    async function saveSchedule() {
      scheduling.problems = [];
      const to = scheduling.to.split(/[,，;\s]+/).filter(Boolean);
      try {
        await api("POST", "/report-schedules", { report: ask.report, every: scheduling.every, grouping: ask.group,
          filters: currentFilters(), to, lang: scheduling.lang });
      } catch (e) { scheduling.problems = said(e); return; }
      scheduling.open = false;
      ElementPlus.ElMessage.success(tr("reports.scheduled"));
      await loadSchedules();
    }
    async function removeSchedule(row) {
      try { await api("DELETE", `/report-schedules/${row.id}`); } catch (e) { problems.value = said(e); }
      await loadSchedules();
    }

    function query(format) {
      const q = new URLSearchParams({ since: ask.since, until: ask.until, group: ask.group });
      for (const f of ["branch", ...TEXT_FILTERS]) if (applies(f) && ask[f]) q.set(f, ask[f]);
      if (format) { q.set("format", format); q.set("lang", lang.value); }
      return `/reports/${encodeURIComponent(ask.report)}?${q}`;
    }
    const said = (e) => (Array.isArray(e.detail) ? e.detail.map((p) => refusal(p, "reports")) : [failure(e.status)]);

    async function run() {
      problems.value = [];
      try {
        table.value = await api("GET", query());
      } catch (e) { table.value = null; problems.value = said(e); return; }
      await nextTick();
      draw();
    }

    // The main figures over the periods: the periods' own figures where the rows have other keys.
    function draw() {
      const el = document.getElementById("chart");
      if (!el || !table.value || !table.value.rows.length) return;
      chart = echarts.getInstanceByDom(el) || echarts.init(el);
      const data = table.value.by_period.length ? table.value.by_period : table.value.rows;
      const period = table.value.columns[0].key;
      const shownColumns = table.value.columns.filter((c) => c.chart);
      const main = shownColumns.length ? shownColumns : table.value.columns.filter((c) => BARS.includes(c.kind)).slice(0, 3);
      const lines = main.some((c) => !BARS.includes(c.kind));
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 4 },
        grid: { left: 56, right: lines ? 72 : 24, top: 40, bottom: 32 },
        xAxis: { type: "category", data: data.map((r) => r[period]) },
        yAxis: [{ type: "value", minInterval: 1 }, ...(lines ? [{ type: "value" }] : [])],
        series: main.map((c) => ({
          name: tr(`column.${c.key}`), id: c.key, type: BARS.includes(c.kind) ? "bar" : "line",
          yAxisIndex: BARS.includes(c.kind) ? 0 : 1, data: data.map((r) => (r[c.key] === null ? null : Number(r[c.key]))),
        })),
      }, true);
    }

    async function download(format) {
      problems.value = [];
      const reply = await fetch(query(format), { headers: { Authorization: `Bearer ${session.token}` } });
      if (!reply.ok) {
        const data = await reply.json().catch(() => ({}));
        problems.value = said({ status: reply.status, detail: data.detail });
        return;
      }
      const [, name] = /filename="([^"]+)"/.exec(reply.headers.get("content-disposition") || "") || [, `report.${format}`];
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await reply.blob());
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    }

    async function start() {
      if (!READERS.includes(me.value.role)) return;
      reports.value = await api("GET", "/reports");
      branches.value = await api("GET", "/branches").catch(() => []);
      ask.report ||= reports.value.find((r) => r.name === "orders")?.name ?? reports.value[0]?.name ?? "";
      await loadSchedules();
    }
    watch(() => ask.report, () => { table.value = null; problems.value = []; });
    window.addEventListener("resize", () => chart?.resize());
    return { session, READERS, GROUPINGS, TEXT_FILTERS, lang, me, reports, branches, table, problems, ask, tr, locale,
      applies, reportName, shown, summary, run, download, keepsSchedules, schedules,
      scheduling, currentFilters, filtersSaid, scheduleRow, openSchedule, saveSchedule, removeSchedule };
  },
}).use(ElementPlus).mount("#app");
