// The administration page's retailers: found by card, phone or name, created and edited with
// their profile (the edit carries the version read, so nobody overwrites a change unseen),
// suspended and reactivated, and imported from a CSV or XLSX file with a report of every row.
import { AdminDialog, FormProblems, useAction, useForm } from "./admin_common.js";
import { localTime } from "./i18n.js";

const { computed, reactive, ref } = Vue;
const { ElMessage } = ElementPlus;

const CLASSES = ["A", "B", "C", "D", "E"];
const PROFILE = ["address", "business_format", "trade_area"];
const phonesOf = (text) => text.split(/[\s,，;；、]+/).filter(Boolean);
const fill = (text, params) => text.replace(/\{(\w+)\}/g, (all, k) => params[k] ?? all);

// The import's reasons are the service's sentences; the ones it writes itself are said here in
// the reader's words, any other shown as the service wrote it.
const REASONS = [
  [/^missing$/, "reason.missing"],
  [/^missing: a new card needs it$/, "reason.new_card_needs"],
  [/^card \d+ repeats row (?<row>\d+)$/, "reason.card_repeats"],
  [/^no branch '(?<branch>.*)'$/, "reason.no_branch"],
  [/not a branch you administer$|of a branch you do not administer$/, "reason.not_administered"],
  [/^String should match pattern .*\(not '(?<value>.*)'\)$/, "reason.pattern"],
];

