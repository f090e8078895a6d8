// The settings page: the workspace's profile, budgets per year and planning rules (admins edit,
// planners read), its knowledge documents (upload with progress, red lines to adopt), the user's
// API tokens, and for admins the members and the audit log. Every action is an API route.
const settings = { info: null, policy: null, metrics: [] };
const isAdmin = () => ME && ME.role === "admin";
const say = (zh, en) => (LANG === "zh" ? zh : en);
const pct = (v) => (v == null ? "" : Math.round(v * 1000) / 10);

function rowInput(value, attrs = "") { return `<input ${attrs} value="${esc(value ?? "")}" ${isAdmin() ? "" : "disabled"}>`; }

async function loadSettings() {
  if (!ME) return;
  $("#settings-ws").textContent = WORKSPACE;
  const [info, targets] = await Promise.all([apiJson("/api/workspace"), apiJson(`/api/kpis/targets?period=0&lang=${LANG}`)]);
  settings.info = info; settings.policy = structuredClone(info.profile.policy); settings.metrics = targets.metrics;
  const p = info.profile;
  $("#p-title").value = p.title; $("#p-currency").value = p.currency; $("#p-notes").value = p.fiscal_notes;
  $("#p-fiscal").value = settings.policy.fiscal_year_start;
  const pol = settings.policy;
  $("#r-threshold").value = pol.threshold == null ? "" : pct(pol.threshold);
  $("#r-threshold").placeholder = String(info.threshold_pct);
  $("#r-min").value = pct(pol.min_share); $("#r-max").value = pct(pol.max_share); $("#r-step").value = pct(pol.max_step);
  $("#r-floor").value = pol.roi_floor ?? ""; $("#r-bonus").value = pol.roi_bonus ?? "";
  document.querySelectorAll("#profile-form input, #rules-form input").forEach((i) => (i.disabled = !isAdmin()));
  renderBudgets(); renderStructure(); renderRedLines();
  loadDocs(); loadTokens();
  if (isAdmin()) { loadMembers(); loadAudit(); }
}

function renderBudgets() {
  const years = Object.keys(settings.policy.budgets).sort();
  $("#budgets-table").innerHTML = `<tr><th>${esc(say("年份", "Year"))}</th><th>${esc(say("营销预算（元）", "Marketing budget"))}</th><th></th></tr>` +
    years.map((y) => `<tr data-year="${esc(y)}"><td>${esc(y)}</td><td>${rowInput(settings.policy.budgets[y], 'type="number" min="1" class="budget-amount"')}</td><td>${isAdmin() ? `<button type="button" class="budget-del">${esc(t("delete"))}</button>` : ""}</td></tr>`).join("") +
    (years.length ? "" : `<tr><td colspan="3" class="meta">${esc(say("还没有设置年度预算", "No budget set for any year yet"))}${settings.info.profile.annual_budget ? ` · ${esc(say("默认", "default"))} ${settings.info.profile.annual_budget.toLocaleString()}` : ""}</td></tr>`);
  $("#budgets-table").querySelectorAll("tr[data-year]").forEach((tr) => {
    tr.querySelector(".budget-amount").onchange = (e) => (settings.policy.budgets[tr.dataset.year] = Number(e.target.value));
    const del = tr.querySelector(".budget-del");
    if (del) del.onclick = () => { delete settings.policy.budgets[tr.dataset.year]; renderBudgets(); };
  });
}
$("#budget-add").onclick = () => {
  const year = prompt(say("哪一年？", "Which year?"), String(new Date().getFullYear() + 1));
  if (year && /^\d{4}$/.test(year)) { settings.policy.budgets[year] = settings.policy.budgets[year] || 0; renderBudgets(); }
};

