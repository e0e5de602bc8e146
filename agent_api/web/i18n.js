// Every word the pages show, Chinese first, with English: labels, roles, states, actions and the
// API's refusal codes (a refusal's `type` is "rule.<code>"). The pages never show a raw code.
const WORDS = {
  zh: {
    "app.admin": "系统管理", "app.signin": "登录", "app.signout": "退出", "app.language": "English",
    "field.username": "用户名", "field.password": "密码", "field.role": "角色", "field.branch": "分公司",
    "field.agent": "座席工号", "field.sip_endpoint": "分机", "field.active": "状态",
    "field.created_at": "创建时间", "field.locked_until": "锁定至", "field.current": "当前密码",
    "field.new": "新密码", "field.at": "时间", "field.who": "操作人", "field.action": "操作",
    "field.entity": "对象", "field.before": "修改前", "field.after": "修改后",
    "tab.users": "用户", "tab.audit": "审计日志", "tab.agents": "座席",
    "field.number": "工号", "field.name": "姓名", "field.pin": "话机登录 PIN", "field.skills": "技能",
    "field.level": "等级", "field.sip_secret": "话机密码", "btn.new_agent": "新建座席",
    "btn.sip_account": "话机账号", "msg.sip_account": "座席话机用此账号注册到 PBX（SIP 摘要认证）",
    "entity.agent": "座席", "rule.number_taken": "工号已存在", "rule.unknown_skill": "没有这个技能",
    "rule.skill_twice": "技能重复", "rule.agent_on_call": "座席正在通话，通话结束后再调动",
    "rule.agent_logged_in": "座席已登录，请先签出",
    "btn.new_user": "新建用户", "btn.save": "保存", "btn.cancel": "取消", "btn.edit": "修改",
    "btn.disable": "停用", "btn.enable": "启用", "btn.reset_password": "重置密码", "btn.search": "查询",
    "state.active": "启用", "state.disabled": "停用", "hq": "总部",
    "role.agent": "座席", "role.supervisor": "班长", "role.ops": "运营", "role.branch_admin": "分公司管理员",
    "role.admin": "系统管理员",
    "action.create": "新建", "action.update": "修改", "action.reset_password": "重置密码",
    "action.change_password": "修改本人密码", "entity.user": "用户",
    "msg.saved": "已保存", "msg.created": "已新建", "msg.password_reset": "密码已重置，该用户需重新登录",
    "msg.confirm_disable": "停用后该用户立即退出登录。确定停用？", "msg.no_rights": "无权访问此页面",
    "rule.username_taken": "用户名已被占用", "rule.sip_endpoint_taken": "分机已被占用",
    "rule.password_too_short": "密码至少 8 位", "rule.unknown_branch": "没有这个分公司",
    "rule.unknown_agent": "没有这个座席工号", "rule.agent_has_user": "该座席已有登录账号",
    "rule.agent_needs_number": "座席账号须填写座席工号",
    "rule.branch_admin_needs_branch": "分公司管理员须属于一个分公司",
    "rule.last_admin": "最后一个系统管理员不能降级或停用", "rule.not_yourself": "不能停用自己的账号",
    "rule.current_password_wrong": "当前密码不正确", "error.pattern": "格式不正确",
    "error.401": "用户名或密码不正确", "error.403": "无权执行此操作", "error.404": "未找到",
    "error.429": "登录失败次数过多，账号暂时锁定", "error.other": "操作失败",
  },
  en: {
    "app.admin": "Administration", "app.signin": "Sign in", "app.signout": "Sign out", "app.language": "中文",
    "field.username": "User name", "field.password": "Password", "field.role": "Role", "field.branch": "Branch",
    "field.agent": "Agent number", "field.sip_endpoint": "Phone", "field.active": "Status",
    "field.created_at": "Created", "field.locked_until": "Locked until", "field.current": "Current password",
    "field.new": "New password", "field.at": "Time", "field.who": "By", "field.action": "Action",
    "field.entity": "Record", "field.before": "Before", "field.after": "After",
    "tab.users": "Users", "tab.audit": "Audit log", "tab.agents": "Agents",
    "field.number": "Number", "field.name": "Name", "field.pin": "Phone login PIN", "field.skills": "Skills",
    "field.level": "Level", "field.sip_secret": "Phone password", "btn.new_agent": "New agent",
    "btn.sip_account": "Phone account", "msg.sip_account": "The agent's phone registers to the PBX with this account (SIP digest)",
    "entity.agent": "agent", "rule.number_taken": "That number is taken", "rule.unknown_skill": "No such skill",
    "rule.skill_twice": "A skill given twice", "rule.agent_on_call": "The agent is on a call: move it afterwards",
    "rule.agent_logged_in": "The agent is logged in: log it out first",
    "btn.new_user": "New user", "btn.save": "Save", "btn.cancel": "Cancel", "btn.edit": "Edit",
    "btn.disable": "Disable", "btn.enable": "Enable", "btn.reset_password": "Reset password", "btn.search": "Search",
    "state.active": "Active", "state.disabled": "Disabled", "hq": "Headquarters",
    "role.agent": "Agent", "role.supervisor": "Supervisor", "role.ops": "Operations",
    "role.branch_admin": "Branch administrator", "role.admin": "Administrator",
    "action.create": "created", "action.update": "changed", "action.reset_password": "password reset",
    "action.change_password": "own password changed", "entity.user": "user",
    "msg.saved": "Saved", "msg.created": "Created", "msg.password_reset": "Password reset: the user signs in again",
    "msg.confirm_disable": "The user is signed out at once. Disable?", "msg.no_rights": "You may not use this page",
    "rule.username_taken": "That user name is taken", "rule.sip_endpoint_taken": "That phone is taken",
    "rule.password_too_short": "A password has at least 8 characters", "rule.unknown_branch": "No such branch",
    "rule.unknown_agent": "No such agent number", "rule.agent_has_user": "That agent already has a login",
    "rule.agent_needs_number": "An agent's login needs the agent number",
    "rule.branch_admin_needs_branch": "A branch administrator belongs to a branch",
    "rule.last_admin": "The last administrator stays one", "rule.not_yourself": "You may not disable yourself",
    "rule.current_password_wrong": "The current password is not right", "error.pattern": "not in the right form",
    "error.401": "Wrong user name or password", "error.403": "You may not do this", "error.404": "Not found",
    "error.429": "Too many failed sign-ins: locked for a while", "error.other": "It did not work",
  },
};

