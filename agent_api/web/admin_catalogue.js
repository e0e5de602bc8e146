// The administration page's catalogue and lists, kept by operations and administrators: the
// products with their supply in each branch, each retailer's order limits, the knowledge base
// and the do-not-call list.
import { AdminDialog, FormProblems, useAction, useForm } from "./admin_common.js";
import { localTime } from "./i18n.js";

const { computed, reactive, ref, onMounted } = Vue;
const { ElMessage } = ElementPlus;

const when = (iso) => localTime(iso);

export const ProductsPane = {
  props: ["api", "tr", "said", "branches"],
  components: { AdminDialog },
  template: `
<div>
  <div class="filters">
    <el-input v-model="q" id="product-q" clearable style="width:240px" :placeholder="tr('msg.product_search')" @keyup.enter="load" />
    <el-button @click="load">{{ tr('btn.search') }}</el-button>
    <el-checkbox v-model="withdrawn" id="include-withdrawn" @change="load">{{ tr('msg.include_withdrawn') }}</el-checkbox>
    <span class="spacer"></span>
    <el-button type="primary" id="new-product" @click="open({}, false)">{{ tr('btn.new_product') }}</el-button>
  </div>
  <el-table :data="products" id="products" size="small" :row-class-name="({ row }) => 'product-' + row.code">
    <el-table-column prop="code" :label="tr('field.product.code')" width="120" />
    <el-table-column prop="name" :label="tr('field.product.name')" min-width="140" />
    <el-table-column prop="unit" :label="tr('field.unit')" width="60" />
    <el-table-column :label="tr('field.unit_price')" width="100" align="right"><template #default="{ row }">{{ row.unit_price }}</template></el-table-column>
    <el-table-column :label="tr('field.active')" width="90"><template #default="{ row }">
      <el-tag :type="row.active ? 'success' : 'info'" size="small" class="status">{{ tr(row.active ? 'product.on_sale' : 'product.withdrawn') }}</el-tag></template></el-table-column>
    <el-table-column :label="tr('field.supply')" align="center">
      <el-table-column v-for="b in branches" :key="b.code" :label="b.name" min-width="110" align="center"><template #default="{ row }">
        <el-switch size="small" :class="'supply supply-' + b.code" :model-value="!!supply[b.code]?.[row.id]"
          @change="(on) => setSupply(row, b, on)" /></template></el-table-column>
    </el-table-column>
    <el-table-column width="80"><template #default="{ row }">
      <el-button size="small" @click="open({ ...row, unit_price: String(row.unit_price) }, true)">{{ tr('btn.edit') }}</el-button></template></el-table-column>
  </el-table>
  <admin-dialog :form="form" :tr="tr" name="product" :title="form.editing ? tr('btn.edit') + ' · ' + form.name : tr('btn.new_product')"
      width="460px" size="small" @save="save">
    <el-form-item :label="tr('field.product.code')"><el-input v-model="form.code" name="code" :disabled="form.editing" /></el-form-item>
    <el-form-item :label="tr('field.product.name')"><el-input v-model="form.name" name="name" /></el-form-item>
    <el-form-item :label="tr('field.unit')"><el-input v-model="form.unit" name="unit" style="width:100px" /></el-form-item>
    <el-form-item :label="tr('field.unit_price')"><el-input v-model="form.unit_price" name="unit_price" style="width:140px" /></el-form-item>
    <el-form-item v-if="form.editing" :label="tr('field.active')">
      <el-switch v-model="form.active" id="product-active" :active-text="tr('product.on_sale')" :inactive-text="tr('product.withdrawn')" /></el-form-item>
  </admin-dialog>
</div>`,
  setup(props) {
    const products = ref([]), supply = ref({}), q = ref(""), withdrawn = ref(false);
    const { form, open, submit } = useForm(props, { id: null, code: "", name: "", unit: "条", unit_price: "", active: true }, "product");
    const act = useAction(props, "product");
    const query = (extra) => new URLSearchParams({ include_inactive: withdrawn.value, ...(q.value ? { q: q.value } : {}), ...extra });

    async function load() {
      const [all, ...each] = await Promise.all([props.api("GET", `/products?${query({})}`),
        ...props.branches.map((b) => props.api("GET", `/products?${query({ branch_id: b.id })}`))]);
      products.value = all;
      supply.value = Object.fromEntries(props.branches.map((b, i) =>
        [b.code, Object.fromEntries(each[i].filter((p) => p.on_supply).map((p) => [p.id, true]))]));
    }
    const setSupply = (row, branch, on) => act(() => props.api("PUT", `/products/${row.id}/supply/${branch.id}`, { on_supply: on }),
      { after: () => { supply.value[branch.code] = { ...supply.value[branch.code], [row.id]: on }; } });
    async function save() {
      const body = { name: form.name.trim(), unit: form.unit.trim(), unit_price: form.unit_price.trim() };
      await submit(() => (form.editing ? props.api("PATCH", `/products/${form.id}`, { ...body, active: form.active })
        : props.api("POST", "/products", { ...body, code: form.code.trim() })), load);
    }
    onMounted(load);
    return { products, supply, q, withdrawn, form, open, load, setSupply, save };
  },
};