function renderStructure() {
  const cats = settings.policy.categories;
  $("#structure-table").innerHTML = cats.length
    ? `<tr><th>${esc(say("键", "Key"))}</th><th>${esc(say("名称", "Name"))}</th><th>${esc(say("占比 %", "Share %"))}</th><th>${esc(say("渠道预算", "Channel pool"))}</th><th></th></tr>` +
      cats.map((c, i) => `<tr data-i="${i}"><td>${rowInput(c.key, 'class="c-key" size="10"')}</td><td>${rowInput(c.name, 'class="c-name" size="8"')}</td><td>${rowInput(pct(c.share), 'class="c-share" type="number" min="0" max="100" step="1"')}</td>
        <td><input type="radio" name="c-pool" class="c-pool" ${settings.policy.channel_category === c.key ? "checked" : ""} ${isAdmin() ? "" : "disabled"}></td><td>${isAdmin() ? `<button type="button" class="c-del">${esc(t("delete"))}</button>` : ""}</td></tr>`).join("")
    : `<tr><td class="meta">${esc(say("未设置预算结构：全部金额按渠道分配", "No budget structure: the whole amount goes to the channels"))}</td></tr>`;
  $("#structure-table").querySelectorAll("tr[data-i]").forEach((tr) => {
    const c = cats[Number(tr.dataset.i)];
    tr.querySelector(".c-key").onchange = (e) => { if (settings.policy.channel_category === c.key) settings.policy.channel_category = e.target.value; c.key = e.target.value; };
    tr.querySelector(".c-name").onchange = (e) => (c.name = e.target.value);
    tr.querySelector(".c-share").onchange = (e) => (c.share = Number(e.target.value) / 100);
    tr.querySelector(".c-pool").onchange = () => (settings.policy.channel_category = c.key);
    const del = tr.querySelector(".c-del");
    if (del) del.onclick = () => { cats.splice(Number(tr.dataset.i), 1); renderStructure(); };
  });
}
$("#structure-add").onclick = () => {
  const cats = settings.policy.categories;
  if (!cats.length) cats.push({ key: "channels", name: say("渠道类", "Channels"), share: 1 });
  else cats.push({ key: `c${cats.length + 1}`, name: say("新类别", "New"), share: 0 });
  renderStructure();
};

function options(list, selected, blank) {
  return (blank != null ? [`<option value="">${esc(blank)}</option>`] : []).concat(list.map((v) => {
    const [value, label] = Array.isArray(v) ? v : [v, v];
    return `<option value="${esc(value)}" ${value === selected ? "selected" : ""}>${esc(label)}</option>`;
  })).join("");
}

function renderRedLines() {
  const lines = settings.policy.red_lines;
  const ratios = settings.metrics.filter((m) => m.ratio).map((m) => [m.key, m.name]);
  const off = isAdmin() ? "" : "disabled";
  $("#redlines-table").innerHTML = lines.length
    ? `<tr><th>${esc(t("metric"))}</th><th>${esc(t("region"))}</th><th>${esc(t("channel"))}</th><th>${esc(say("红线", "Line"))}</th><th>${esc(say("说明", "Note"))}</th><th></th></tr>` +
      lines.map((r, i) => `<tr data-i="${i}"><td><select class="l-metric" ${off}>${options(ratios, r.metric)}</select></td>
        <td><select class="l-region" ${off}>${options(settings.info.regions, r.region, t("company"))}</select></td>
        <td><select class="l-channel" ${off}>${options(settings.info.channels, r.channel, t("company"))}</select></td>
        <td>${rowInput(r.value, 'class="l-value" type="number" min="0" step="any"')}</td><td>${rowInput(r.note, 'class="l-note" size="24"')}</td>
        <td>${isAdmin() ? `<button type="button" class="l-del">${esc(t("delete"))}</button>` : ""}</td></tr>`).join("")
    : `<tr><td class="meta">${esc(say("没有红线", "No red lines"))}</td></tr>`;
  $("#redlines-table").querySelectorAll("tr[data-i]").forEach((tr) => {
    const r = lines[Number(tr.dataset.i)];
    for (const [cls, key, num] of [[".l-metric", "metric"], [".l-region", "region"], [".l-channel", "channel"], [".l-value", "value", true], [".l-note", "note"]]) {
      tr.querySelector(cls).onchange = (e) => (r[key] = num ? Number(e.target.value) : e.target.value);
    }
    const del = tr.querySelector(".l-del");
    if (del) del.onclick = () => { lines.splice(Number(tr.dataset.i), 1); renderRedLines(); };
  });
}
$("#redline-add").onclick = () => { settings.policy.red_lines.push({ metric: "cac", value: 100, region: "", channel: "", note: "" }); renderRedLines(); };

