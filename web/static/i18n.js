// UI strings in Chinese and English. The choice is remembered in localStorage.
const STRINGS = {
  zh: {
    settings: "设置", settingsTitle: "工作区设置", adminOnlyNote: "只有管理员可以修改资料、规则和成员；你可以查看规则、管理自己的 API 令牌和本工作区的文档。",
    profileTitle: "资料与年度预算", wsTitle: "名称", currency: "货币单位", fiscalStart: "财年起始月", fiscalNotes: "财年说明", addYear: "添加年份",
    rulesTitle: "规划规则", threshold: "偏差阈值 %", minShare: "渠道最低占比 %", maxShare: "渠道最高占比 %", maxStep: "单次调整上限 %",
    roiFloor: "ROI 门槛（可空）", roiBonus: "ROI 加成线（可空）", structureTitle: "预算结构（可空：全部按渠道分配）", addCategory: "添加类别",
    redLinesTitle: "KPI 红线", addRedLine: "添加红线", saveRules: "保存资料与规则", docsTitle: "本工作区的知识文档", upload: "上传",
    tokensTitle: "我的 API 令牌", createToken: "创建令牌", membersTitle: "成员与角色", auditTitle: "审计日志",
    title: "推广计划助手", chat: "对话", drafts: "草稿", dashboard: "KPI 看板", data: "数据上传",
    newChat: "＋ 新对话", history: "历史对话", search: "搜索对话…", send: "发送", stop: "停止", retry: "重试",
    placeholder: "输入您的问题，例如：预算分配应该遵循哪些原则？", copy: "复制", export: "导出", rename: "重命名",
    thinking: "思考过程", good: "有用", bad: "没用", feedbackComment: "可选：说说原因", thanks: "已记录反馈", fromClient: "由聊天客户端发来，并非本助手所写", signOut: "退出",
    // filled from the workspace (GET /api/workspace): its own regions and latest periods
    starters: (w) => [w.region ? `帮我起草${w.region}${w.nextQuarter}的资源与预算部分` : `帮我起草${w.nextQuarter}的资源与预算部分`, `为什么${w.quarter}获客成本超标？`, "各区域的推广策略建议", `写一份${w.month}的计划调整报告`, "预测未来12周的销售额"],
    kinds: { section: "计划章节", regional: "区域策略", adjustment: "调整报告" },
    sections: { goals: "背景与目标", market: "市场环境与竞争", strategy: "核心策略与举措", budget: "资源与预算", monitoring: "监控与评估", responsibilities: "职责分工与时间表" },
    newDraft: "新建草稿", kind: "类型", section: "章节", region: "区域", channel: "渠道", period: "期间", create: "生成",
    state: { draft: "草稿", in_review: "评审中", changes_requested: "需修改", approved: "已批准" },
    submit: "提交评审", approve: "批准", requestChanges: "退回修改", withdraw: "撤回", edit: "编辑", save: "保存", cancel: "取消",
    revise: "请助手修订", comment: "评论", addComment: "添加评论", versions: "版本", diff: "对比", audit: "数字核查",
    unsupported: "无来源数字", allSupported: "所有数字均有来源", citations: "引用", exportMd: "导出 Markdown", exportDocx: "导出 Word",
    all: "全部", metric: "指标", why: "为什么偏离？问助手", alerts: "异常波动预警", driversTitle: "偏差驱动因素", budgetTitle: "预算分配（渠道）",
    actual: "实际", target: "目标", forecast: "预测", deviation: "偏差", noAlerts: "近 13 周没有异常波动",
    historyNote: (h) => !h || !(h.short || h.gaps) ? "" : (h.short ? `预测所依据的历史较短：只有 ${h.points} ${{ W: "周", M: "个月", Q: "个季度" }[h.frequency] || "期"}数据，` + (!h.seasonal ? "不足一年，预测看不到季节和大促。" : h.frequency === "W" ? (h.spring_festivals < 2 ? "未覆盖两个完整的春节周期，" : "") + "季节形状只来自去年一年按大促对齐的同期，大促周的实际误差可能大于区间所示。" : "不足两个完整年度。") : "") + (h.gaps ? `历史中有 ${h.gaps} 期缺数，已按前后插补。` : ""),
    status: { on_track: "达标", watch: "关注", off_target: "偏离", no_target: "无目标" },
    uploadTitle: "导入 KPI 数据", facts: "事实数据", targets: "目标", check: "检查", import: "导入",
    uploadHelp: "CSV（UTF-8 或 GBK）或 XLSX（可含多个工作表）。长表（日期、区域、渠道、指标、数值）或宽表（每行一周 × 区域 × 渠道，每个指标一列，中文表头，可带单位如“花费（万元）”）都可以。重新导入某一周会更新该周，不会重复累加。",
    fileOk: "文件检查通过，可以导入", row: "行", column: "列", problem: "问题", imported: "已导入", preview: "预览",
    mode: "导入方式", modes: { upsert: "更新或新增（默认）", replace_periods: "替换文件覆盖的周和期间", replace_all: "用文件替换全部数据" },
    template: "下载模板（XLSX）", willChange: "将会", sheet: "工作表", layoutLong: "长表", layoutWide: "宽表", readAs: "识别为",
    header: "表头", field: "对应字段", ignore: "（忽略）", rowsIn: (n, m) => `${n} 行，${m} 个数值`, range: "日期范围", periodsRange: "期间范围",
    skipSheet: "不导入", notes: "说明", warnings: "请确认", problemsTitle: (n) => `发现 ${n} 个问题，修正后才能导入：`,
    newWeeks: "新增的周", changedWeeks: "将更新的周", sameWeeks: "数值不变的周", firstRows: "前几行",
    modelStatus: (m) => ({
      ready: `营销组合模型：已按当前数据拟合（${m.fitted_at ? m.fitted_at.slice(0, 16).replace("T", " ") : ""}，用时 ${m.seconds ?? "—"} 秒，周销售额误差 ${m.fit_mape != null ? (m.fit_mape * 100).toFixed(1) + "%" : "—"}）；预算分配与假设分析以它为依据。`,
      running: `营销组合模型：正在按新数据拟合 ${Math.round((m.progress || 0) * 100)}%（${m.message || ""}）；完成前预算回答使用${m.data_version ? `上一版模型（数据版本 #${m.data_version}）` : "去年同期的渠道占比"}。`,
      stale: `营销组合模型：基于较早的数据（#${m.data_version}），新数据的模型即将开始拟合。`,
      failed: `营销组合模型：无法拟合（${m.error || ""}）；预算回答使用去年同期的渠道占比。`,
      none: "营销组合模型：尚未拟合；预算回答暂用去年同期的渠道占比。",
    })[m.state],
    importsTitle: "导入记录", noImports: "还没有导入记录", revert: "撤销", reverted: (n) => `已被 #${n} 撤销`, confirmRevert: (n) => `撤销导入 #${n}？它新增的行会删除，它改动的数值会恢复。`,
    kindsLabel: { import: "导入", edit: "修改目标", revert: "撤销", legacy: "早期导入" }, by: "操作人", when: "时间", source: "来源", changes: "变化",
    targetsTitle: "目标", showDerived: "显示汇总得出的目标", filter: "筛选", addRow: "添加", saveTargets: "保存修改", company: "全公司", anyScope: "（不限）",
    basis: { regions: "各区域目标之和", channels: "各渠道目标之和", months: "各月目标之和", quarters: "各季度目标之和", red_line: "工作区红线" }, entered: "录入", delete: "删除", targetIs: "目标为",
    dataEnds: (c) => (c.kind === "before_data" ? `数据从 ${c.data_first} 开始` : `数据截至 ${c.last_week || c.data_last}，显示 ${c.answered}`),
    pending: (n) => `${n} 处修改未保存`, noTargets: "没有符合条件的目标", allMetrics: "全部指标",
    fields: { date: "日期", period: "期间", region: "区域", channel: "渠道", metric: "指标名", value: "数值", target: "目标值" },
    codes: {
      missing_column: (p) => `缺少${({ date: "日期", period: "期间", metric: "指标（或每个指标一列：花费、曝光、点击、转化、销售额…）", value: "数值", target: "目标" })[p.field] || p.field}列`,
      bad_date: (p) => `“${p.value}”不是日期（可写 2026-11-23、2026/11/23 或 2026-W48）`,
      bad_period: (p) => `“${p.value}”不是期间（可写 2026、2026-Q4 或 2026-12）`,
      bad_number: (p) => `“${p.value}”不是数字`, negative: (p) => `“${p.value}”是负数`, too_large: (p) => `“${p.value}”超出范围`,
      unknown_metric: (p) => `不认识的指标“${p.value}”`, derived_metric: (p) => `“${p.value}”是比率指标，请导入它的基础指标`,
      duplicate: (p) => `第 ${(p.rows || []).join("、")} 行是同一个日期（期间）、区域、渠道和指标，请只保留一行`,
      near_region: (p) => `区域“${p.value}”和已有的“${p.suggestion}”只差空格、全半角或大小写，会被当成两个区域；请改成“${p.suggestion}”`,
      near_channel: (p) => `渠道“${p.value}”和已有的“${p.suggestion}”只差空格、全半角或大小写，会被当成两个渠道；请改成“${p.suggestion}”`,
      new_region: (p) => `“${p.value}”是新的区域，是否应为“${p.suggestion}”？`, new_channel: (p) => `“${p.value}”是新的渠道，是否应为“${p.suggestion}”？`,
      ignored_columns: (n) => `未导入的列：${n.columns.join("、")}`, ratio_columns: (n) => `比率列由基础指标计算，不导入：${n.columns.join("、")}`,
      mondays: (n) => `周数据按该周周一记录（如 ${n.example}）`, not_read: () => "未读取：没有日期、期间、区域、渠道或指标列",
      control_character: () => "含有控制字符", too_long: () => "名称太长（最多 64 个字）", no_data: () => "文件里没有事实数据或目标",
    },
  },
  en: {
    settings: "Settings", settingsTitle: "Workspace settings", adminOnlyNote: "Only an admin changes the profile, rules and members; you can read the rules, manage your API tokens and this workspace's documents.",
    profileTitle: "Profile and budgets by year", wsTitle: "Title", currency: "Currency", fiscalStart: "Fiscal year starts (month)", fiscalNotes: "Fiscal notes", addYear: "Add a year",
    rulesTitle: "Planning rules", threshold: "Deviation threshold %", minShare: "Smallest channel share %", maxShare: "Largest channel share %", maxStep: "Largest move %",
    roiFloor: "ROI floor (optional)", roiBonus: "ROI bonus line (optional)", structureTitle: "Budget structure (optional: without one, everything goes to the channels)", addCategory: "Add a category",
    redLinesTitle: "KPI red lines", addRedLine: "Add a red line", saveRules: "Save profile and rules", docsTitle: "This workspace's documents", upload: "Upload",
    tokensTitle: "My API tokens", createToken: "Create a token", membersTitle: "Members and roles", auditTitle: "Audit log",
    title: "Planner assistant", chat: "Chat", drafts: "Drafts", dashboard: "KPI dashboard", data: "Data upload",
    newChat: "+ New chat", history: "Conversations", search: "Search conversations…", send: "Send", stop: "Stop", retry: "Retry",
    placeholder: "Ask something, e.g. what are the rules for allocating the budget?", copy: "Copy", export: "Export", rename: "Rename",
    thinking: "Thinking", good: "Helpful", bad: "Not helpful", feedbackComment: "Optional: tell us why", thanks: "Feedback saved", fromClient: "Sent by a chat client, not written by this assistant", signOut: "Sign out",
    starters: (w) => [w.region ? `Draft the budget section for ${w.region} for ${w.nextQuarter}` : `Draft the budget section for ${w.nextQuarter}`, `Why is CAC off target in ${w.quarter}?`, "Suggest a regional strategy for each region", `Write an adjustment report for ${w.month}`, "Forecast revenue for the next 12 weeks"],
    kinds: { section: "Plan section", regional: "Regional strategy", adjustment: "Adjustment report" },
    sections: { goals: "Background and goals", market: "Market and competition", strategy: "Core strategy", budget: "Resources and budget", monitoring: "Monitoring and evaluation", responsibilities: "Responsibilities and timeline" },
    newDraft: "New draft", kind: "Kind", section: "Section", region: "Region", channel: "Channel", period: "Period", create: "Create",
    state: { draft: "draft", in_review: "in review", changes_requested: "changes requested", approved: "approved" },
    submit: "Submit for review", approve: "Approve", requestChanges: "Request changes", withdraw: "Withdraw", edit: "Edit", save: "Save", cancel: "Cancel",
    revise: "Ask the assistant to revise", comment: "Comment", addComment: "Add comment", versions: "Versions", diff: "Diff", audit: "Number audit",
    unsupported: "Figures without a source", allSupported: "Every figure has a source", citations: "Citations", exportMd: "Export Markdown", exportDocx: "Export Word",
    all: "All", metric: "Metric", why: "Why is it off target? Ask", alerts: "Unusual moves", driversTitle: "Drivers of the gap", budgetTitle: "Budget allocation (channels)",
    actual: "Actual", target: "Target", forecast: "Forecast", deviation: "Deviation", noAlerts: "No unusual moves in the last 13 weeks",
    historyNote: (h) => !h || !(h.short || h.gaps) ? "" : (h.short ? `The forecast rests on a short history: only ${h.points} ${{ W: "weeks", M: "months", Q: "quarters" }[h.frequency] || "periods"} of data` + (!h.seasonal ? ", less than a year: it cannot see the season or the promotions." : h.frequency === "W" ? (h.spring_festivals < 2 ? ", not two full Spring Festival cycles" : "") + "; the yearly shape comes from one year only, so event weeks may miss by more than the band shows." : ", less than two full years.") : "") + (h.gaps ? ` ${h.gaps} periods are missing inside the history and were interpolated.` : ""),
    status: { on_track: "on track", watch: "watch", off_target: "off target", no_target: "no target" },
    uploadTitle: "Import KPI data", facts: "Facts", targets: "Targets", check: "Check", import: "Import",
    uploadHelp: "CSV (UTF-8 or GBK) or XLSX (several sheets welcome). Long rows (date, region, channel, metric, value) or your own wide sheet (one row per week × region × channel, one column per metric, Chinese or English headers, units such as 花费（万元）). Re-importing a week updates it; it is never added twice.",
    fileOk: "The file is valid and ready to import", row: "Row", column: "Column", problem: "Problem", imported: "Imported", preview: "Preview",
    mode: "Mode", modes: { upsert: "Update or add (default)", replace_periods: "Replace the weeks and periods the file covers", replace_all: "Replace all data with the file" },
    template: "Download the template (XLSX)", willChange: "This will", sheet: "Sheet", layoutLong: "long", layoutWide: "wide", readAs: "read as",
    header: "Header", field: "Field", ignore: "(ignore)", rowsIn: (n, m) => `${n} rows, ${m} figures`, range: "Dates", periodsRange: "Periods",
    skipSheet: "skip", notes: "Notes", warnings: "Please check", problemsTitle: (n) => `${n} problem(s) to fix before the import:`,
    newWeeks: "New weeks", changedWeeks: "Weeks to update", sameWeeks: "Weeks unchanged", firstRows: "First rows",
    modelStatus: (m) => ({
      ready: `Marketing-mix model: fitted on the current data (${m.fitted_at ? m.fitted_at.slice(0, 16).replace("T", " ") : ""}, ${m.seconds ?? "—"} s, weekly revenue error ${m.fit_mape != null ? (m.fit_mape * 100).toFixed(1) + "%" : "—"}); budget splits and what-ifs rest on it.`,
      running: `Marketing-mix model: fitting the new data, ${Math.round((m.progress || 0) * 100)}% (${m.message || ""}); until it is done, budget answers use ${m.data_version ? `the previous model (data version #${m.data_version})` : "last year's channel shares"}.`,
      stale: `Marketing-mix model: fitted on earlier data (#${m.data_version}); a fit of the new data is about to start.`,
      failed: `Marketing-mix model: could not be fitted (${m.error || ""}); budget answers use last year's channel shares.`,
      none: "Marketing-mix model: not fitted yet; budget answers use last year's channel shares meanwhile.",
    })[m.state],
    importsTitle: "Import history", noImports: "No imports yet", revert: "Revert", reverted: (n) => `reverted by #${n}`, confirmRevert: (n) => `Revert import #${n}? The rows it added go and the values it changed come back.`,
    kindsLabel: { import: "import", edit: "target edit", revert: "revert", legacy: "early import" }, by: "By", when: "When", source: "Source", changes: "Changes",
    targetsTitle: "Targets", showDerived: "Show targets summed from their parts", filter: "Filter", addRow: "Add", saveTargets: "Save changes", company: "company", anyScope: "(any)",
    basis: { regions: "sum of the regions", channels: "sum of the channels", months: "sum of the months", quarters: "sum of the quarters", red_line: "the workspace's red line" }, entered: "entered", delete: "Delete", targetIs: "target: ",
    dataEnds: (c) => (c.kind === "before_data" ? `the data starts on ${c.data_first}` : `data ends ${c.last_week || c.data_last}; showing ${c.answered}`),
    pending: (n) => `${n} unsaved change(s)`, noTargets: "No targets match", allMetrics: "All metrics",
    fields: { date: "date", period: "period", region: "region", channel: "channel", metric: "metric name", value: "value", target: "target" },
    codes: {
      missing_column: (p) => `missing a ${({ metric: "metric column (or one column per metric: spend, impressions, clicks, conversions, revenue…)" })[p.field] || p.field} column`,
      bad_date: (p) => `"${p.value}" is not a date (2026-11-23, 2026/11/23 or 2026-W48)`,
      bad_period: (p) => `"${p.value}" is not a period (2026, 2026-Q4 or 2026-12)`,
      bad_number: (p) => `"${p.value}" is not a number`, negative: (p) => `"${p.value}" is negative`, too_large: (p) => `"${p.value}" is out of range`,
      unknown_metric: (p) => `unknown metric "${p.value}"`, derived_metric: (p) => `"${p.value}" is a ratio: import its base metrics`,
      duplicate: (p) => `rows ${(p.rows || []).join(", ")} are the same date (period), region, channel and metric: keep one`,
      near_region: (p) => `region "${p.value}" differs from "${p.suggestion}" only in spaces, width or case and would become a second region: write "${p.suggestion}"`,
      near_channel: (p) => `channel "${p.value}" differs from "${p.suggestion}" only in spaces, width or case and would become a second channel: write "${p.suggestion}"`,
      new_region: (p) => `"${p.value}" is a new region; did you mean "${p.suggestion}"?`, new_channel: (p) => `"${p.value}" is a new channel; did you mean "${p.suggestion}"?`,
      ignored_columns: (n) => `columns not imported: ${n.columns.join(", ")}`, ratio_columns: (n) => `ratio columns are worked out from their base metrics, not imported: ${n.columns.join(", ")}`,
      mondays: (n) => `weeks are kept under their Monday (${n.example})`, not_read: () => "not read: no date, period, region, channel or metric column",
      control_character: () => "contains a control character", too_long: () => "name too long (64 characters at most)", no_data: () => "no sheet holds KPI facts or targets",
    },
  },
};

let LANG = localStorage.getItem("planner.lang") || (navigator.language.startsWith("zh") ? "zh" : "en");

function t(key) {
  return key.split(".").reduce((o, k) => (o ? o[k] : undefined), STRINGS[LANG]) ?? key;
}

function applyI18n(root = document) {
  document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
  root.querySelectorAll("[data-i18n]").forEach((el) => (el.textContent = t(el.dataset.i18n)));
  root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => (el.placeholder = t(el.dataset.i18nPlaceholder)));
}

function setLang(lang) {
  LANG = lang;
  localStorage.setItem("planner.lang", lang);
  applyI18n();
  window.dispatchEvent(new Event("langchange"));
}
