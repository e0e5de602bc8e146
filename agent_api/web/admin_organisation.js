// The administration page's organisation: branches with their hours, the IVR menu (business
// types and their prompts) and the queues' settings. Every change is live: the reply comes once
// the PBX and the engine have it.
import { AdminDialog, FormProblems, useAction, useForm } from "./admin_common.js";

const { ref, onMounted } = Vue;

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const hhmm = (t) => t.slice(0, 5);
const intervalsText = (list) => list.map(([o, c]) => `${hhmm(o)}-${hhmm(c)}`).join(", ");
const intervalsOf = (text) => text.split(/[,，]/).map((s) => s.trim()).filter(Boolean)
  .map((s) => s.split("-").map((x) => x.trim()));

export const BranchesPane = {
  props: ["api", "tr", "said", "reload"],
  components: { AdminDialog },
  template: `
<div>
  <el-button type="primary" id="new-branch" @click="open({}, false)">{{ tr('btn.new_branch') }}</el-button>
  <el-table :data="branches" id="branches" style="margin-top:12px" :row-class-name="({ row }) => 'branch-' + row.code">
    <el-table-column prop="code" :label="tr('field.code')" width="90" />
    <el-table-column prop="name" :label="tr('field.name')" width="160" />
    <el-table-column prop="timezone" :label="tr('field.timezone')" width="160" />
    <el-table-column :label="tr('field.hours')"><template #default="{ row }">
      <span class="hours">{{ week(row.code) }}</span></template></el-table-column>
    <el-table-column width="230"><template #default="{ row }">
      <el-button size="small" class="edit-hours" @click="editHours(row)">{{ tr('btn.hours') }}</el-button>
      <el-button size="small" v-if="!row.is_headquarters" @click="remove(row)">{{ tr('btn.delete') }}</el-button>
    </template></el-table-column>
  </el-table>
  <admin-dialog :form="form" :tr="tr" name="branch" :title="form.editing ? tr('btn.hours') + ' · ' + form.name : tr('btn.new_branch')"
      width="560px" @save="save">
    <template v-if="!form.editing">
      <el-form-item :label="tr('field.code')"><el-input v-model="form.code" name="code" /></el-form-item>
      <el-form-item :label="tr('field.name')"><el-input v-model="form.name" name="name" /></el-form-item>
    </template>
    <el-form-item :label="tr('field.timezone')"><el-input v-model="form.timezone" name="timezone" /></el-form-item>
    <el-form-item v-for="d in weekdays" :key="d" :label="tr('day.' + d)">
      <el-input v-model="form.hours[d]" :name="'hours-' + d" :placeholder="tr('msg.hours_hint')" /></el-form-item>
  </admin-dialog>
</div>`,
  setup(props) {
    const branches = ref([]), weeks = ref({});
    const { form, open, submit } = useForm(props, { code: "", name: "", timezone: "Asia/Shanghai", hours: {} });
    const act = useAction(props);
    const week = (code) => {
      const w = weeks.value[code];
      if (!w) return "";
      return WEEKDAYS.filter((d) => w.hours[d].length).map((d) => `${props.tr("day." + d)} ${intervalsText(w.hours[d])}`).join("；") || props.tr("msg.always_closed");
    };
    async function load() {
      branches.value = await props.api("GET", "/branches");
      const all = await Promise.all(branches.value.map((b) => props.api("GET", `/branches/${b.code}/hours`)));
      weeks.value = Object.fromEntries(all.map((w) => [w.branch, w]));
    }
    function editHours(row) {
      const w = weeks.value[row.code];
      open({ code: row.code, name: row.name, timezone: w.timezone,
        hours: Object.fromEntries(WEEKDAYS.map((d) => [d, intervalsText(w.hours[d])])) }, true);
    }
    async function save() {
      const hours = Object.fromEntries(WEEKDAYS.filter((d) => (form.hours[d] || "").trim()).map((d) => [d, intervalsOf(form.hours[d])]));
      await submit(async () => {
        if (!form.editing) {
          await props.api("POST", "/branches", { code: form.code, name: form.name, timezone: form.timezone });
          form.editing = true;  // the branch exists: a refusal of its hours is fixed in place
        }
        await props.api("PUT", `/branches/${form.code}/hours`, { timezone: form.timezone, hours });
      }, reloadAll);
    }
    async function reloadAll() { await load(); await props.reload(); }
    const remove = (row) => act(() => props.api("DELETE", `/branches/${row.code}`),
      { confirm: "msg.confirm_delete", title: row.name, after: reloadAll });
    onMounted(load);
    return { branches, form, open, weekdays: WEEKDAYS, week, editHours, save, remove };
  },
};