const template = `
<div>
  <div class="filters">
    <el-input v-model="q" id="retailer-q" clearable style="width:320px" :placeholder="tr('msg.retailer_search')" @keyup.enter="search" />
    <el-button @click="search" id="find-retailers">{{ tr('btn.search') }}</el-button>
    <span class="spacer"></span>
    <el-button type="primary" id="new-retailer" @click="openNew">{{ tr('btn.new_retailer') }}</el-button>
    <el-button id="import-retailers" @click="openImport">{{ tr('btn.import') }}</el-button>
  </div>
  <el-table :data="retailers" id="retailers" size="small" :empty-text="searched ? tr('msg.nothing_found') : tr('msg.retailer_search')"
      :row-class-name="({ row }) => 'retailer-' + row.card_number">
    <el-table-column prop="card_number" :label="tr('field.card_number')" width="120" />
    <el-table-column prop="name" :label="tr('field.retailer.name')" min-width="140" />
    <el-table-column :label="tr('field.branch')" width="140"><template #default="{ row }">{{ branchName(row.branch) }}</template></el-table-column>
    <el-table-column prop="retailer_class" :label="tr('field.retailer_class')" width="60" />
    <el-table-column :label="tr('field.status')" width="80"><template #default="{ row }">
      <el-tag :type="row.status === 'active' ? 'success' : 'warning'" class="status" size="small">{{ tr('retailer_status.' + row.status) }}</el-tag></template></el-table-column>
    <el-table-column :label="tr('field.phones')" min-width="120"><template #default="{ row }">{{ row.phones.join(', ') }}</template></el-table-column>
    <el-table-column prop="business_format" :label="tr('field.business_format')" width="90" />
    <el-table-column prop="trade_area" :label="tr('field.trade_area')" width="90" />
    <el-table-column prop="shop_area" :label="tr('field.shop_area')" width="90" />
    <el-table-column prop="address" :label="tr('field.address')" min-width="160" show-overflow-tooltip />
    <el-table-column :label="tr('field.updated_at')" width="150"><template #default="{ row }">{{ when(row.updated_at) }}</template></el-table-column>
    <el-table-column width="150"><template #default="{ row }">
      <el-button size="small" @click="openEdit(row)">{{ tr('btn.edit') }}</el-button>
      <el-button size="small" class="status-change" @click="setStatus(row)">{{ tr(row.status === 'active' ? 'btn.suspend' : 'btn.reactivate') }}</el-button>
    </template></el-table-column>
  </el-table>

  <admin-dialog :form="form" :tr="tr" name="retailer" :title="form.editing ? tr('btn.edit') + ' · ' + form.card_number : tr('btn.new_retailer')"
      width="620px" label-width="130px" size="small" @save="save" @reload="reload">
      <el-form-item :label="tr('field.card_number')"><el-input v-model="form.card_number" name="card_number" :disabled="form.editing" /></el-form-item>
      <el-form-item :label="tr('field.retailer.name')"><el-input v-model="form.name" name="name" /></el-form-item>
      <el-form-item :label="tr('field.branch')">
        <el-select v-model="form.branch" id="retailer-branch" :placeholder="tr('msg.unassigned')" clearable>
          <el-option v-for="b in branches" :key="b.code" :value="b.code" :label="b.name" /></el-select></el-form-item>
      <el-form-item :label="tr('field.retailer_class')">
        <el-radio-group v-model="form.retailer_class" id="retailer-class">
          <el-radio-button v-for="c in classes" :key="c" :value="c">{{ c }}</el-radio-button></el-radio-group></el-form-item>
      <el-form-item :label="tr('field.phones')"><el-input v-model="form.phones" name="phones" :placeholder="tr('msg.phones_hint')" /></el-form-item>
      <el-form-item :label="tr('field.retailer.pin')"><el-input v-model="form.pin" name="pin" type="password" autocomplete="new-password"
        :placeholder="tr(form.editing ? 'msg.pin_unchanged' : 'msg.pin_hint')" style="width:220px" /></el-form-item>
      <el-form-item :label="tr('field.address')"><el-input v-model="form.address" name="address" /></el-form-item>
      <el-form-item :label="tr('field.business_format')"><el-input v-model="form.business_format" name="business_format" :placeholder="tr('msg.business_format_hint')" style="width:220px" /></el-form-item>
      <el-form-item :label="tr('field.shop_area')"><el-input v-model="form.shop_area" name="shop_area" style="width:120px" /></el-form-item>
      <el-form-item :label="tr('field.trade_area')"><el-input v-model="form.trade_area" name="trade_area" style="width:220px" /></el-form-item>
  </admin-dialog>

  <el-dialog v-model="upload.open" :title="tr('btn.import')" width="680px" destroy-on-close>
    <p class="hint">{{ tr('msg.import_hint') }}</p>
    <p><input type="file" id="retailer-file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
      @change="upload.file = $event.target.files[0]; upload.report = null; upload.problems = []"></p>
    <form-problems :problems="upload.problems" />
    <div v-if="upload.report" id="import-report">
      <el-descriptions :column="5" border size="small">
        <el-descriptions-item v-for="k in ['rows', 'created', 'updated', 'unchanged']" :key="k" :label="tr('field.' + k)">
          <span :class="'count-' + k">{{ upload.report[k] }}</span></el-descriptions-item>
        <el-descriptions-item :label="tr('field.rejected')"><span class="count-rejected">{{ rejectedRows }}</span></el-descriptions-item>
      </el-descriptions>
      <p v-if="upload.report.ignored_columns.length" class="hint">{{ tr('field.ignored_columns') }}: {{ upload.report.ignored_columns.join(', ') }}</p>
      <el-table v-if="upload.report.rejected.length" :data="upload.report.rejected" id="rejected-rows" size="small" max-height="300" style="margin-top:8px">
        <el-table-column prop="row" :label="tr('field.row')" width="70" />
        <el-table-column :label="tr('field.field')" width="130"><template #default="{ row }">{{ fieldName(row.field) }}</template></el-table-column>
        <el-table-column :label="tr('field.reason')"><template #default="{ row }">{{ reason(row.reason) }}</template></el-table-column>
      </el-table>
      <p v-else class="hint">{{ tr('msg.no_rejected') }}</p>
    </div>
    <template #footer>
      <el-button @click="upload.open = false">{{ tr('btn.close') }}</el-button>
      <el-button type="primary" id="send-import" :disabled="!upload.file" @click="send">{{ tr('btn.upload') }}</el-button>
    </template>
  </el-dialog>
</div>`;

