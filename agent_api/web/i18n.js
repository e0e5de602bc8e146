// Every word the pages show, Chinese first, with English: labels, roles, states, actions and the
// API's refusal codes (a refusal's `type` is "rule.<code>"). The pages never show a raw code.
const WORDS = {
  zh: {
    "app.admin": "系统管理", "app.signin": "登录", "app.signout": "退出", "app.language": "English",
    "tab.branches": "分公司与营业时间", "tab.menu": "语音菜单", "tab.queues": "队列设置",
    "tab.retailers": "零售户", "tab.products": "商品与货源", "tab.limits": "订货限量", "tab.knowledge": "知识库",
    "tab.do_not_call": "勿扰名单",
    "btn.new_retailer": "新建零售户", "btn.import": "批量导入", "btn.suspend": "暂停", "btn.reactivate": "恢复",
    "btn.reload": "重新载入", "btn.close": "关闭", "btn.new_product": "新建商品", "btn.set_limit": "设置限量",
    "btn.choose": "选择", "btn.new_article": "新建文章", "btn.withdraw": "撤下", "btn.add": "添加",
    "btn.remove": "移除", "btn.more": "更多",
    "field.card_number": "卡号", "field.retailer.name": "店名", "field.retailer.pin": "自助查询密码",
    "field.retailer_class": "等级", "field.status": "状态", "field.phones": "电话", "field.address": "经营地址",
    "field.business_format": "业态", "field.shop_area": "经营面积（㎡）", "field.trade_area": "商圈",
    "field.updated_at": "更新时间", "field.rows": "总行数", "field.created": "新建", "field.updated": "更新",
    "field.unchanged": "未变", "field.rejected": "拒绝行数", "field.row": "行号", "field.field": "字段",
    "field.reason": "原因", "field.ignored_columns": "未使用的列",
    "field.product": "商品", "field.product.code": "商品编码", "field.product.name": "品名", "field.unit": "单位",
    "field.unit_price": "单价（元）", "field.supply": "货源（按分公司）", "field.min_quantity": "单次下限",
    "field.max_quantity": "单次上限", "field.limit.product_id": "商品", "field.limit.retailer_id": "零售户",
    "field.category": "分类", "field.title": "标题", "field.tags": "关键词", "field.body": "正文",
    "field.updated_by": "修改人", "field.phone": "电话号码", "field.added_at": "加入时间", "field.version": "版本",
    "retailer_status.active": "正常", "retailer_status.suspended": "已暂停", "retailer_status.closed": "已关闭",
    "product.on_sale": "在售", "product.withdrawn": "已下架",
    "msg.retailer_search": "卡号或电话（可只输前几位），或店名，至少 2 个字", "msg.nothing_found": "没有找到",
    "msg.unassigned": "未分配", "msg.phones_hint": "多个号码用逗号分隔", "msg.pin_hint": "4–8 位数字，可不填",
    "msg.pin_unchanged": "留空则不变", "msg.business_format_hint": "如 便利店、超市、烟酒店",
    "msg.stale": "此记录已被他人修改：请点“重新载入”查看最新内容后再改",
    "msg.confirm_suspend": "暂停后该零售户不能订货。确定暂停？",
    "msg.import_hint": "上传 CSV 或 XLSX 文件（最大 5 MB、1 万行），首行为列名：卡号、名称、分公司、档位（等级）、电话、地址、业态、面积、商圈。已有的卡号更新该零售户（空白单元格不改），新卡号新建（须有名称和等级）。合格的行一起写入，不合格的行逐一列出。",
    "msg.no_rejected": "没有被拒绝的行", "msg.product_search": "商品编码或品名", "msg.include_withdrawn": "含已下架",
    "msg.choose_retailer": "先查找并选择一个零售户", "msg.no_limits": "未设限量",
    "msg.kb_search": "搜索标题、关键词、正文", "msg.tags_hint": "以空格分隔", "msg.withdrawn": "已撤下",
    "msg.confirm_withdraw": "撤下后座席搜索不到此文章（记录仍保留）。确定撤下？",
    "msg.dnc_added": "已加入勿扰名单；从外呼活动撤回的待拨联系人：", "msg.removed": "已移除",
    "msg.confirm_remove_dnc": "移出后外呼活动可再次拨打此号码（已撤回的联系人需重新导入）。确定移除？",
    "msg.dnc_filter": "在已载入的号码中筛选", "msg.dnc_hint": "名单上的号码任何外呼活动都不会拨打",
    "reason.missing": "必填", "reason.new_card_needs": "新卡号必须填写", "reason.card_repeats": "与第 {row} 行卡号重复",
    "reason.no_branch": "没有分公司 {branch}", "reason.not_administered": "不是您管理的分公司",
    "reason.pattern": "格式不正确（{value}）",
    "action.suspend": "暂停", "action.reactivate": "恢复", "action.import": "导入",
    "entity.retailer": "零售户", "entity.retailer_file": "导入文件",
    "rule.card_number_taken": "卡号已被其他零售户使用", "rule.administrators_only": "只有管理员可以修改",
    "rule.already_suspended": "该零售户已暂停", "rule.already_active": "该零售户已是正常状态",
    "rule.retailer_closed": "该零售户已关闭", "rule.retailer_file": "文件无法读取（须为 CSV 或 XLSX）",
    "rule.too_many_rows": "文件超过 1 万行，请拆分", "rule.column_twice": "两列表示同一字段",
    "rule.no_card_number_column": "缺少卡号列（列名为 卡号、磁卡号、card 或 card_number）",
    "rule.changed_meanwhile": "导入期间零售户被他人修改，请重新导入", "rule.file_too_large": "文件超过 5 MB",
    "rule.product_code_unique": "商品编码已存在", "rule.limit_order": "上限不能低于下限",
    "rule.retailer_known": "没有这个零售户", "rule.product_known": "没有这个商品",
    "rule.status_transition": "订单不能改为此状态",
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
    "tab.retailers": "Retailers", "tab.products": "Products and supply", "tab.limits": "Order limits",
    "tab.knowledge": "Knowledge base", "tab.do_not_call": "Do-not-call list",
    "btn.new_retailer": "New retailer", "btn.import": "Import", "btn.suspend": "Suspend", "btn.reactivate": "Reactivate",
    "btn.reload": "Reload", "btn.close": "Close", "btn.new_product": "New product", "btn.set_limit": "Set a limit",
    "btn.choose": "Choose", "btn.new_article": "New article", "btn.withdraw": "Withdraw", "btn.add": "Add",
    "btn.remove": "Remove", "btn.more": "More",
    "field.card_number": "Card number", "field.retailer.name": "Shop name", "field.retailer.pin": "Self-service PIN",
    "field.retailer_class": "Class", "field.status": "Status", "field.phones": "Phones", "field.address": "Address",
    "field.business_format": "Business format", "field.shop_area": "Shop area (m²)", "field.trade_area": "Trade area",
    "field.updated_at": "Updated", "field.rows": "Rows", "field.created": "Created", "field.updated": "Updated",
    "field.unchanged": "Unchanged", "field.rejected": "Rows rejected", "field.row": "Row", "field.field": "Field",
    "field.reason": "Reason", "field.ignored_columns": "Columns not used",
    "field.product": "Product", "field.product.code": "Product code", "field.product.name": "Product name", "field.unit": "Unit",
    "field.unit_price": "Unit price (¥)", "field.supply": "Supply (by branch)", "field.min_quantity": "Lower limit",
    "field.max_quantity": "Upper limit", "field.limit.product_id": "Product", "field.limit.retailer_id": "Retailer",
    "field.category": "Category", "field.title": "Title", "field.tags": "Keywords", "field.body": "Text",
    "field.updated_by": "Changed by", "field.phone": "Phone number", "field.added_at": "Added", "field.version": "Version",
    "retailer_status.active": "Active", "retailer_status.suspended": "Suspended", "retailer_status.closed": "Closed",
    "product.on_sale": "On sale", "product.withdrawn": "Withdrawn",
    "msg.retailer_search": "Card or phone (its first digits will do), or shop name; at least 2 characters",
    "msg.nothing_found": "Nothing found",
    "msg.unassigned": "Unassigned", "msg.phones_hint": "several numbers: separate them with commas",
    "msg.pin_hint": "4-8 digits, optional", "msg.pin_unchanged": "empty: unchanged",
    "msg.business_format_hint": "e.g. convenience store, supermarket",
    "msg.stale": "Someone changed this meanwhile: reload it, read the latest, then change it",
    "msg.confirm_suspend": "A suspended retailer cannot order. Suspend?",
    "msg.import_hint": "A CSV or XLSX file (at most 5 MiB and 10,000 rows), column names in the first row: card_number, name, branch, retailer_class, phones, address, business_format, shop_area, trade_area (or their Chinese names). A known card updates its retailer (empty cells change nothing), a new card creates one (it needs name and class). The good rows are written together; each rejected row is listed.",
    "msg.no_rejected": "No row rejected", "msg.product_search": "Product code or name", "msg.include_withdrawn": "With withdrawn",
    "msg.choose_retailer": "Find and choose a retailer first", "msg.no_limits": "No limits set",
    "msg.kb_search": "Search titles, keywords and text", "msg.tags_hint": "separated by spaces", "msg.withdrawn": "Withdrawn",
    "msg.confirm_withdraw": "Agents will no longer find this article (it is kept). Withdraw?",
    "msg.dnc_added": "On the do-not-call list; waiting contacts taken out of campaigns: ", "msg.removed": "Removed",
    "msg.confirm_remove_dnc": "Campaigns may call this number again (contacts taken out must be imported again). Remove?",
    "msg.dnc_filter": "Filter the numbers loaded", "msg.dnc_hint": "No campaign ever dials a number on this list",
    "reason.missing": "missing", "reason.new_card_needs": "a new card needs it", "reason.card_repeats": "the card repeats row {row}",
    "reason.no_branch": "no branch {branch}", "reason.not_administered": "not a branch you administer",
    "reason.pattern": "not in the right form ({value})",
    "action.suspend": "suspended", "action.reactivate": "reactivated", "action.import": "imported",
    "entity.retailer": "retailer", "entity.retailer_file": "import file",
    "rule.card_number_taken": "That card is another retailer's", "rule.administrators_only": "Only an administrator changes it",
    "rule.already_suspended": "The retailer is suspended already", "rule.already_active": "The retailer is active already",
    "rule.retailer_closed": "The retailer is closed", "rule.retailer_file": "The file cannot be read (CSV or XLSX)",
    "rule.too_many_rows": "More than 10,000 rows: split the file", "rule.column_twice": "Two columns mean the same field",
    "rule.no_card_number_column": "No card number column (card_number, card, 卡号 or 磁卡号)",
    "rule.changed_meanwhile": "Retailers changed while the file was imported: import it again",
    "rule.file_too_large": "The file is larger than 5 MiB",
    "rule.product_code_unique": "That product code exists", "rule.limit_order": "The upper limit is below the lower limit",
    "rule.retailer_known": "No such retailer", "rule.product_known": "No such product",
    "rule.status_transition": "The order cannot take that status",
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

// The words of the console, the operations page and the wallboard: each key with its Chinese and
// its English side by side, so neither is forgotten. Placeholders in braces: {name}.
const PAGE_WORDS = {
  "title.console": ["hotline · 座席工作台", "hotline · Agent console"],
  "title.ops": ["hotline · 外呼活动", "hotline · Campaigns"],
  "title.wallboard": ["hotline · 监控墙", "hotline · Wallboard"],
  "app.console": ["座席工作台", "Agent console"], "app.ops": ["外呼活动", "Campaigns"],
  "app.wallboard": ["监控墙", "Wallboard"],
  "link.live": ["在线", "live"], "link.offline": ["离线", "offline"],
  "link.reconnecting": ["重新连接…", "reconnecting…"], "msg.updated": ["更新于 {time}", "updated {time}"],
  "msg.console_for_agents": ["此页面供座席使用", "This console is for agents"],
  "ws.4401": ["登录已过期，请重新登录", "Signed out: sign in again"],
  "ws.4403": ["监控墙仅供班长、运营和管理员使用", "The wallboard is for supervisors, operations and administrators"],

  // an agent's states, pause reasons and actions
  "agent_state.logged_out": ["未上线", "Logged out"], "agent_state.available": ["就绪", "Available"],
  "agent_state.reserved": ["振铃中", "Ringing"], "agent_state.on_call": ["通话中", "On a call"],
  "agent_state.wrap_up": ["话后整理", "Wrap-up"], "agent_state.paused": ["暂停", "Paused"],
  "agent_state.session_lost": ["话机断开", "Phone lost"],
  "pause.break": ["小休", "Break"], "pause.meal": ["用餐", "Meal"], "pause.training": ["培训", "Training"],
  "pause.meeting": ["会议", "Meeting"], "pause.after_call_work": ["事后处理", "After-call work"],
  "pause.other": ["其他", "Other"], "pause.login": ["等待话机接通", "Phone connecting"],
  "btn.login": ["上线", "Start session"], "btn.available": ["就绪", "Available"],
  "btn.pause": ["暂停", "Pause"], "btn.end_wrap_up": ["结束整理", "End wrap-up"],
  "btn.logout": ["下线", "End session"], "field.pause_reason": ["暂停原因", "Pause reason"],

  // the screen-pop
  "pop.title": ["来电信息", "Screen-pop"], "pop.no_call": ["无来电", "No call"],
  "pop.waited": ["等待 {time}", "waited {time}"], "pop.unknown_number": ["未知号码", "unknown number"],
  "pop.unknown_retailer": ["未识别零售店", "Retailer not identified"], "pop.ivr": ["语音导航", "IVR"],
  "pop.campaign": ["外呼活动", "Campaign"], "pop.attempt": ["第 {n} 次拨打", "attempt {n}"],
  "pop.recent_orders": ["近期订单", "Recent orders"], "pop.open_cases": ["未结意见", "Open cases"],
  "retailer.class": ["{class} 类", "class {class}"], "retailer.active": ["正常", "active"],
  "retailer.suspended": ["已暂停", "suspended"], "retailer.closed": ["已关闭", "closed"],
  "ivr.menu": ["主菜单", "menu"], "ivr.confirm_store": ["确认门店", "store confirmed"],
  "ivr.card": ["输入卡号", "card number"], "ivr.pin": ["输入密码", "PIN"], "ivr.orders": ["订单查询", "orders"],
  "ivr.voicemail": ["留言", "voicemail"], "ivr.done": ["结束", "done"],
  "order.submitted": ["待审核", "submitted"], "order.accepted": ["已受理", "accepted"],
  "order.rejected": ["已拒绝", "rejected"], "order.delivered": ["已配送", "delivered"],
  "order.cancelled": ["已取消", "cancelled"],
  "case.open": ["待处理", "open"], "case.in_progress": ["处理中", "in progress"],
  "case.resolved": ["已解决", "resolved"], "case.closed": ["已关闭", "closed"],

  // the wrap-up
  "wrap.title": ["话后处理", "Wrap-up"], "field.disposition": ["处理结果", "Disposition"],
  "field.note": ["备注", "Note"], "field.callback_at": ["回拨时间", "Call back at"],
  "field.do_not_call": ["勿再拨打", "Do not call again"], "btn.save_disposition": ["保存", "Save"],
  "disposition.order_taken": ["已下单", "Order taken"],
  "disposition.complaint_recorded": ["已记录投诉", "Complaint recorded"],
  "disposition.information_given": ["已答复咨询", "Information given"],
  "disposition.callback_needed": ["需回拨", "Callback needed"], "disposition.transferred": ["已转接", "Transferred"],
  "disposition.wrong_number": ["打错电话", "Wrong number"], "disposition.other": ["其他", "Other"],

  // preview calls, tasks, orders, opinions, knowledge, history
  "preview.title": ["预览外呼", "Preview calls"], "field.campaign": ["外呼活动", "Campaign"],
  "btn.next_contact": ["下一个联系人", "Next contact"], "btn.dial": ["拨打", "Call"],
  "preview.attempts": ["已拨 {n} 次", "attempts {n}"],
  "preview.nobody": ["暂无可拨的联系人", "Nobody to call now"], "preview.calling": ["正在拨打 {phone} …", "calling {phone} …"],
  "tasks.title": ["任务", "Tasks"],
  "tasks.item": ["工单 #{id} 第 {step} 步 · {department} · 截止 {due}", "Work order #{id} step {step} · {department} · due {due}"],
  "order.title": ["电话订货", "Phone order"], "field.retailer": ["零售店", "Retailer"],
  "btn.add_line": ["+ 加一行", "+ line"], "btn.submit_order": ["提交订单", "Submit order"],
  "order.done": ["订单 #{id} {status} · {amount}", "Order #{id} {status} · {amount}"],
  "order.no_retailer": ["尚未识别来电的零售店", "no caller identified yet"],
  "product.off_supply": ["断货", "off supply"], "field.product": ["商品", "Product"],
  "field.lines": ["订货行", "Line"], "field.product_id": ["商品", "Product"], "field.quantity": ["数量", "Quantity"],
  "field.retailer_id": ["零售店", "Retailer"], "field.call_id": ["通话", "Call"],
  "opinion.title": ["客户意见", "Opinion"], "field.kind": ["类型", "Kind"], "field.subject": ["方面", "Subject"],
  "field.text": ["内容", "Text"], "opinion.text_placeholder": ["客户反映的内容", "What the customer said"],
  "btn.record_opinion": ["记录意见", "Record opinion"], "opinion.done": ["意见 #{id} 已记录", "Opinion #{id} recorded"],
  "opinion.complaint": ["投诉", "complaint"], "opinion.suggestion": ["建议", "suggestion"],
  "opinion.praise": ["表扬", "praise"], "subject.commerce": ["商流", "commerce"],
  "subject.logistics": ["物流", "logistics"],
  "field.consumer_name": ["消费者姓名", "Consumer's name"], "field.consumer_phone": ["消费者电话", "Consumer's phone"],
  "kb.title": ["知识库", "Knowledge"], "kb.placeholder": ["搜索知识库", "Search the knowledge base"],
  "kb.nothing": ["无结果", "Nothing found"],
  "kb.product": ["产品", "product"], "kb.brand": ["品牌", "brand"], "kb.marketing": ["营销", "marketing"],
  "kb.logistics": ["物流", "logistics"], "kb.system_operation": ["系统操作", "system operation"],
  "kb.business": ["业务", "business"], "kb.faq": ["常见问题", "FAQ"],
  "history.title": ["通话记录", "Call history"], "field.caller": ["主叫", "Caller"], "field.queue": ["队列", "Queue"],
  "field.outcome": ["结果", "Outcome"],
  "outcome.in_progress": ["进行中", "in progress"], "outcome.completed": ["已完成", "completed"],
  "outcome.abandoned": ["放弃", "abandoned"], "outcome.no_answer": ["未接", "no answer"],
  "outcome.busy": ["忙", "busy"], "outcome.failed": ["失败", "failed"],

  // campaigns
  "campaign.draft": ["草稿", "Draft"], "campaign.running": ["进行中", "Running"],
  "campaign.paused": ["已暂停", "Paused"], "campaign.stopped": ["已停止", "Stopped"],
  "campaign.finished": ["已结束", "Finished"],
  "command.start": ["开始", "Start"], "command.pause": ["暂停", "Pause"], "command.resume": ["继续", "Resume"],
  "command.stop": ["停止", "Stop"],
  "mode.preview": ["预览式", "Preview"], "mode.progressive": ["渐进式", "Progressive"],
  "mode.predictive": ["预测式", "Predictive"],
  "purpose.delivery_survey": ["配送回访", "Delivery survey"], "purpose.arrival_notice": ["到货通知", "Arrival-time notice"],
  "purpose.service_follow_up": ["服务回访", "Service follow-up"], "purpose.promotion": ["促销", "Promotion"],
  "purpose.new_product": ["新品推广", "New product"], "purpose.other": ["其他", "Other"],
  "day.mon": ["周一", "Mon"], "day.tue": ["周二", "Tue"], "day.wed": ["周三", "Wed"], "day.thu": ["周四", "Thu"],
  "day.fri": ["周五", "Fri"], "day.sat": ["周六", "Sat"], "day.sun": ["周日", "Sun"],
  "col.campaign": ["活动", "Campaign"], "col.state": ["状态", "State"], "col.mode": ["方式", "Mode"],
  "col.remaining": ["待拨", "To dial"], "col.dialed": ["已拨", "Dialed"], "col.answered": ["接通", "Answered"],
  "col.abandoned_24h": ["放弃 · 放弃率（24 小时）", "Abandoned · rate (24 h)"], "col.ringing": ["振铃", "Ringing"],
  "col.agents_busy": ["忙碌座席", "Agents busy"], "col.actions": ["操作", "Actions"], "col.contacts": ["名单", "Contact list"],
  "campaign.period": ["{from} 起 · 创建于 {created}", "from {from} · created {created}"],
  "campaign.period_to": ["{from} 至 {to} · 创建于 {created}", "{from} to {to} · created {created}"],
  "campaign.new": ["新建活动", "New campaign"], "campaign.created": ["{name} 已新建（草稿）", "{name} created (draft)"],
  "campaign.now": ["{name}: {state}", "{name}: {state}"], "campaign.imported": ["{name}: 名单已导入", "{name}: list imported"],
  "import.report": ["共 {rows} 行：导入 {added} 行，拒绝 {rejected} 行", "{rows} rows: {added} added, {rejected} rejected"],
  "import.line": ["第 {line} 行: {reason}", "line {line}: {reason}"],
  "import.phone_missing": ["电话: 缺少号码", "phone: missing"],
  "import.not_a_phone": ["电话: “{value}” 不是电话号码", "phone: '{value}' is not a phone number"],
  "import.unknown_zone": ["时区: “{value}” 不是已知时区", "time zone: '{value}' is not known"],
  "import.repeats": ["电话: {value} 与第 {line} 行重复", "phone: {value} repeats line {line}"],
  "import.in_campaign": ["电话: {value} 已在本活动中", "phone: {value} is already in this campaign"],
  "import.do_not_call": ["电话: {value} 在勿扰名单上", "phone: {value} is on the do-not-call list"],
  "import.unknown_card": ["卡号: 没有卡号为 {value} 的零售店", "card: no retailer has card {value}"],
  "import.closed_card": ["卡号: 零售店 {value} 已关闭", "card: retailer {value} is closed"],
  "field.campaign.name": ["活动名称", "Name"], "field.purpose": ["目的", "Purpose"], "field.mode": ["拨号方式", "Mode"],
  "field.agents": ["座席工号", "Agents (numbers)"], "field.business_type": ["或按技能", "or by skill"],
  "field.campaign.branch": ["限分公司", "in branch"], "field.caller_id": ["主叫号码", "Caller ID"],
  "field.windows": ["拨打时段", "Calling hours"], "field.days": ["拨打日", "Days"], "field.from": ["从", "From"],
  "field.to": ["到", "To"], "field.starts_on": ["开始日期", "Starts"], "field.ends_on": ["结束日期", "Ends"],
  "field.abandon_target": ["放弃率目标 %", "Abandon target %"], "field.ring_seconds": ["振铃秒数", "Ring seconds"],
  "field.script": ["话术", "Script"], "field.retries": ["重拨规则", "Retries"], "field.file": ["名单文件", "List file"],
  "field.command": ["操作", "Command"], "btn.create": ["新建", "Create"],
  "rule.calling_windows": ["拨打时段不正确", "The calling hours are not right"],
  "rule.retry_rules": ["重拨规则不正确", "The retry rules are not right"],
  "rule.dates": ["结束日期早于开始日期", "It ends before it starts"],
  "rule.who_works_it": ["请填写座席工号或技能", "Give the agents or the skill"],
  "rule.known_agents": ["没有这个座席工号", "No agent with that number"],
  "rule.known_business_type": ["没有这个技能", "No such skill"], "rule.known_branch": ["没有这个分公司", "No such branch"],
  "rule.unique_name": ["名称已被占用", "That name is taken"],
  "rule.list_size": ["名单文件太大", "The list file is too large"],
  "rule.contact_list": ["名单文件无法读取（须为带电话列的 .csv 或 .xlsx）", "The list cannot be read (a .csv or .xlsx with a phone column)"],
  "rule.campaign_state": ["活动当前状态不允许此操作", "Not possible in the campaign's state"],

  // ordering and opinions' rules
  "rule.retailer_active": ["该零售店不在正常状态", "The retailer is not active"],
  "rule.product_once": ["该商品已在前面的行中", "The product is on an earlier line"],
  "rule.product_active": ["商品不在目录中", "The product is not in the catalogue"],
  "rule.product_on_supply": ["该商品在本分公司断货", "The product is not on supply in the branch"],
  "rule.retailer_lower_limit": ["低于该零售店的订货下限", "Below the retailer's lower limit"],
  "rule.retailer_upper_limit": ["超过该零售店的订货上限", "Above the retailer's upper limit"],
  "rule.retailer_in_scope": ["该零售店不属于您的分公司", "The retailer is not of your branch"],
  "rule.retailer_required": ["请先识别零售店", "Identify the retailer first"],
  "rule.consumer_contact": ["消费者须留姓名", "A consumer's name is needed"],
  "rule.consumer_phone": ["消费者须留电话", "A consumer's phone is needed"],
  "rule.call_in_scope": ["不是您的通话", "Not a call of yours"],

  // the administration page's departments and work-order step templates
  "tab.departments": ["部门与工单模板", "Departments and templates"],
  "departments.title": ["部门", "Departments"], "templates.title": ["工单步骤模板", "Work-order step templates"],
  "btn.new_department": ["新建部门", "New department"], "btn.add_step": ["+ 添加步骤", "+ step"],
  "btn.move_up": ["上移", "Up"], "btn.move_down": ["下移", "Down"], "unit.hours": ["小时", "hours"],
  "field.department.code": ["部门代码", "Department code"], "field.department.name": ["部门名称", "Department name"],
  "field.steps": ["步骤", "Steps"], "field.template.steps": ["步骤", "Step"],
  "field.template.department": ["部门", "Department"], "field.template.due_in_hours": ["期限（小时）", "Deadline (hours)"],
  "field.template.instruction": ["处理要求", "Instruction"],
  "msg.department_code_hint": ["小写字母开头，如 logistics", "small letters first, e.g. logistics"],
  "msg.templates_hint": ["按意见类型和方面，工单派发时依次执行的步骤；期限为派发后的小时数。",
    "By opinion kind and subject: the steps a work order is dispatched in, in order; each deadline is hours after the dispatch."],
  "msg.no_template": ["未设模板", "No template"],
  "entity.department": ["部门", "department"], "entity.step_template": ["工单模板", "step template"],
  "rule.department_code": ["代码为 2–32 位小写字母、数字、- 或 _，以字母开头", "2 to 32 small letters, digits, - or _, a letter first"],
  "rule.department_taken": ["部门代码已存在", "That department code exists"],
  "rule.department_in_work_orders": ["已有工单派往该部门，不能删除", "Work orders went to this department: it stays"],
  "rule.department_in_templates": ["工单模板中还有该部门，请先修改模板", "A template names this department: change it first"],
  "rule.department_known": ["没有这个部门", "No such department"],
  "rule.deadline_hours": ["须大于 0，且不超过 8784（一年）", "more than 0 and at most 8784 (a year)"],
  "rule.instruction_given": ["请填写要该部门做什么", "Say what the department is to do"],
  "rule.steps_given": ["模板至少有一个步骤；不需要时请删除模板", "A template has a step at least; delete it to have none"],
  "rule.template_changed": ["模板或其部门刚被他人修改，请重试", "The template or a department changed meanwhile: try again"],
  "rule.template_exists": ["该类意见还没有工单模板", "No template for this kind and subject"],

  // the wallboard and monitoring
  "board.queues": ["队列", "Queues"], "board.agents": ["座席", "Agents"], "board.no_calls": ["今天还没有来电", "No calls today"],
  "col.queue": ["队列", "Queue"], "col.waiting": ["等待", "Waiting"], "col.longest": ["最长等待", "Longest wait"],
  "col.service_level": ["服务水平", "Service level"], "col.offered": ["呼入", "Offered"],
  "col.abandoned": ["放弃", "Abandoned"], "col.asa": ["平均应答", "Avg. answer"], "col.aht": ["平均处理", "Avg. handle"],
  "col.agent": ["座席", "Agent"], "col.branch": ["分公司", "Branch"], "col.in_state": ["持续", "In state"],
  "col.calls": ["今日通话", "Calls today"], "col.monitor": ["监听", "Monitor"],
  "monitor.listen": ["监听", "Listen"], "monitor.whisper": ["耳语", "Whisper"], "monitor.barge": ["强插", "Barge"],
  "monitor.ringing": ["振铃中", "ringing"], "monitor.stop": ["停止", "Stop"], "monitor.stopped": ["已停止监听", "Stopped"],
  "monitor.now": ["{agent}: {mode} · {state}", "{agent}: {mode} · {state}"],
  "field.supervisor_phone": ["班长话机", "Supervisor's phone"],
  "rule.supervisor_phone": ["您没有登记话机，无法监听", "You have no phone to listen on"],
  "rule.branch_scope": ["该座席不属于您的分公司", "That agent is of another branch"],

  // refusals without a rule: the API's status, or the validation's type
  "error.400": ["请求有误", "Bad request"], "error.409": ["当前状态不允许此操作", "Not possible in the present state"],
  "error.422": ["输入不正确", "Not accepted"], "error.503": ["电话系统暂时无法执行", "The phone system could not do it"],
  "error.missing": ["必填", "required"], "error.greater_than_equal": ["不能小于 {ge}", "at least {ge}"],
  "error.less_than_equal": ["不能大于 {le}", "at most {le}"], "error.greater_than": ["须大于 {gt}", "more than {gt}"],
  "error.less_than": ["须小于 {lt}", "less than {lt}"],
  "error.string_too_short": ["至少 {min_length} 个字符", "at least {min_length} characters"],
  "error.string_too_long": ["最多 {max_length} 个字符", "at most {max_length} characters"],
  "error.too_long": ["最多 {max_length} 项", "at most {max_length} items"],
  "error.int_parsing": ["须为整数", "a whole number"], "error.float_parsing": ["须为数字", "a number"],
  "error.enum": ["不是可选的值", "not one of the choices"], "error.date_parsing": ["日期格式不正确", "not a date"],
  "error.datetime_parsing": ["时间格式不正确", "not a time"], "error.datetime_from_date_parsing": ["时间格式不正确", "not a time"],
  "error.value_error": ["取值不正确", "not a right value"],
};
for (const [key, [zh, en]] of Object.entries(PAGE_WORDS)) {
  WORDS.zh[key] ??= zh;  // the administration page's own words stay as they are
  WORDS.en[key] ??= en;
}

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

// Whether the dictionary has a word for `key`.
export const known = (key) => key in WORDS.zh;

// The name of a code of some kind: word("agent_state", "on_call") is "通话中"; a code the
// dictionary does not know yet shows as itself.
export const word = (kind, code) => (known(`${kind}.${code}`) ? t(`${kind}.${code}`) : String(code ?? ""));

// The word for `key` with its placeholders filled: tf("pop.attempt", {n: 2}) is "第 2 次拨打".
export function tf(key, params = {}, reader = lang) {
  return t(key, reader).replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

// One refusal of the API ({loc, msg, type, ctx}) in the reader's words: the field, then the rule.
// `scope` names a page's own words for a field ("campaign": field.campaign.name before field.name).
export function refusal(problem, scope) {
  // ["body", "skills", 1, "skill"]: the field, and which one of a list ("技能 2")
  // ["body", "steps", 0, "due_in_hours"]: and the field within it where the dictionary names it ("步骤 1 · 期限")
  const [name, index, inner] = (problem.loc || []).filter((p) => !["body", "path", "query"].includes(p));
  const within = typeof inner === "string" && hasField(inner, scope) ? ` · ${fieldName(inner, scope)}` : "";
  const field = name === undefined ? "" : fieldName(name, scope) + (Number.isInteger(index) ? ` ${index + 1}${within}` : "");
  const type = problem.type || "";
  let said;
  if (type.startsWith("rule.") && known(type)) said = t(type);
  else if (type === "string_pattern_mismatch") said = t("error.pattern");
  else if (known(`error.${type}`)) said = tf(`error.${type}`, problem.ctx || {});
  else said = problem.msg;
  return field ? `${field}: ${said}` : said;
}

const hasField = (name, scope) => (scope && known(`field.${scope}.${name}`)) || known(`field.${name}`);

function fieldName(name, scope) {
  if (scope && known(`field.${scope}.${name}`)) return t(`field.${scope}.${name}`);
  return known(`field.${name}`) ? t(`field.${name}`) : String(name);
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
