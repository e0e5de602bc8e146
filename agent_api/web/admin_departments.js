// The administration page's departments and their work-order step templates, kept by
// headquarters' administrators: per opinion kind and subject, the steps in order (department,
// default deadline in hours, instruction) a work order is dispatched in.
import { AdminDialog, useAction, useForm } from "./admin_common.js";

const { computed, ref, onMounted } = Vue;

const KINDS = ["complaint", "suggestion", "praise"];  // models.opinions.OpinionKind
const SUBJECTS = ["commerce", "logistics"];  // models.opinions.OpinionSubject
let stepKeys = 0;  // a step keeps its row while it moves
const editable = (s) => ({ key: ++stepKeys, department: s.department, due_in_hours: s.due_in_hours, instruction: s.instruction });

const template = `
<div>
  <div class="filters">
    <strong>{{ tr('departments.title') }}</strong>
    <span class="spacer"></span>
    <el-button type="primary" id="new-department" @click="open()">{{ tr('btn.new_department') }}</el-button>
  </div>
  <el-table :data="departments" id="departments" size="small" :row-class-name="({ row }) => 'department-' + row.code">
    <el-table-column prop="code" :label="tr('field.department.code')" width="160" />
    <el-table-column prop="name" :label="tr('field.department.name')" />
    <el-table-column width="160"><template #default="{ row }">
      <el-button size="small" @click="open({ ...row }, true)">{{ tr('btn.edit') }}</el-button>
      <el-button size="small" class="delete-department" @click="remove(row)">{{ tr('btn.delete') }}</el-button>
    </template></el-table-column>
  </el-table>
  <admin-dialog :form="form" :tr="tr" name="department" :title="form.editing ? tr('btn.edit') + ' · ' + form.name : tr('btn.new_department')"
      @save="save">
    <el-form-item :label="tr('field.department.code')"><el-input v-model="form.code" name="code" :disabled="form.editing" :placeholder="tr('msg.department_code_hint')" /></el-form-item>
    <el-form-item :label="tr('field.department.name')"><el-input v-model="form.name" name="name" /></el-form-item>
  </admin-dialog>

  <div class="filters" style="margin-top:24px"><strong>{{ tr('templates.title') }}</strong></div>
  <p class="hint">{{ tr('msg.templates_hint') }}</p>
  <el-table :data="templates" id="step-templates" size="small" :row-class-name="({ row }) => 'template-' + row.kind + '-' + row.subject">
    <el-table-column :label="tr('field.kind')" width="90"><template #default="{ row }">{{ tr('opinion.' + row.kind) }}</template></el-table-column>
    <el-table-column :label="tr('field.subject')" width="90"><template #default="{ row }">{{ tr('subject.' + row.subject) }}</template></el-table-column>
    <el-table-column :label="tr('field.steps')"><template #default="{ row }">
      <ol v-if="row.steps.length" class="template-steps">
        <li v-for="s in row.steps" :key="s.step_no">{{ s.department_name }} · {{ hours(s.due_in_hours) }} · {{ s.instruction }}</li>
      </ol>
      <span v-else class="hint">{{ tr('msg.no_template') }}</span>
    </template></el-table-column>
    <el-table-column width="160"><template #default="{ row }">
      <el-button size="small" class="edit-template" @click="editTemplate(row)">{{ tr('btn.edit') }}</el-button>
      <el-button v-if="row.steps.length" size="small" class="delete-template" @click="removeTemplate(row)">{{ tr('btn.delete') }}</el-button>
    </template></el-table-column>
  </el-table>
  <admin-dialog :form="draft" :tr="tr" name="template" width="860px" label-width="0px"
      :title="tr('templates.title') + ' · ' + tr('opinion.' + draft.kind) + ' · ' + tr('subject.' + draft.subject)" @save="saveTemplate">
    <div v-for="(step, i) in draft.steps" :key="step.key" :class="'step step-' + (i + 1)">
      <span class="step-no">{{ i + 1 }}</span>
      <el-select v-model="step.department" :id="'step-department-' + (i + 1)" class="step-department" style="width:150px"
          :placeholder="tr('field.template.department')">
        <el-option v-for="d in departments" :key="d.code" :value="d.code" :label="d.name" /></el-select>
      <el-input-number v-model="step.due_in_hours" class="step-hours" :min="0" :step="1" style="width:130px" />
      <span>{{ tr('unit.hours') }}</span>
      <el-input v-model="step.instruction" class="step-instruction" :name="'instruction-' + (i + 1)"
          :placeholder="tr('field.template.instruction')" />
      <el-button-group>
        <el-button size="small" class="move-up" :disabled="i === 0" @click="move(i, -1)">{{ tr('btn.move_up') }}</el-button>
        <el-button size="small" class="move-down" :disabled="i === draft.steps.length - 1" @click="move(i, 1)">{{ tr('btn.move_down') }}</el-button>
        <el-button size="small" class="remove-step" @click="draft.steps.splice(i, 1)">{{ tr('btn.remove') }}</el-button>
      </el-button-group>
    </div>
    <el-button id="add-step" size="small" @click="addStep">{{ tr('btn.add_step') }}</el-button>
  </admin-dialog>
</div>`;