export const LANGUAGES = ["zh", "en"];
let lang = localStorage.getItem("hotline.lang") || "zh";

export const language = () => lang;
export function setLanguage(next) {
  lang = next;
  localStorage.setItem("hotline.lang", next);
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
}

// The word for `key` in the reader's language; an unknown key shows as itself (never blank).
export function t(key, reader = lang) {
  return WORDS[reader][key] ?? WORDS.zh[key] ?? key;
}

// One refusal of the API ({loc, msg, type}) in the reader's words: the field, then the rule.
export function refusal(problem) {
  // ["body", "skills", 1, "skill"]: the field, and which one of a list ("技能 2")
  const [name, index] = (problem.loc || []).filter((p) => p !== "body");
  const field = name === undefined ? "" : t(`field.${name}`) + (Number.isInteger(index) ? ` ${index + 1}` : "");
  const type = problem.type || "";
  let said;
  if (type.startsWith("rule.")) said = t(type);
  else if (type === "string_pattern_mismatch") said = t("error.pattern");
  else said = problem.msg;
  return field ? `${field}: ${said}` : said;
}

// A point in time as the reader's clock shows it (or a given zone's): 2026-12-03 08:05:09.
export function localTime(iso, timeZone) {
  if (!iso) return "";
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

// A duration as mm:ss (h:mm:ss from an hour on).
export function mmss(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const two = (n) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  return h ? `${h}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}
