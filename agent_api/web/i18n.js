// Every word the pages show, Chinese first, with English: labels, roles, states, actions and the
// API's refusal codes (a refusal's `type` is "rule.<code>"). The pages never show a raw code.
const WORDS = {
  zh: {
    "app.admin": "系统管理", "app.signin": "登录", "app.signout": "退出", "app.language": "English",
    "tab.branches": "分公司与营业时间", "tab.menu": "语音菜单", "tab.queues": "队列设置",
    "btn.new_branch": "新建分公司", "btn.hours": "营业时间", "btn.delete": "删除",
    "btn.new_menu_item": "新建菜单项", "btn.upload_prompt": "上传提示音", "btn.upload": "上传",
    "field.code": "代码", "field.timezone": "时区", "field.hours": "营业时间", "field.menu_key": "按键",
    "field.name_zh": "中文名称", "field.name_en": "英文名称", "field.prompt": "提示音",
    "field.sort_order": "顺序", "field.uploaded_prompts": "上传的提示音", "field.queue": "队列",
    "field.wrap_up_seconds": "话后处理", "field.service_level": "服务水平",
    "field.service_level_seconds": "服务水平时限（秒）", "field.service_level_target": "服务水平目标（%）",
    "field.min_level": "最低技能等级", "field.max_wait_seconds": "最长等待", "field.overflow": "溢出",
    "field.recording": "录音", "field.class_priority": "客户等级优先", "field.is_headquarters": "总部",
    "field.file": "文件", "field.prompt_lang": "语言",
    "day.mon": "周一", "day.tue": "周二", "day.wed": "周三", "day.thu": "周四", "day.fri": "周五",
    "day.sat": "周六", "day.sun": "周日", "lang.zh": "普通话", "lang.en": "英语",
    "prompt.spoken": "按名称合成", "prompt.uploaded": "上传录音",
    "recording.always": "全程录音", "recording.on_demand": "座席按需", "recording.never": "不录音",
    "msg.hours_hint": "如 08:00-12:00, 13:00-18:00；空白为休息", "msg.always_closed": "全周休息",
    "msg.confirm_delete": "删除后无法恢复。确定删除？", "msg.never": "不限",
    "msg.overflow_hint": "如 30s L1; 60s HQ（等待秒数、技能等级、可接听的分公司）",
    "msg.prompt_hint": "WAV 或 MP3，最长 60 秒；自动转换为 PBX 的格式。",
    "action.delete": "删除", "action.upload_prompt": "上传提示音", "action.speak_prompt": "改回合成提示音",
    "entity.branch": "分公司", "entity.business_type": "菜单项", "entity.queue_settings": "队列设置",
    "entity.opening_hours": "营业时间", "entity.holiday": "节假日",
    "rule.branch_taken": "分公司代码已存在", "rule.branch_code": "代码为 2–16 位大写字母或数字",
    "rule.unknown_timezone": "没有这个时区", "rule.branch_has_agents": "该分公司还有座席",
    "rule.branch_has_retailers": "该分公司还有零售户", "rule.branch_has_users": "该分公司还有用户",
    "rule.branch_has_history": "该分公司已有通话、订单或意见记录", "rule.branch_headquarters": "总部不能删除",
    "rule.menu_key_taken": "该按键已被占用", "rule.menu_key_reserved": "按键 9 用于切换语言",
    "rule.menu_key": "按键须为一位数字", "rule.business_type_code": "代码为小写字母、数字或下划线",
    "rule.business_type_taken": "代码已存在", "rule.business_type_built_in": "系统内置菜单项不能删除",
    "rule.business_type_in_use": "仍有座席具备此技能", "rule.prompt_not_audio": "文件不是可用的录音（WAV 或 MP3，最长 60 秒）",
    "rule.prompt_format": "只接受 WAV 或 MP3 文件", "rule.prompt_size": "文件过大",
    "rule.prompt_not_built": "提示音合成失败", "rule.queue_policy": "溢出步骤须按等待时间递增、只能放宽",
    "rule.overlapping_hours": "时间段重叠", "rule.not_a_weekday": "不是星期几",
    "rule.opens_before_closes": "开始时间须早于结束时间", "rule.holiday_taken": "该日已是节假日",
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
    "tab.branches": "Branches and hours", "tab.menu": "Phone menu", "tab.queues": "Queues",
    "btn.new_branch": "New branch", "btn.hours": "Hours", "btn.delete": "Delete",
    "btn.new_menu_item": "New menu item", "btn.upload_prompt": "Upload prompt", "btn.upload": "Upload",
    "field.code": "Code", "field.timezone": "Time zone", "field.hours": "Opening hours", "field.menu_key": "Key",
    "field.name_zh": "Chinese name", "field.name_en": "English name", "field.prompt": "Prompt",
    "field.sort_order": "Order", "field.uploaded_prompts": "Uploaded prompts", "field.queue": "Queue",
    "field.wrap_up_seconds": "Wrap-up", "field.service_level": "Service level",
    "field.service_level_seconds": "Service level threshold (s)", "field.service_level_target": "Service level target (%)",
    "field.min_level": "Lowest skill level", "field.max_wait_seconds": "Longest wait", "field.overflow": "Overflow",
    "field.recording": "Recording", "field.class_priority": "Priority by class", "field.is_headquarters": "Headquarters",
    "field.file": "File", "field.prompt_lang": "Language",
    "day.mon": "Mon", "day.tue": "Tue", "day.wed": "Wed", "day.thu": "Thu", "day.fri": "Fri",
    "day.sat": "Sat", "day.sun": "Sun", "lang.zh": "Mandarin", "lang.en": "English",
    "prompt.spoken": "spoken from the name", "prompt.uploaded": "uploaded recording",
    "recording.always": "Always", "recording.on_demand": "On demand", "recording.never": "Never",
    "msg.hours_hint": "e.g. 08:00-12:00, 13:00-18:00; empty: closed", "msg.always_closed": "Closed all week",
    "msg.confirm_delete": "This cannot be undone. Delete?", "msg.never": "no limit",
    "msg.overflow_hint": "e.g. 30s L1; 60s HQ (seconds waited, skill level, branches that may answer)",
    "msg.prompt_hint": "WAV or MP3, at most 60 s; converted for the PBX.",
    "action.delete": "deleted", "action.upload_prompt": "prompt uploaded", "action.speak_prompt": "prompt spoken again",
    "entity.branch": "branch", "entity.business_type": "menu item", "entity.queue_settings": "queue settings",
    "entity.opening_hours": "opening hours", "entity.holiday": "holiday",
    "rule.branch_taken": "That branch code exists", "rule.branch_code": "A code is 2-16 capital letters or digits",
    "rule.unknown_timezone": "No such time zone", "rule.branch_has_agents": "The branch still has agents",
    "rule.branch_has_retailers": "The branch still has retailers", "rule.branch_has_users": "The branch still has users",
    "rule.branch_has_history": "The branch has calls, orders or opinions on record", "rule.branch_headquarters": "Headquarters stays",
    "rule.menu_key_taken": "That key is taken", "rule.menu_key_reserved": "Key 9 switches the language",
    "rule.menu_key": "A key is one digit", "rule.business_type_code": "A code is lower-case letters, digits or _",
    "rule.business_type_taken": "That code exists", "rule.business_type_built_in": "A built-in menu item stays",
    "rule.business_type_in_use": "Agents still have this skill", "rule.prompt_not_audio": "Not a usable recording (WAV or MP3, at most 60 s)",
    "rule.prompt_format": "Only WAV or MP3 files", "rule.prompt_size": "The file is too large",
    "rule.prompt_not_built": "The prompt could not be spoken", "rule.queue_policy": "Overflow steps come later and only widen",
    "rule.overlapping_hours": "Hours overlap", "rule.not_a_weekday": "Not a weekday",
    "rule.opens_before_closes": "Opening comes before closing", "rule.holiday_taken": "That day is a holiday already",
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
