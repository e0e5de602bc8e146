// What the Vue pages (administration, reports) share: the sign-in card, the page's top bar and the
// session behind them (the token kept for the tab, who is signed in, the language switch). Each
// page gives its title and what to load once someone is signed in.
import { apiClient } from "./common.js";
import { language, setLanguage, t } from "./i18n.js";

const { computed, onMounted, reactive, ref } = Vue;
const LOCALES = { zh: ElementPlusLocaleZhCn, en: ElementPlusLocaleEn };

export const SignInCard = {
  props: { session: Object, title: String },
  template: `
<div class="signin">
  <el-card>
    <template #header><strong>hotline · {{ title }}</strong>
      <el-button link id="lang" style="float:right" @click="session.switchLanguage">{{ session.tr('app.language') }}</el-button></template>
    <el-form id="signin-form" label-position="top" @submit.prevent="session.signIn">
      <el-form-item :label="session.tr('field.username')"><el-input v-model="session.signin.username" name="username" autocomplete="username" /></el-form-item>
      <el-form-item :label="session.tr('field.password')"><el-input v-model="session.signin.password" name="password" type="password" autocomplete="current-password" /></el-form-item>
      <el-alert v-if="session.signin.error" :title="session.signin.error" type="error" :closable="false" role="alert" />
      <el-button type="primary" native-type="submit" style="margin-top:12px">{{ session.tr('app.signin') }}</el-button>
    </el-form>
  </el-card>
</div>`,
};

// The signed-in page's bar: title, who, the language switch, the page's own buttons (the slot), sign out.
export const PageBar = {
  props: { session: Object, title: String },
  template: `
<header class="bar">
  <strong>hotline · {{ title }}</strong>
  <span id="who">{{ session.me.username }} · {{ session.tr('role.' + session.me.role) }}</span>
  <span class="spacer"></span>
  <el-button link id="lang" @click="session.switchLanguage">{{ session.tr('app.language') }}</el-button>
  <slot />
  <el-button id="signout" @click="session.signOut">{{ session.tr('app.signout') }}</el-button>
</header>`,
};

// The page's session. `start(me)` loads the page once someone is signed in; `forget()` clears
// what the page showed when they sign out or their token is refused; `relabel()` redraws what
// the language switch does not reach by itself (a chart's legend).
export function useSession({ start, forget = () => {}, relabel = () => {} }) {
  const lang = ref(language());
  const token = ref(sessionStorage.getItem("hotline.token"));
  const me = ref(null);
  const signin = reactive({ username: "", password: "", error: "" });
  const dropped = () => { token.value = null; me.value = null; forget(); };
  const api = apiClient(() => token.value, dropped);
  const tr = (key) => t(key, lang.value);  // reactive on the language
  const locale = computed(() => LOCALES[lang.value]);
  const failure = (status) => (tr(`error.${status}`) === `error.${status}` ? tr("error.other") : tr(`error.${status}`));

  async function begin() {
    me.value = await api("GET", "/auth/me");
    await start(me.value);
  }
  async function signIn() {
    try {
      const reply = await api("POST", "/auth/token", { username: signin.username, password: signin.password }, true);
      token.value = reply.access_token;
      sessionStorage.setItem("hotline.token", token.value);
      signin.error = "";
      await begin();
    } catch (e) { signin.error = failure(e.status); }
  }
  async function signOut() {
    await api("POST", "/auth/logout").catch(() => {});
    sessionStorage.removeItem("hotline.token");
    dropped();
  }
  function switchLanguage() { setLanguage(lang.value === "zh" ? "en" : "zh"); lang.value = language(); relabel(); }
  onMounted(() => { setLanguage(lang.value); if (token.value) begin().catch(() => { token.value = null; }); });
  return reactive({ lang, token, me, signin, api, tr, locale, failure, signIn, signOut, switchLanguage });
}
