// UI strings in Chinese and English. The choice is remembered in localStorage.
const STRINGS = {
  zh: {
    title: "推广计划助手", chat: "对话", drafts: "草稿", dashboard: "KPI 看板", data: "数据上传",
    newChat: "＋ 新对话", history: "历史对话", search: "搜索对话…", send: "发送", stop: "停止", retry: "重试",
    placeholder: "输入您的问题，例如：预算分配应该遵循哪些原则？", copy: "复制", export: "导出", rename: "重命名",
    thinking: "思考过程", good: "有用", bad: "没用", feedbackComment: "可选：说说原因", thanks: "已记录反馈", signOut: "退出",
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
    status: { on_track: "达标", watch: "关注", off_target: "偏离", no_target: "无目标" },
    uploadTitle: "上传 KPI 数据（CSV / XLSX）", facts: "事实数据", targets: "目标", check: "检查", import: "导入",
    fileOk: "文件检查通过，可以导入", row: "行", column: "列", problem: "问题", imported: "已导入", preview: "预览",
  },
  en: {
    title: "Planner assistant", chat: "Chat", drafts: "Drafts", dashboard: "KPI dashboard", data: "Data upload",
    newChat: "+ New chat", history: "Conversations", search: "Search conversations…", send: "Send", stop: "Stop", retry: "Retry",
    placeholder: "Ask something, e.g. what are the rules for allocating the budget?", copy: "Copy", export: "Export", rename: "Rename",
    thinking: "Thinking", good: "Helpful", bad: "Not helpful", feedbackComment: "Optional: tell us why", thanks: "Feedback saved", signOut: "Sign out",
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
    status: { on_track: "on track", watch: "watch", off_target: "off target", no_target: "no target" },
    uploadTitle: "Upload KPI data (CSV / XLSX)", facts: "Facts", targets: "Targets", check: "Check", import: "Import",
    fileOk: "The file is valid and ready to import", row: "Row", column: "Column", problem: "Problem", imported: "Imported", preview: "Preview",
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