export const LimitsPane = {
  props: ["api", "tr", "said"],
  components: { AdminDialog },
  template: `
<div>
  <div class="filters">
    <el-input v-model="q" id="limit-q" clearable style="width:320px" :placeholder="tr('msg.retailer_search')" @keyup.enter="find" />
    <el-button id="find-limit-retailers" @click="find">{{ tr('btn.search') }}</el-button>
  </div>
  <el-table v-if="found.length" :data="found" id="limit-retailers" size="small" :row-class-name="({ row }) => 'retailer-' + row.card_number">
    <el-table-column prop="card_number" :label="tr('field.card_number')" width="130" />
    <el-table-column prop="name" :label="tr('field.retailer.name')" />
    <el-table-column prop="retailer_class" :label="tr('field.retailer_class')" width="70" />
    <el-table-column width="90"><template #default="{ row }">
      <el-button size="small" class="choose" @click="choose(row)">{{ tr('btn.choose') }}</el-button></template></el-table-column>
  </el-table>
  <p v-else-if="!retailer" class="hint">{{ tr('msg.choose_retailer') }}</p>
  <template v-if="retailer">
    <div class="filters" style="margin-top:12px">
      <strong id="limit-retailer">{{ retailer.card_number }} · {{ retailer.name }} · {{ tr('field.retailer_class') }} {{ retailer.retailer_class }}</strong>
      <span class="spacer"></span>
      <el-button type="primary" id="new-limit" @click="openNew">{{ tr('btn.set_limit') }}</el-button>
    </div>
    <el-table :data="limits" id="limits" size="small" :empty-text="tr('msg.no_limits')" :row-class-name="({ row }) => 'limit-' + row.product_id">
      <el-table-column prop="product" :label="tr('field.product')" />
      <el-table-column prop="min_quantity" :label="tr('field.min_quantity')" width="110" align="right" />
      <el-table-column prop="max_quantity" :label="tr('field.max_quantity')" width="110" align="right" />
      <el-table-column width="80"><template #default="{ row }">
        <el-button size="small" @click="open({ ...row }, true)">{{ tr('btn.edit') }}</el-button></template></el-table-column>
    </el-table>
  </template>
  <admin-dialog :form="form" :tr="tr" name="limit" :title="tr('btn.set_limit') + ' · ' + (retailer?.name ?? '')"
      width="440px" size="small" @save="save">
    <el-form-item :label="tr('field.product')">
      <el-select v-model="form.product_id" id="limit-product" filterable :disabled="form.editing">
        <el-option v-for="p in products" :key="p.id" :value="p.id" :label="p.code + ' ' + p.name" /></el-select></el-form-item>
    <el-form-item :label="tr('field.min_quantity')"><el-input-number v-model="form.min_quantity" class="min-quantity" :min="0" :max="100000" /></el-form-item>
    <el-form-item :label="tr('field.max_quantity')"><el-input-number v-model="form.max_quantity" class="max-quantity" :min="1" :max="100000" /></el-form-item>
  </admin-dialog>
</div>`,
  setup(props) {
    const q = ref(""), found = ref([]), retailer = ref(null), limits = ref([]), products = ref([]);
    const { form, open, submit } = useForm(props, { product_id: null, min_quantity: 1, max_quantity: 10 }, "limit");

    async function find() {
      const text = q.value.trim();
      if (text.length < 2) { ElMessage.warning(props.tr("msg.retailer_search")); return; }
      found.value = await props.api("GET", `/retailers?${new URLSearchParams({ q: text, limit: 50 })}`);
      if (!found.value.length) ElMessage.info(props.tr("msg.nothing_found"));
    }
    async function loadLimits() { limits.value = await props.api("GET", `/orders/limits?retailer_id=${retailer.value.id}`); }
    async function choose(row) {
      retailer.value = row;
      found.value = [];
      await loadLimits();
    }
    function openNew() { open({}, false); }
    async function save() {
      await submit(() => props.api("PUT", "/orders/limits", { retailer_id: retailer.value.id, product_id: form.product_id,
        min_quantity: form.min_quantity, max_quantity: form.max_quantity }), loadLimits);
    }
    onMounted(async () => { products.value = await props.api("GET", "/products"); });
    return { q, found, retailer, limits, products, form, open, find, choose, openNew, save };
  },
};

