// The administration page's agents: number, name, branch, PIN, skills with levels, the phone's
// account; created and changed live (the PBX reloads the accounts before the reply).
import { AdminDialog, useAction, useForm } from "./admin_common.js";

const { ref, onMounted } = Vue;

const template = `
<div>
  <el-button type="primary" id="new-agent" :disabled="!loaded" @click="openNew">{{ tr('btn.new_agent') }}</el-button>
  <el-table :data="agents" id="agents" style="margin-top:12px" :row-class-name="({ row }) => 'agent-' + row.number">
    <el-table-column prop="number" :label="tr('field.number')" width="90" />
    <el-table-column prop="name" :label="tr('field.name')" width="120" />
    <el-table-column :label="tr('field.branch')" width="170"><template #default="{ row }">{{ branchName(row.branch) }}</template></el-table-column>
    <el-table-column :label="tr('field.skills')"><template #default="{ row }">{{ skillsOf(row.skills) }}</template></el-table-column>
    <el-table-column :label="tr('field.active')" width="90"><template #default="{ row }">
      <el-tag :type="row.active ? 'success' : 'info'" class="status">{{ tr(row.active ? 'state.active' : 'state.disabled') }}</el-tag></template></el-table-column>
    <el-table-column width="260"><template #default="{ row }">
      <el-button size="small" @click="openEdit(row)">{{ tr('btn.edit') }}</el-button>
      <el-button size="small" @click="toggle(row)">{{ tr(row.active ? 'btn.disable' : 'btn.enable') }}</el-button>
      <el-button size="small" class="sip-account" @click="account = row">{{ tr('btn.sip_account') }}</el-button>
    </template></el-table-column>
  </el-table>
  <admin-dialog :form="form" :tr="tr" name="agent" :title="form.editing ? tr('btn.edit') + ' ' + form.number : tr('btn.new_agent')"
      width="520px" label-width="120px" @save="save">
    <el-form-item :label="tr('field.number')"><el-input v-model="form.number" name="number" :disabled="form.editing" /></el-form-item>
    <el-form-item :label="tr('field.name')"><el-input v-model="form.name" name="name" /></el-form-item>
    <el-form-item :label="tr('field.branch')">
      <el-select v-model="form.branch" id="agent-branch"><el-option v-for="b in branches" :key="b.code" :value="b.code" :label="b.name" /></el-select></el-form-item>
    <el-form-item :label="tr('field.pin')"><el-input v-model="form.pin" name="pin" type="password" /></el-form-item>
    <el-form-item :label="tr('field.skills')">
      <div v-for="s in skills" :key="s.code" class="skill">
        <el-checkbox v-model="form.levels[s.code].on" :label="s.name" :name="'skill-' + s.code" />
        <el-input-number v-if="form.levels[s.code].on" v-model="form.levels[s.code].level" :min="1" :max="10" size="small" />
      </div>
    </el-form-item>
  </admin-dialog>
  <el-dialog :model-value="!!account" @close="account = null" :title="tr('btn.sip_account') + ' · ' + (account?.number ?? '')" width="460px">
    <p>{{ tr('msg.sip_account') }}</p>
    <el-descriptions :column="1" border id="sip-account">
      <el-descriptions-item :label="tr('field.username')"><span class="sip-user">{{ account?.sip_endpoint }}</span></el-descriptions-item>
      <el-descriptions-item :label="tr('field.sip_secret')"><code class="sip-secret">{{ account?.sip_secret }}</code></el-descriptions-item>
    </el-descriptions>
    <el-button id="new-sip-secret" style="margin-top:12px" @click="renewSecret">{{ tr('btn.new_sip_secret') }}</el-button>
  </el-dialog>
</div>`;

export const AgentsPane = {
  props: ["api", "tr", "branches", "said"],
  components: { AdminDialog },
  template,
  setup(props) {
    const agents = ref([]), skills = ref([]), account = ref(null);
    const loaded = ref(false);  // a new agent's form lists the skills: not before they are here
    const { form, open, submit } = useForm(props, { number: "", name: "", branch: "", pin: "", levels: {} });
    const act = useAction(props);
    const skillName = (code) => skills.value.find((s) => s.code === code)?.name ?? code;
    const skillsOf = (levels) => Object.entries(levels).map(([code, level]) => `${skillName(code)} ${level}`).join("，");
    const branchName = (code) => props.branches.find((b) => b.code === code)?.name ?? code;

    async function load() {
      [agents.value, skills.value] = await Promise.all([props.api("GET", "/agent-accounts"), props.api("GET", "/skills")]);
      loaded.value = true;
    }
    function levelsFrom(given) {
      return Object.fromEntries(skills.value.map((s) => [s.code, { on: s.code in given, level: given[s.code] ?? 5 }]));
    }
    function openNew() { open({ branch: props.branches[1]?.code ?? "", levels: levelsFrom({}) }); }
    function openEdit(row) { open({ number: row.number, name: row.name, branch: row.branch, levels: levelsFrom(row.skills) }, true); }
    async function save() {
      const chosen = Object.entries(form.levels).filter(([, v]) => v.on).map(([skill, v]) => ({ skill, level: v.level }));
      const body = { name: form.name, branch: form.branch, skills: chosen };
      if (form.pin) body.pin = form.pin;
      const creating = !form.editing;
      await submit(() => (creating ? props.api("POST", "/agent-accounts", { ...body, number: form.number, pin: form.pin })
        : props.api("PATCH", `/agent-accounts/${form.number}`, body)), async (saved) => {
        await load();
        if (creating) account.value = saved;  // the new phone's account, to set it up
      });
    }
    // The old password stops working at once: the phone must register again with the new one.
    const renewSecret = () => act(async () => { account.value = await props.api("POST", `/agent-accounts/${account.value.number}/sip-secret`); },
      { confirm: "msg.new_sip_secret", after: load });
    const toggle = (row) => act(() => props.api("PATCH", `/agent-accounts/${row.number}`, { active: !row.active }), { after: load });
    onMounted(load);
    return { agents, skills, account, loaded, form, skillsOf, branchName, openNew, openEdit, save, toggle, renewSecret };
  },
};
