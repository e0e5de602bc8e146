// Administration: users and roles, agents, the organisation, departments and their work-order
// templates, retailers, the catalogue and the audit log. Vue 3 and Element Plus (globals loaded
// by admin.html from /vendor), Chinese first with an English switch. Each tab shows to the roles
// the API lets use it.
import { AgentsPane } from "./admin_agents.js";
import { DoNotCallPane, KnowledgePane, LimitsPane, ProductsPane } from "./admin_catalogue.js";
import { AdminDialog, useAction, useForm } from "./admin_common.js";
import { DepartmentsPane } from "./admin_departments.js";
import { BranchesPane, HolidaysPane, MenuPane, QueuesPane } from "./admin_organisation.js";
import { RetailersPane } from "./admin_retailers.js";
import { localTime, refusal } from "./i18n.js";
import { PageBar, SignInCard, useSession } from "./vue_session.js";

const { createApp, reactive, ref, computed, toRef } = Vue;
const { ElMessageBox } = ElementPlus;
const ROLES = ["agent", "supervisor", "ops", "branch_admin", "admin"];
const ADMINS = ["admin", "branch_admin"];
const CATALOGUE_KEEPERS = ["ops", "admin"];  // products, limits, knowledge, do-not-call

const template = `
<el-config-provider :locale="locale">
  <sign-in-card v-if="!me" :session="session" :title="tr('app.admin')" />
  <div v-else>
    <page-bar :session="session" :title="tr('app.admin')">
      <el-button id="own-password" @click="openOwn({}, true)">{{ tr('btn.change_password') }}</el-button>
    </page-bar>
    <div class="page">
      <el-alert v-if="!mayUse" :title="tr('msg.no_rights')" type="warning" :closable="false" role="alert" />
      <el-tabs v-else v-model="tab" @tab-change="load">
        <el-tab-pane v-if="mayAdminister" :label="tr('tab.users')" name="users">
          <el-button type="primary" id="new-user" @click="openNew">{{ tr('btn.new_user') }}</el-button>
          <el-table :data="users" id="users" style="margin-top:12px" :row-class-name="rowName">
            <el-table-column prop="username" :label="tr('field.username')" />
            <el-table-column :label="tr('field.role')"><template #default="{ row }">{{ tr('role.' + row.role) }}</template></el-table-column>
            <el-table-column :label="tr('field.branch')"><template #default="{ row }">{{ branchName(row.branch) }}</template></el-table-column>
            <el-table-column prop="agent" :label="tr('field.agent')" />
            <el-table-column prop="sip_endpoint" :label="tr('field.sip_endpoint')" />
            <el-table-column :label="tr('field.active')"><template #default="{ row }">
              <el-tag :type="row.active ? 'success' : 'info'" class="status">{{ tr(row.active ? 'state.active' : 'state.disabled') }}</el-tag></template></el-table-column>
            <el-table-column :label="tr('field.created_at')" width="180"><template #default="{ row }">{{ when(row.created_at) }}</template></el-table-column>
            <el-table-column width="260"><template #default="{ row }">
              <el-button size="small" @click="openEdit(row)">{{ tr('btn.edit') }}</el-button>
              <el-button size="small" @click="toggle(row)">{{ tr(row.active ? 'btn.disable' : 'btn.enable') }}</el-button>
              <el-button size="small" @click="resetPassword(row)">{{ tr('btn.reset_password') }}</el-button>
            </template></el-table-column>
          </el-table>
        </el-tab-pane>
        <el-tab-pane v-if="mayAdminister" :label="tr('tab.agents')" name="agents" lazy>
          <agents-pane :api="api" :tr="tr" :branches="branches" :said="said" />
        </el-tab-pane>
        <el-tab-pane v-if="mayAdminister" :label="tr('tab.branches')" name="branches" lazy>
          <branches-pane :api="api" :tr="tr" :said="said" :reload="loadBranches" />
          <holidays-pane :api="api" :tr="tr" :said="said" :branches="branches" />
        </el-tab-pane>
        <el-tab-pane v-if="me.role === 'admin'" :label="tr('tab.menu')" name="menu" lazy>
          <menu-pane :api="api" :tr="tr" :said="said" />
        </el-tab-pane>
        <el-tab-pane v-if="mayAdminister" :label="tr('tab.queues')" name="queues" lazy>
          <queues-pane :api="api" :tr="tr" :said="said" />
        </el-tab-pane>
        <el-tab-pane v-if="keepsDepartments" :label="tr('tab.departments')" name="departments" lazy>
          <departments-pane :api="api" :tr="tr" :said="said" />
        </el-tab-pane>
        <el-tab-pane v-if="mayAdminister" :label="tr('tab.retailers')" name="retailers" lazy>
          <retailers-pane :api="api" :tr="tr" :said="said" :branches="branches" />
        </el-tab-pane>
        <template v-if="keepsCatalogue">
          <el-tab-pane :label="tr('tab.products')" name="products" lazy>
            <products-pane :api="api" :tr="tr" :said="said" :branches="branches" />
          </el-tab-pane>
          <el-tab-pane :label="tr('tab.limits')" name="limits" lazy>
            <limits-pane :api="api" :tr="tr" :said="said" />
          </el-tab-pane>
          <el-tab-pane :label="tr('tab.knowledge')" name="knowledge" lazy>
            <knowledge-pane :api="api" :tr="tr" :said="said" :lang="lang" />
          </el-tab-pane>
          <el-tab-pane :label="tr('tab.do_not_call')" name="do_not_call" lazy>
            <do-not-call-pane :api="api" :tr="tr" :said="said" />
          </el-tab-pane>
        </template>
        <el-tab-pane v-if="mayAdminister" :label="tr('tab.audit')" name="audit">
          <div class="filters">
            <el-select v-model="filters.action" clearable :placeholder="tr('field.action')" style="width:180px" id="audit-action">
              <el-option v-for="a in actions" :key="a" :value="a" :label="tr('action.' + a)" />
            </el-select>
            <el-select v-model="filters.entity" clearable :placeholder="tr('field.entity')" style="width:180px" id="audit-entity">
              <el-option v-for="e in entities" :key="e" :value="e" :label="tr('entity.' + e)" />
            </el-select>
            <el-input v-model="filters.user" clearable :placeholder="tr('field.who')" style="width:180px" />
            <el-date-picker v-model="filters.days" type="daterange" value-format="YYYY-MM-DD" id="audit-days"
              :start-placeholder="tr('field.since')" :end-placeholder="tr('field.until')" style="width:260px" />
            <el-button @click="loadAudit">{{ tr('btn.search') }}</el-button>
          </div>
          <el-table :data="audit" id="audit">
            <el-table-column :label="tr('field.at')" width="180"><template #default="{ row }">{{ when(row.at) }}</template></el-table-column>
            <el-table-column prop="username" :label="tr('field.who')" width="140" />
            <el-table-column :label="tr('field.action')" width="140"><template #default="{ row }">{{ tr('action.' + row.action) }}</template></el-table-column>
            <el-table-column :label="tr('field.entity')" width="140"><template #default="{ row }">{{ tr('entity.' + row.entity) }} {{ entityId(row) }}</template></el-table-column>
            <el-table-column :label="tr('field.before')"><template #default="{ row }"><span class="change">{{ shown(row.before, row.entity) }}</span></template></el-table-column>
            <el-table-column :label="tr('field.after')"><template #default="{ row }"><span class="change">{{ shown(row.after, row.entity) }}</span></template></el-table-column>
          </el-table>
        </el-tab-pane>
      </el-tabs>
    </div>
    <admin-dialog :form="form" :tr="tr" name="user" :title="form.editing ? tr('btn.edit') + ' ' + form.username : tr('btn.new_user')"
        width="460px" @save="save">
      <el-form-item :label="tr('field.username')"><el-input v-model="form.username" name="username" :disabled="form.editing" /></el-form-item>
      <el-form-item v-if="!form.editing" :label="tr('field.password')"><el-input v-model="form.password" name="password" type="password" /></el-form-item>
      <el-form-item :label="tr('field.role')">
        <el-select v-model="form.role" id="form-role"><el-option v-for="r in roles" :key="r" :value="r" :label="tr('role.' + r)" /></el-select></el-form-item>
      <el-form-item :label="tr('field.branch')">
        <el-select v-model="form.branch" id="form-branch" clearable><el-option v-for="b in branches" :key="b.code" :value="b.code" :label="b.name" /></el-select></el-form-item>
      <el-form-item :label="tr('field.agent')"><el-input v-model="form.agent" name="agent" /></el-form-item>
      <el-form-item :label="tr('field.sip_endpoint')"><el-input v-model="form.sip_endpoint" name="sip_endpoint" /></el-form-item>
    </admin-dialog>
    <admin-dialog :form="own" :tr="tr" name="own-password" :title="tr('btn.change_password')" width="420px" @save="saveOwn">
      <el-form-item :label="tr('field.current')"><el-input v-model="own.current" name="current" type="password" autocomplete="current-password" /></el-form-item>
      <el-form-item :label="tr('field.new')"><el-input v-model="own.new" name="new" type="password" autocomplete="new-password" /></el-form-item>
    </admin-dialog>
  </div>
</el-config-provider>`;