export const KnowledgePane = {
  props: ["api", "tr", "said", "lang"],
  components: { AdminDialog },
  template: `
<div>
  <div class="filters">
    <el-input v-model="q" id="kb-q" clearable style="width:260px" :placeholder="tr('msg.kb_search')" @keyup.enter="load" />
    <el-select v-model="category" id="kb-category" clearable :placeholder="tr('field.category')" style="width:160px" @change="load">
      <el-option v-for="c in categories" :key="c.code" :value="c.code" :label="categoryName(c.code)" /></el-select>
    <el-button @click="load">{{ tr('btn.search') }}</el-button>
    <span class="spacer"></span>
    <el-button type="primary" id="new-article" @click="open({ category: categories[0]?.code ?? '' }, false)">{{ tr('btn.new_article') }}</el-button>
  </div>
  <el-table :data="articles" id="articles" size="small" :row-class-name="({ row }) => 'article-' + row.id">
    <el-table-column prop="title" :label="tr('field.title')" min-width="200" />
    <el-table-column :label="tr('field.category')" width="110"><template #default="{ row }">{{ categoryName(row.category) }}</template></el-table-column>
    <el-table-column prop="tags" :label="tr('field.tags')" width="180" />
    <el-table-column prop="snippet" :label="tr('field.body')" min-width="240" show-overflow-tooltip />
    <el-table-column :label="tr('field.updated_at')" width="150"><template #default="{ row }">{{ when(row.updated_at) }}</template></el-table-column>
    <el-table-column width="150"><template #default="{ row }">
      <el-button size="small" @click="edit(row)">{{ tr('btn.edit') }}</el-button>
      <el-button size="small" @click="withdraw(row)">{{ tr('btn.withdraw') }}</el-button>
    </template></el-table-column>
  </el-table>
  <admin-dialog :form="form" :tr="tr" name="article" :title="form.editing ? tr('btn.edit') + ' · ' + form.title : tr('btn.new_article')"
      width="680px" label-width="90px" size="small" @save="save" @reload="reload">
    <el-form-item :label="tr('field.category')">
      <el-select v-model="form.category" id="article-category" style="width:180px">
        <el-option v-for="c in categories" :key="c.code" :value="c.code" :label="categoryName(c.code)" /></el-select></el-form-item>
    <el-form-item :label="tr('field.title')"><el-input v-model="form.title" name="title" /></el-form-item>
    <el-form-item :label="tr('field.tags')"><el-input v-model="form.tags" name="tags" :placeholder="tr('msg.tags_hint')" /></el-form-item>
    <el-form-item :label="tr('field.body')"><el-input v-model="form.body" name="body" type="textarea" :rows="10" /></el-form-item>
    <p v-if="form.editing" class="hint">{{ tr('field.updated_by') }}: {{ form.updated_by }} · {{ when(form.updated_at) }}</p>
  </admin-dialog>
</div>`,
  setup(props) {
    const articles = ref([]), categories = ref([]), q = ref(""), category = ref("");
    const { form, open, submit } = useForm(props, { id: null, version: 0, category: "", title: "", tags: "", body: "", updated_by: "",
      updated_at: null }, "article");
    const act = useAction(props, "article");
    const categoryName = (code) => {
      const c = categories.value.find((x) => x.code === code);
      return c ? (props.lang === "en" ? c.name_en : c.name_zh) : code;
    };

    async function load() {
      const query = new URLSearchParams({ limit: 100 });
      if (q.value.trim()) query.set("q", q.value.trim());
      if (category.value) query.set("category", category.value);
      articles.value = await props.api("GET", `/knowledge?${query}`);
    }
    const fields = (a) => ({ id: a.id, version: a.version, category: a.category, title: a.title, tags: a.tags,
      body: a.body, updated_by: a.updated_by ?? "", updated_at: a.updated_at });
    async function edit(row) { open(fields(await props.api("GET", `/knowledge/${row.id}`)), true); }
    async function reload() {
      Object.assign(form, fields(await props.api("GET", `/knowledge/${form.id}`)), { stale: false, problems: [] });
    }
    async function save() {
      const body = { category: form.category, title: form.title.trim(), tags: form.tags.trim(), body: form.body };
      await submit(() => (form.editing ? props.api("PATCH", `/knowledge/${form.id}`, { ...body, version: form.version })
        : props.api("POST", "/knowledge", body)), load);
    }
    const withdraw = (row) => act(() => props.api("DELETE", `/knowledge/${row.id}`),
      { confirm: "msg.confirm_withdraw", title: row.title, done: "msg.withdrawn", after: load });
    onMounted(async () => {
      categories.value = await props.api("GET", "/knowledge/categories");
      await load();
    });
    return { articles, categories, q, category, form, open, when, categoryName, load, edit, reload, save, withdraw };
  },
};