// Holidays: a day a branch (or every branch) is closed all day; the IVR applies it to the next call.
export const HolidaysPane = {
  props: ["api", "tr", "said", "branches"],
  components: { AdminDialog },
  template: `
<div style="margin-top:20px">
  <h3>{{ tr('section.holidays') }}</h3>
  <el-button id="new-holiday" @click="open({}, false)">{{ tr('btn.new_holiday') }}</el-button>
  <el-table :data="holidays" id="holidays" style="margin-top:12px" :row-class-name="({ row }) => 'holiday-' + row.day">
    <el-table-column prop="day" :label="tr('field.day')" width="140" />
    <el-table-column prop="name" :label="tr('field.name')" width="200" />
    <el-table-column :label="tr('field.branch')"><template #default="{ row }">{{ branchOf(row.branch_id) }}</template></el-table-column>
    <el-table-column width="120"><template #default="{ row }">
      <el-button size="small" @click="remove(row)">{{ tr('btn.delete') }}</el-button></template></el-table-column>
  </el-table>
  <admin-dialog :form="form" :tr="tr" name="holiday" :title="tr('btn.new_holiday')" @save="save">
    <el-form-item :label="tr('field.day')"><el-date-picker v-model="form.day" type="date" value-format="YYYY-MM-DD" name="day" /></el-form-item>
    <el-form-item :label="tr('field.name')"><el-input v-model="form.name" name="name" /></el-form-item>
    <el-form-item :label="tr('field.branch')">
      <el-select v-model="form.branch" id="holiday-branch" :placeholder="tr('msg.every_branch')" clearable>
        <el-option v-for="b in branches" :key="b.code" :value="b.code" :label="b.name" /></el-select></el-form-item>
  </admin-dialog>
</div>`,
  setup(props) {
    const holidays = ref([]);
    const { form, open, submit } = useForm(props, { day: "", name: "", branch: "" });
    const act = useAction(props);
    const branchOf = (id) => (id === null ? props.tr("msg.every_branch") : props.branches.find((b) => b.id === id)?.name ?? id);
    async function load() { holidays.value = await props.api("GET", "/holidays"); }
    const save = () => submit(() => props.api("POST", "/holidays",
      { day: form.day, name: form.name, branch: form.branch || null }), load);
    const remove = (row) => act(() => props.api("DELETE", `/holidays/${row.id}`),
      { confirm: "msg.confirm_delete", title: `${row.day} ${row.name}`, after: load });
    onMounted(load);
    return { holidays, form, open, branchOf, save, remove };
  },
};