$("#rules-save").onclick = async () => {
  const pol = settings.policy;
  const num = (id) => ($(id).value === "" ? null : Number($(id).value));
  const policy = {
    ...pol,
    threshold: num("#r-threshold") == null ? null : num("#r-threshold") / 100,
    min_share: num("#r-min") / 100, max_share: num("#r-max") / 100, max_step: num("#r-step") / 100,
    roi_floor: num("#r-floor"), roi_bonus: num("#r-bonus"), fiscal_year_start: num("#p-fiscal") || 1,
  };
  const body = { title: $("#p-title").value, currency: $("#p-currency").value || "元", fiscal_notes: $("#p-notes").value, policy };
  try {
    await apiJson(`/api/admin/workspaces/${encodeURIComponent(WORKSPACE)}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    $("#rules-result").innerHTML = `<p class="ok" id="rules-saved">${esc(say("已保存，之后的预算、状态和报告按新规则计算。", "Saved: budgets, statuses and reports now follow these rules."))}</p>`;
    loadSettings();
  } catch (err) {
    const detail = err.body && Array.isArray(err.body.errors) ? err.body.errors.map((e) => e.msg || e.message).join("; ") : err.message;
    $("#rules-result").innerHTML = `<p class="error" id="rules-error">${esc(detail)}</p>`;
  }
};

// -- documents -----------------------------------------------------------------------------------
async function loadDocs() {
  const docs = await apiJson("/api/knowledge/documents");
  $("#docs-table").innerHTML = docs.length
    ? `<tr><th>${esc(say("文档", "Document"))}</th><th>${esc(say("范围", "Scope"))}</th><th>${esc(say("大小", "Size"))}</th><th></th></tr>` +
      docs.map((d) => `<tr data-name="${esc(d.name)}" data-scope="${d.scope}"><td>${esc(d.name)}</td><td>${esc(d.scope === "company" ? say("全公司", "company") : WORKSPACE)}</td><td>${Math.ceil(d.bytes / 1024)} KB</td>
        <td><button type="button" class="doc-rules">${esc(say("识别红线", "Find red lines"))}</button> ${d.scope === "workspace" || isAdmin() ? `<button type="button" class="doc-del">${esc(t("delete"))}</button>` : ""}</td></tr>`).join("")
    : `<tr><td class="meta">${esc(say("还没有上传文档", "No documents uploaded yet"))}</td></tr>`;
  $("#docs-table").querySelectorAll("tr[data-name]").forEach((tr) => {
    const q = `${encodeURIComponent(tr.dataset.name)}?scope=${tr.dataset.scope}`;
    tr.querySelector(".doc-rules").onclick = () => showRules(tr.dataset.name, q);
    const del = tr.querySelector(".doc-del");
    if (del) del.onclick = async () => {
      if (!confirm(say(`删除 ${tr.dataset.name}？`, `Delete ${tr.dataset.name}?`))) return;
      await apiJson(`/api/knowledge/documents/${q}`, { method: "DELETE" }); loadDocs();
    };
  });
}

async function showRules(name, q) {
  const found = await apiJson(`/api/knowledge/documents/${encodeURIComponent(name)}/rules?${q.split("?")[1]}&lang=${LANG}`);
  const box = $("#doc-rules");
  box.innerHTML = `<h4>${esc(say(`${name} 中的红线`, `Red lines in ${name}`))}</h4>` + (found.length
    ? `<table id="rules-found">${found.map((r, i) => `<tr><td><strong>${esc(r.label)}</strong></td><td class="meta">${esc(r.sentence)}</td><td>${r.adopted ? esc(say("已采用", "adopted")) : `<button type="button" data-i="${i}" class="adopt">${esc(say("采用为红线", "Adopt"))}</button>`}</td></tr>`).join("")}</table>`
    : `<p class="meta">${esc(say("没有找到形如“CPC 不超过 1.5 元”的红线", "No red line such as 'CPC at most 1.5' found"))}</p>`);
  box.querySelectorAll("button.adopt").forEach((b) => (b.onclick = async () => {
    const r = found[Number(b.dataset.i)];
    try {
      await apiJson("/api/workspace/red-lines", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ metric: r.metric, value: r.value, region: r.region, channel: r.channel, note: r.note }) });
      b.replaceWith(document.createTextNode(say("已采用", "adopted")));
      loadSettings();
    } catch (err) { b.insertAdjacentHTML("afterend", ` <span class="error">${esc(err.message)}</span>`); }
  }));
}

$("#doc-form").onsubmit = (e) => {
  e.preventDefault();
  const file = $("#doc-file").files[0];
  if (!file) return;
  const form = new FormData(); form.append("file", file); form.append("scope", "workspace");
  const xhr = new XMLHttpRequest();  // fetch has no upload progress
  const bar = $("#doc-progress"); bar.hidden = false; bar.value = 0;
  xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) bar.value = (ev.loaded / ev.total) * 100; };
  xhr.onload = () => {
    bar.hidden = true;
    let body = {}; try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
    $("#doc-result").innerHTML = xhr.status < 300
      ? `<p class="ok" id="doc-uploaded">${esc(say(`已上传并索引 ${file.name}（${body.chunks_written ?? 0} 段）`, `Uploaded and indexed ${file.name}`))}</p>`
      : `<p class="error" id="doc-error">${esc(body.detail || xhr.statusText)}</p>`;
    loadDocs();
  };
  xhr.open("POST", "/api/knowledge/documents");
  if (WORKSPACE) xhr.setRequestHeader("X-Workspace", WORKSPACE);
  xhr.send(form);
};

// -- tokens --------------------------------------------------------------------------------------
async function loadTokens() {
  const tokens = (await apiJson("/api/auth/tokens")).filter((tk) => tk.user === ME.username);
  $("#tokens-table").innerHTML = tokens.length
    ? `<tr><th>${esc(say("用途", "Label"))}</th><th>${esc(say("创建", "Created"))}</th><th>${esc(say("到期", "Expires"))}</th><th></th></tr>` +
      tokens.map((tk) => `<tr><td>${esc(tk.label)}</td><td>${esc(tk.created_at.slice(0, 10))}</td><td>${esc((tk.expires_at || "").slice(0, 10))}</td><td><button type="button" class="token-revoke" data-id="${tk.id}">${esc(say("撤销", "Revoke"))}</button></td></tr>`).join("")
    : `<tr><td class="meta">${esc(say("没有 API 令牌", "No API tokens"))}</td></tr>`;
  $("#tokens-table").querySelectorAll(".token-revoke").forEach((b) => (b.onclick = async () => { await apiJson(`/api/auth/tokens/${b.dataset.id}`, { method: "DELETE" }); loadTokens(); }));
}
$("#token-form").onsubmit = async (e) => {
  e.preventDefault();
  const r = await apiJson("/api/auth/tokens", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ label: $("#token-label").value || "script" }) });
  $("#token-result").innerHTML = `<p class="ok">${esc(say("令牌只显示这一次，请妥善保存：", "Shown once: keep it safe:"))} <code id="token-value">${esc(r.token)}</code></p>`;
  loadTokens();
};

// -- members and audit (admins) ------------------------------------------------------------------
async function loadMembers() {
  const [users, spaces] = await Promise.all([apiJson("/api/admin/users"), apiJson("/api/admin/workspaces")]);
  const roles = ["planner", "reviewer", "admin"];
  $("#members-table").innerHTML = `<tr><th>${esc(say("用户", "User"))}</th><th>${esc(say("角色", "Role"))}</th><th>${esc(say("工作区", "Workspaces"))}</th><th>${esc(say("启用", "Active"))}</th><th></th></tr>` +
    users.map((u) => `<tr data-user="${esc(u.username)}"><td>${esc(u.username)}</td><td><select class="m-role">${options(roles, u.role)}</select></td>
      <td>${spaces.map((w) => `<label class="chip"><input type="checkbox" class="m-ws" value="${esc(w.name)}" ${u.workspaces.includes(w.name) ? "checked" : ""}> ${esc(w.name)}</label>`).join(" ")}</td>
      <td><input type="checkbox" class="m-active" ${u.active ? "checked" : ""}></td><td><button type="button" class="m-save">${esc(t("save"))}</button></td></tr>`).join("");
  $("#members-table").querySelectorAll("tr[data-user]").forEach((tr) => (tr.querySelector(".m-save").onclick = async () => {
    const body = { role: tr.querySelector(".m-role").value, workspaces: [...tr.querySelectorAll(".m-ws:checked")].map((c) => c.value), active: tr.querySelector(".m-active").checked };
    try {
      await apiJson(`/api/admin/users/${encodeURIComponent(tr.dataset.user)}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      tr.classList.add("saved"); loadAudit();
    } catch (err) { alert(err.message); }
  }));
}

async function loadAudit() {
  const events = await apiJson("/api/admin/audit?limit=50");
  $("#audit-table").innerHTML = `<tr><th>${esc(t("when"))}</th><th>${esc(t("by"))}</th><th>${esc(say("工作区", "Workspace"))}</th><th>${esc(say("操作", "Action"))}</th><th>${esc(say("对象", "Target"))}</th></tr>` +
    events.map((e) => `<tr><td>${esc(String(e.at).slice(0, 16).replace("T", " "))}</td><td>${esc(e.username)}</td><td>${esc(e.workspace)}</td><td>${esc(e.action)}</td><td>${esc(e.target)}</td></tr>`).join("");
}

window.addEventListener("tabshown", (e) => { if (e.detail === "settings") loadSettings(); });
window.addEventListener("langchange", () => { if (!$("#view-settings").hidden) loadSettings(); });