const PAGE = 500;  // numbers a page of the list

export const DoNotCallPane = {
  props: ["api", "tr", "said"],
  components: { FormProblems },
  template: `
<div>
  <el-form inline id="dnc-form" size="small" @submit.prevent="add">
    <el-form-item :label="tr('field.phone')"><el-input v-model="form.phone" name="phone" style="width:180px" /></el-form-item>
    <el-form-item :label="tr('field.reason')"><el-input v-model="form.reason" name="reason" style="width:280px" /></el-form-item>
    <el-form-item><el-button type="primary" id="add-dnc" native-type="submit">{{ tr('btn.add') }}</el-button></el-form-item>
    <form-problems :problems="form.problems" />
  </el-form>
  <div class="filters">
    <el-input v-model="filter" id="dnc-filter" clearable style="width:220px" :placeholder="tr('msg.dnc_filter')" />
    <span class="hint">{{ tr('msg.dnc_hint') }}</span>
  </div>
  <el-table :data="shown" id="do-not-call" size="small" :row-class-name="({ row }) => 'dnc-' + row.phone">
    <el-table-column prop="phone" :label="tr('field.phone')" width="180" />
    <el-table-column prop="reason" :label="tr('field.reason')" />
    <el-table-column :label="tr('field.added_at')" width="160"><template #default="{ row }">{{ when(row.added_at) }}</template></el-table-column>
    <el-table-column width="90"><template #default="{ row }">
      <el-button size="small" class="remove" @click="remove(row)">{{ tr('btn.remove') }}</el-button></template></el-table-column>
  </el-table>
  <el-button v-if="more" id="more-dnc" style="margin-top:8px" @click="next">{{ tr('btn.more') }}</el-button>
</div>`,
  setup(props) {
    const rows = ref([]), more = ref(false), filter = ref("");
    const form = reactive({ phone: "", reason: "", problems: [] });
    const act = useAction(props, "dnc");
    const shown = computed(() => rows.value.filter((r) => !filter.value || r.phone.includes(filter.value.trim())
      || r.reason.includes(filter.value.trim())));
    const byPhone = (a, b) => (a.phone < b.phone ? -1 : a.phone > b.phone ? 1 : 0);

    async function page(after) {
      const got = await props.api("GET", `/do-not-call?${new URLSearchParams({ limit: PAGE, after })}`);
      more.value = got.length === PAGE;
      return got;
    }
    async function load() { rows.value = await page(""); }
    async function next() { rows.value = [...rows.value, ...await page(rows.value.at(-1)?.phone ?? "")]; }
    async function add() {
      try {
        const row = await props.api("POST", "/do-not-call", { phone: form.phone.trim(), reason: form.reason.trim() });
        rows.value = [...rows.value.filter((r) => r.phone !== row.phone), row].sort(byPhone);
        Object.assign(form, { phone: "", reason: "", problems: [] });
        ElMessage.success(`${props.tr("msg.dnc_added")}${row.contacts_withdrawn}`);
      } catch (e) { form.problems = props.said(e, "dnc"); }
    }
    const remove = (row) => act(() => props.api("DELETE", `/do-not-call/${encodeURIComponent(row.phone)}`),
      { confirm: "msg.confirm_remove_dnc", title: row.phone, done: "msg.removed",
        after: () => { rows.value = rows.value.filter((r) => r.phone !== row.phone); } });
    onMounted(load);
    return { rows, shown, more, filter, form, when, add, next, remove };
  },
};