export const RetailersPane = {
  props: ["api", "tr", "said", "branches"],
  components: { AdminDialog, FormProblems },
  template,
  setup(props) {
    const retailers = ref([]), q = ref(""), searched = ref(false);
    const { form, open, submit } = useForm(props, { id: null, version: 0, card_number: "", name: "", branch: "",
      retailer_class: "C", phones: "", pin: "", address: "", business_format: "", shop_area: "", trade_area: "",
      was: null }, "retailer");
    const act = useAction(props, "retailer");
    const upload = reactive({ open: false, file: null, report: null, problems: [] });
    const when = (iso) => localTime(iso);
    const branchName = (code) => (code ? props.branches.find((b) => b.code === code)?.name ?? code : props.tr("msg.unassigned"));
    const fieldName = (f) => {
      for (const key of [`field.retailer.${f}`, `field.${f}`]) if (props.tr(key) !== key) return props.tr(key);
      return f;
    };
    function reason(text) {
      for (const [pattern, key] of REASONS) {
        const m = pattern.exec(text);
        if (m) return fill(props.tr(key), m.groups || {});
      }
      return text;
    }

    async function search() {
      const text = q.value.trim();
      if (text.length < 2) { ElMessage.warning(props.tr("msg.retailer_search")); return; }
      retailers.value = await props.api("GET", `/retailers?${new URLSearchParams({ q: text, limit: 100 })}`);
      searched.value = true;
    }
    function openNew() { open(); }
    const fields = (r) => ({ id: r.id, version: r.version, card_number: r.card_number, name: r.name,
      branch: r.branch ?? "", retailer_class: r.retailer_class, phones: r.phones.join(", "), pin: "",
      address: r.address ?? "", business_format: r.business_format ?? "",
      shop_area: r.shop_area === null ? "" : String(r.shop_area), trade_area: r.trade_area ?? "", was: r });
    function openEdit(row) { open(fields(row), true); }
    async function reload() {  // the version someone else saved, to change it again
      Object.assign(form, fields(await props.api("GET", `/retailers/${form.id}`)), { stale: false, problems: [] });
    }
    function body() {
      const profile = Object.fromEntries(PROFILE.map((f) => [f, form[f].trim() || null]));
      const area = form.shop_area.trim();
      const b = { name: form.name.trim(), retailer_class: form.retailer_class, phones: phonesOf(form.phones),
        ...profile, shop_area: area === "" ? null : area };  // the API reads the number, or says why not
      if (form.pin) b.pin = form.pin;
      return b;
    }
    async function save() {
      await submit(async () => {
        if (form.editing) {
          const changes = { ...body(), version: form.version };
          if ((form.branch || null) !== form.was.branch) changes.branch = form.branch || null;
          await props.api("PATCH", `/retailers/${form.id}`, changes);
        } else {
          const created = { ...body(), card_number: form.card_number.trim() };
          if (form.branch) created.branch = form.branch;  // else the API's default: the administrator's own
          await props.api("POST", "/retailers", created);
          q.value = created.card_number;
        }
      }, search);
    }
    function setStatus(row) {
      const suspending = row.status === "active";
      return act(() => props.api("POST", `/retailers/${row.id}/${suspending ? "suspend" : "reactivate"}`),
        { confirm: suspending ? "msg.confirm_suspend" : undefined, title: row.name, done: "msg.saved", after: search });
    }
    function openImport() { Object.assign(upload, { open: true, file: null, report: null, problems: [] }); }
    async function send() {
      const data = new FormData();
      data.append("file", upload.file);
      try {
        upload.report = await props.api("POST", "/retailers/import", data);
        upload.problems = [];
        if (searched.value) await search();
      } catch (e) { upload.problems = props.said(e, "retailer"); }
    }
    const rejectedRows = computed(() => new Set((upload.report?.rejected ?? []).map((r) => r.row)).size);
    return { retailers, q, searched, form, upload, classes: CLASSES, when, branchName, fieldName, reason, rejectedRows,
      search, openNew, openEdit, reload, save, setStatus, openImport, send };
  },
};