export const MenuPane = {
  props: ["api", "tr", "said"],
  components: { AdminDialog, FormProblems },
  template: `
<div>
  <el-button type="primary" id="new-business-type" @click="open({}, false)">{{ tr('btn.new_menu_item') }}</el-button>
  <el-table :data="types" id="business-types" style="margin-top:12px" :row-class-name="({ row }) => 'bt-' + row.code">
    <el-table-column prop="menu_key" :label="tr('field.menu_key')" width="80" />
    <el-table-column prop="name_zh" :label="tr('field.name_zh')" width="160" />
    <el-table-column prop="name_en" :label="tr('field.name_en')" width="200" />
    <el-table-column prop="code" :label="tr('field.code')" width="140" />
    <el-table-column :label="tr('field.prompt')"><template #default="{ row }">
      <span v-for="l in ['zh', 'en']" :key="l" class="prompt">{{ tr('lang.' + l) }}: {{ tr(row.uploaded_prompts.includes(l) ? 'prompt.uploaded' : 'prompt.spoken') }}　</span>
    </template></el-table-column>
    <el-table-column width="300"><template #default="{ row }">
      <el-button size="small" @click="open({ ...row }, true)">{{ tr('btn.edit') }}</el-button>
      <el-button size="small" class="upload-prompt" @click="openUpload({ code: row.code }, true)">{{ tr('btn.upload_prompt') }}</el-button>
      <el-button size="small" @click="remove(row)">{{ tr('btn.delete') }}</el-button>
    </template></el-table-column>
  </el-table>
  <admin-dialog :form="form" :tr="tr" name="business-type" :title="form.editing ? tr('btn.edit') + ' · ' + form.name_zh : tr('btn.new_menu_item')"
      @save="save">
    <el-form-item :label="tr('field.code')"><el-input v-model="form.code" name="code" :disabled="form.editing" /></el-form-item>
    <el-form-item :label="tr('field.name_zh')"><el-input v-model="form.name_zh" name="name_zh" /></el-form-item>
    <el-form-item :label="tr('field.name_en')"><el-input v-model="form.name_en" name="name_en" /></el-form-item>
    <el-form-item :label="tr('field.menu_key')"><el-input v-model="form.menu_key" name="menu_key" maxlength="1" style="width:80px" /></el-form-item>
    <el-form-item :label="tr('field.sort_order')"><el-input-number v-model="form.sort_order" name="sort_order" :min="0" :max="1000" :placeholder="tr('msg.last')" /></el-form-item>
  </admin-dialog>
  <el-dialog v-model="upload.open" :title="tr('btn.upload_prompt') + ' · ' + upload.code" width="440px" destroy-on-close>
    <p>{{ tr('msg.prompt_hint') }}</p>
    <el-radio-group v-model="upload.lang"><el-radio value="zh">{{ tr('lang.zh') }}</el-radio><el-radio value="en">{{ tr('lang.en') }}</el-radio></el-radio-group>
    <p><input type="file" accept=".wav,.mp3,audio/wav,audio/mpeg" id="prompt-file" @change="upload.file = $event.target.files[0]"></p>
    <form-problems :problems="upload.problems" />
    <template #footer>
      <el-button @click="upload.open = false">{{ tr('btn.cancel') }}</el-button>
      <el-button type="primary" id="send-prompt" :disabled="!upload.file" @click="send">{{ tr('btn.upload') }}</el-button>
    </template>
  </el-dialog>
</div>`,
  setup(props) {
    const types = ref([]);
    const { form, open, submit } = useForm(props, { code: "", name_zh: "", name_en: "", menu_key: "", sort_order: null });
    const { form: upload, open: openUpload, submit: submitUpload } = useForm(props, { code: "", lang: "zh", file: null });
    const act = useAction(props);
    async function load() { types.value = await props.api("GET", "/business-types"); }
    async function save() {
      const body = { name_zh: form.name_zh, name_en: form.name_en, menu_key: form.menu_key };
      if (form.sort_order !== null && form.sort_order !== undefined) body.sort_order = form.sort_order;
      await submit(() => (form.editing ? props.api("PATCH", `/business-types/${form.code}`, body)
        : props.api("POST", "/business-types", { ...body, code: form.code })), load);
    }
    async function send() {
      const data = new FormData();
      data.append("file", upload.file);
      await submitUpload(() => props.api("PUT", `/business-types/${upload.code}/prompts/${upload.lang}`, data), load);
    }
    const remove = (row) => act(() => props.api("DELETE", `/business-types/${row.code}`),
      { confirm: "msg.confirm_delete", title: row.name_zh, after: load });
    onMounted(load);
    return { types, form, open, upload, openUpload, save, send, remove };
  },
};