createApp({
  template,
  components: { AdminDialog, AgentsPane, BranchesPane, HolidaysPane, MenuPane, QueuesPane, DepartmentsPane, RetailersPane, ProductsPane,
    LimitsPane, KnowledgePane, DoNotCallPane, PageBar, SignInCard },
  setup() {
    const session = useSession({ start });
    const { api, tr, failure } = session;
    const me = toRef(session, "me"), lang = toRef(session, "lang"), locale = toRef(session, "locale");
    const tab = ref("users");
    const users = ref([]), audit = ref([]), branches = ref([]);
    const filters = reactive({ action: "", entity: "", user: "", days: null });

    const mayAdminister = computed(() => me.value && ADMINS.includes(me.value.role));
    const keepsCatalogue = computed(() => me.value && CATALOGUE_KEEPERS.includes(me.value.role));
    const keepsDepartments = computed(() => me.value?.role === "admin" && me.value.sees_all_branches);  // headquarters'
    const mayUse = computed(() => mayAdminister.value || keepsCatalogue.value);
    const roles = computed(() => me.value?.role === "admin" ? ROLES : ["agent", "supervisor"]);
    const actions = ["create", "update", "delete", "suspend", "reactivate", "import", "reset_password", "change_password",
      "upload_prompt", "speak_prompt", "withdraw", "restore", "retire", "start", "pause", "resume", "stop"];
    const entities = ["user", "agent", "branch", "opening_hours", "holiday", "business_type", "queue_settings",
      "retailer", "retailer_file", "department", "step_template", "product", "product_supply", "order_limit",
      "knowledge_article", "do_not_call", "campaign", "score_form"];
    const skillList = (v) => Object.entries(v).map(([code, level]) => `${code} ${level}`).join(", ");
    const known = (key) => tr(key) !== key;
    const fieldWord = (name, scope) => [`field.${scope}.${name}`, `field.${name}`].filter(known).map(tr)[0];
    // Why the API refused, in the reader's words: each rule with its field (a pane's `scope` picks
    // its own field names), a stale version as such, else the status named with the field it gives.
    const said = (e, scope) => {
      if (Array.isArray(e.detail)) return e.detail.map((p) => refusal(p, scope));
      const text = typeof e.detail === "string" ? e.detail : "";
      if (e.status === 409 && text.startsWith("version:")) return [tr("msg.stale")];
      const [, field] = /^([a-z_]+): /.exec(text) || [];
      const name = field && fieldWord(field, scope);
      return [name ? `${name}: ${failure(e.status)}` : failure(e.status)];
    };
    const { form, open: openForm, submit } = useForm({ tr, said }, { id: null, username: "", password: "", role: "agent",
      branch: "", agent: "", sip_endpoint: "" });
    const act = useAction({ tr, said });
    // Anyone signed in changes their own password here, administrator or not.
    const { form: own, open: openOwn, submit: submitOwn } = useForm({ tr, said }, { current: "", new: "" });
    const saveOwn = () => submitOwn(() => api("POST", "/auth/password", { current: own.current, new: own.new }));
    const when = (iso) => localTime(iso);
    const word = (k, x) => (x === null || x === undefined ? "—" : k === "role" ? tr(`role.${x}`)
      : k === "active" ? tr(x ? "state.active" : "state.disabled") : k === "branch" ? branchName(x)
      : k === "status" ? tr(`retailer_status.${x}`)
      : Array.isArray(x) ? x.map(item).join("; ") : typeof x === "object" ? skillList(x) : x);
    const item = (x) => (x !== null && typeof x === "object" ? Object.values(x).join(" · ") : x);  // a template's step
    // A change's fields, named as its record's own (a retailer's name is its shop's) where the dictionary says so.
    const shown = (v, entity) => (v ? Object.entries(v).map(([k, x]) => `${fieldWord(k, entity) ?? k}: ${word(k, x)}`).join("\n") : "");
    // A step template is kept by kind and subject ("complaint/logistics"): said in words.
    const entityId = (row) => (row.entity === "step_template"
      ? row.entity_id.split("/").map((code, i) => tr(`${i ? "subject" : "opinion"}.${code}`)).join(" · ") : row.entity_id);
    const branchName = (code) => (code ? branches.value.find((b) => b.code === code)?.name ?? code : tr("hq"));
    const rowName = ({ row }) => `user-${row.username}`;

    async function loadUsers() { users.value = await api("GET", "/users"); }
    async function loadAudit() {
      const q = new URLSearchParams();
      if (filters.action) q.set("action", filters.action);
      if (filters.user) q.set("user", filters.user);
      if (filters.entity) q.set("entity", filters.entity);
      if (filters.days) {  // the reader's days, from the first's midnight to the midnight after the last
        const [from, to] = filters.days.map((d) => new Date(`${d}T00:00:00`));
        to.setDate(to.getDate() + 1);
        q.set("since", from.toISOString());
        q.set("until", to.toISOString());
      }
      audit.value = await api("GET", `/audit?${q}`);
    }
    async function load() {
      if (!mayAdminister.value) return;
      if (tab.value === "users") await loadUsers();
      else if (tab.value === "audit") await loadAudit();  // the other panes load themselves
    }
    async function loadBranches() { branches.value = await api("GET", "/branches"); }
    async function start() {
      tab.value = ADMINS.includes(me.value.role) ? "users" : "products";  // operations: the catalogue
      await loadBranches();
      await load();
    }
    function openNew() { openForm(); }
    function openEdit(row) {
      openForm({ id: row.id, username: row.username, role: row.role, branch: row.branch ?? "", agent: row.agent ?? "",
        sip_endpoint: row.sip_endpoint ?? "" }, true);
    }
    async function save() {
      const body = { role: form.role, branch: form.branch || null, agent: form.agent || null, sip_endpoint: form.sip_endpoint || null };
      await submit(() => (form.editing ? api("PATCH", `/users/${form.id}`, body)
        : api("POST", "/users", { ...body, username: form.username, password: form.password })), loadUsers);
    }
    const toggle = (row) => act(() => api("PATCH", `/users/${row.id}`, { active: !row.active }),
      { confirm: row.active ? "msg.confirm_disable" : undefined, title: row.username, done: "msg.saved", after: loadUsers });
    const resetPassword = (row) => act(async () => {
      const { value } = await ElMessageBox.prompt(tr("field.new"), `${tr("btn.reset_password")} · ${row.username}`, { inputType: "password" });
      await api("POST", `/users/${row.id}/password`, { password: value });
    }, { done: "msg.password_reset" });
    return { session, own, openOwn, saveOwn, api, said, lang, me, tab, users, audit, branches, filters, entities, form, tr, locale, mayAdminister, keepsCatalogue,
      keepsDepartments, mayUse, roles, actions,
      when, shown, entityId, branchName, rowName, load, loadAudit, loadBranches, openNew, openEdit, save, toggle, resetPassword };
  },
}).use(ElementPlus).mount("#app");
