// What the administration page's panes share: a form in a dialog (its fields are the pane's; the
// API's refusals, cancel and save are these), the save that shows why the API refused in the
// form, and a row's action that says its refusal in a message. Each pane keeps its fields and calls.
const { reactive } = Vue;
const { ElMessage, ElMessageBox } = ElementPlus;

// Why the API refused, each reason an alert (class "problem", which the tests read).
export const FormProblems = {
  props: ["problems"],
  template: `<el-alert v-for="p in problems" :key="p" :title="p" type="error" :closable="false" role="alert" class="problem" />`,
};

// A pane's form in a dialog: #<name>-form holding the pane's fields and the refusals, then cancel,
// save (#save-<name>) and, once someone else saved first, reload (#reload-<name>) if the pane can.
export const AdminDialog = {
  components: { FormProblems },
  props: { form: Object, tr: Function, name: String, title: String, width: { type: String, default: "480px" },
    labelWidth: { type: String, default: "110px" }, size: String, onReload: Function },
  emits: ["save"],
  template: `
<el-dialog v-model="form.open" :title="title" :width="width">
  <el-form :id="name + '-form'" :label-width="labelWidth" :size="size" @submit.prevent="$emit('save')">
    <slot />
    <form-problems :problems="form.problems" />
  </el-form>
  <template #footer>
    <el-button v-if="form.stale && onReload" :id="'reload-' + name" @click="onReload">{{ tr('btn.reload') }}</el-button>
    <el-button @click="form.open = false">{{ tr('btn.cancel') }}</el-button>
    <el-button type="primary" :id="'save-' + name" @click="$emit('save')">{{ tr('btn.save') }}</el-button>
  </template>
</el-dialog>`,
};

// Whether `e` is a stale version (someone saved meanwhile): the form offers to reload.
export const isStale = (e) => e.status === 409 && typeof e.detail === "string" && e.detail.startsWith("version:");

// A pane's form: `blank` its fields' values. open(values, editing) shows it filled; submit(call,
// after) runs the API call, then closes the form, says "saved" (or "created" for a new one) and
// runs `after` with the reply (a reload); a refusal stays in the form, said in the pane's `scope`.
export function useForm(props, blank, scope) {
  const fresh = () => structuredClone(blank);
  const form = reactive({ open: false, editing: false, stale: false, problems: [], ...fresh() });
  const open = (values = {}, editing = false) =>
    Object.assign(form, fresh(), values, { open: true, editing, stale: false, problems: [] });
  async function submit(call, after) {
    let reply;
    try {
      reply = await call();
    } catch (e) {
      form.stale = isStale(e);
      form.problems = props.said(e, scope);
      return;
    }
    form.open = false;
    ElMessage.success(props.tr(form.editing ? "msg.saved" : "msg.created"));
    if (after) await after(reply);
  }
  return { form, open, submit };
}

// A row's action: act(call, { confirm, title, done, after }) asks first when `confirm` (a message
// key) is given, runs `call`, says `done` (a message key), then `after` (a reload); a refusal is
// said in a message, a dismissed question does nothing.
export function useAction(props, scope) {
  return async function act(call, { confirm, title = "", done, after } = {}) {
    try {
      if (confirm) await ElMessageBox.confirm(props.tr(confirm), title, { type: "warning" });
      await call();
    } catch (e) {
      if (e !== "cancel" && e !== "close") ElMessage.error(props.said(e, scope).join("; "));
      return;
    }
    if (done) ElMessage.success(props.tr(done));
    if (after) await after();
  };
}