export const QueuesPane = {
  props: ["api", "tr", "said"],
  components: { AdminDialog },
  template: `
<div>
  <el-table :data="queues" id="queues" :row-class-name="({ row }) => 'queue-' + row.queue">
    <el-table-column prop="queue" :label="tr('field.queue')" width="160" />
    <el-table-column :label="tr('field.wrap_up_seconds')" width="110"><template #default="{ row }">{{ row.wrap_up_seconds }} s</template></el-table-column>
    <el-table-column :label="tr('field.service_level')" width="150"><template #default="{ row }">{{ row.service_level_target }}% / {{ row.service_level_seconds }} s</template></el-table-column>
    <el-table-column :label="tr('field.wait_thresholds')" width="150"><template #default="{ row }">{{ row.wait_amber_seconds }} s / {{ row.wait_red_seconds }} s</template></el-table-column>
    <el-table-column :label="tr('field.max_wait_seconds')" width="200"><template #default="{ row }">{{ row.max_wait_seconds === null ? '—' : row.max_wait_seconds + ' s · ' + tr('offer.' + row.max_wait_offer) }}</template></el-table-column>
    <el-table-column :label="tr('field.overflow')"><template #default="{ row }">{{ overflowText(row.overflow) }}</template></el-table-column>
    <el-table-column :label="tr('field.recording')" width="110"><template #default="{ row }">{{ tr('recording.' + row.recording) }}</template></el-table-column>
    <el-table-column :label="tr('field.survey')" width="110"><template #default="{ row }">{{ row.survey ? '✓' : '—' }}</template></el-table-column>
    <el-table-column width="100"><template #default="{ row }">
      <el-button size="small" @click="edit(row)">{{ tr('btn.edit') }}</el-button></template></el-table-column>
  </el-table>
  <admin-dialog :form="form" :tr="tr" name="queue" :title="tr('btn.edit') + ' · ' + form.queue" width="560px" label-width="150px" @save="save">
      <el-form-item :label="tr('field.wrap_up_seconds')"><el-input-number v-model="form.wrap_up_seconds" :min="0" :max="3600" /></el-form-item>
      <el-form-item :label="tr('field.service_level_seconds')"><el-input-number v-model="form.service_level_seconds" :min="1" :max="3600" /></el-form-item>
      <el-form-item :label="tr('field.service_level_target')"><el-input-number v-model="form.service_level_target" :min="1" :max="100" /></el-form-item>
      <el-form-item :label="tr('field.wait_amber_seconds')"><el-input-number v-model="form.wait_amber_seconds" id="wait-amber" :min="1" :max="86400" /></el-form-item>
      <el-form-item :label="tr('field.wait_red_seconds')"><el-input-number v-model="form.wait_red_seconds" id="wait-red" :min="2" :max="86400" /></el-form-item>
      <el-form-item :label="tr('field.min_level')"><el-input-number v-model="form.min_level" :min="1" :max="10" /></el-form-item>
      <el-form-item :label="tr('field.max_wait_seconds')"><el-input v-model="form.max_wait" name="max_wait" :placeholder="tr('msg.never')" style="width:120px" /></el-form-item>
      <el-form-item :label="tr('field.overflow')"><el-input v-model="form.overflowText" name="overflow" :placeholder="tr('msg.overflow_hint')" /></el-form-item>
      <el-form-item :label="tr('field.max_wait_offer')"><el-select v-model="form.max_wait_offer" id="max-wait-offer">
        <el-option v-for="o in ['message_or_callback', 'message', 'callback']" :key="o" :value="o" :label="tr('offer.' + o)" /></el-select></el-form-item>
      <el-form-item :label="tr('field.survey')"><el-checkbox v-model="form.survey" name="survey" :label="tr('msg.survey_hint')" /></el-form-item>
      <el-form-item :label="tr('field.recording')"><el-select v-model="form.recording">
        <el-option v-for="r in ['always', 'on_demand', 'never']" :key="r" :value="r" :label="tr('recording.' + r)" /></el-select></el-form-item>
  </admin-dialog>
</div>`,
  setup(props) {
    const queues = ref([]);
    const { form, open, submit } = useForm(props, { queue: "" });
    // "30s L1; 60s HQ" <-> [{after_seconds: 30, min_level: 1, branches: []}, ...]
    const overflowText = (steps) => steps.map((s) => [`${s.after_seconds}s`, s.min_level > 1 ? `L${s.min_level}` : "", ...s.branches].filter(Boolean).join(" ")).join("; ");
    const overflowOf = (text) => text.split(/[;；]/).map((s) => s.trim()).filter(Boolean).map((s) => {
      const [after, ...rest] = s.split(/\s+/);
      const level = rest.find((w) => /^L\d+$/.test(w));
      return { after_seconds: parseInt(after, 10), min_level: level ? parseInt(level.slice(1), 10) : 1, branches: rest.filter((w) => w !== level) };
    });
    async function load() { queues.value = await props.api("GET", "/queue-settings"); }
    function edit(row) {
      open({ ...row, max_wait: row.max_wait_seconds ?? "", overflowText: overflowText(row.overflow) }, true);
    }
    async function save() {
      const body = { wrap_up_seconds: form.wrap_up_seconds, service_level_seconds: form.service_level_seconds,
        service_level_target: form.service_level_target, min_level: form.min_level, recording: form.recording,
        wait_amber_seconds: form.wait_amber_seconds, wait_red_seconds: form.wait_red_seconds,
        max_wait_offer: form.max_wait_offer, survey: form.survey,
        class_priority: form.class_priority, max_wait_seconds: form.max_wait === "" ? null : Number(form.max_wait),
        overflow: overflowOf(form.overflowText) };
      await submit(() => props.api("PUT", `/queue-settings/${form.queue}`, body), load);
    }
    onMounted(load);
    return { queues, form, overflowText, edit, save };
  },
};