export const DepartmentsPane = {
  props: ["api", "tr", "said"],
  components: { AdminDialog },
  template,
  setup(props) {
    const departments = ref([]), kept = ref([]);
    const { form, open, submit } = useForm(props, { code: "", name: "" }, "department");
    const { form: draft, open: openDraft, submit: submitDraft } = useForm(props, { kind: "", subject: "", steps: [] }, "template");
    const act = useAction(props, "department");
    // Every kind and subject, with its steps or none yet.
    const templates = computed(() => KINDS.flatMap((kind) => SUBJECTS.map((subject) =>
      kept.value.find((t) => t.kind === kind && t.subject === subject) ?? { kind, subject, steps: [] })));
    const hours = (n) => `${n} ${props.tr("unit.hours")}`;

    async function load() {
      [departments.value, kept.value] = await Promise.all([props.api("GET", "/departments"), props.api("GET", "/step-templates")]);
    }
    async function save() {
      await submit(() => (form.editing ? props.api("PATCH", `/departments/${form.code}`, { name: form.name.trim() })
        : props.api("POST", "/departments", { code: form.code.trim(), name: form.name.trim() })), load);
    }
    const remove = (row) => act(() => props.api("DELETE", `/departments/${row.code}`),
      { confirm: "msg.confirm_delete", title: row.name, done: "msg.removed", after: load });

    const blankStep = () => editable({ department: departments.value[0]?.code ?? "", due_in_hours: 24, instruction: "" });
    function editTemplate(row) {
      const given = row.steps.map(editable);
      openDraft({ kind: row.kind, subject: row.subject, steps: given.length ? given : [blankStep()] }, row.steps.length > 0);
    }
    function addStep() { draft.steps.push(blankStep()); }
    function move(i, by) {
      const [step] = draft.steps.splice(i, 1);
      draft.steps.splice(i + by, 0, step);
    }
    async function saveTemplate() {
      const body = { steps: draft.steps.map((s) => ({ department: s.department, due_in_hours: s.due_in_hours ?? 0,
        instruction: s.instruction.trim() })) };
      await submitDraft(() => props.api("PUT", `/step-templates/${draft.kind}/${draft.subject}`, body), load);
    }
    const removeTemplate = (row) => act(() => props.api("DELETE", `/step-templates/${row.kind}/${row.subject}`),
      { confirm: "msg.confirm_delete", title: `${props.tr("opinion." + row.kind)} · ${props.tr("subject." + row.subject)}`,
        done: "msg.removed", after: load });
    onMounted(load);
    return { departments, templates, form, open, draft, hours, save, remove, editTemplate, addStep, move, saveTemplate,
      removeTemplate };
  },
};
