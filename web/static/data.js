// The data page: check a file (the layout guessed for each sheet, editable; every problem by row and
// column; the weeks it would add or update), import it, see and revert past imports, edit targets.
const upload = { mapping: {}, kinds: {}, last: null };

function problemText(p) {
  const say = t(`codes.${p.code}`);
  return typeof say === "function" ? say(p) : p.message;
}

function problemRows(list, id, cls) {
  if (!list.length) return "";
  const sheetOf = (p) => (p.sheet && p.sheet !== p.file ? p.sheet : "");
  const sheets = list.some((p) => sheetOf(p));  // a workbook's sheets; a CSV has none
  const rows = list.map((p) => `<tr>${sheets ? `<td>${esc(sheetOf(p))}</td>` : ""}<td>${p.row ?? ""}</td><td>${esc(p.column ?? "")}</td><td>${esc(problemText(p))}</td></tr>`).join("");
  return `<table id="${id}" class="${cls}"><tr>${sheets ? `<th>${esc(t("sheet"))}</th>` : ""}<th>${esc(t("row"))}</th><th>${esc(t("column"))}</th><th>${esc(t("problem"))}</th></tr>${rows}</table>`;
}

const FIELD_CHOICES = ["date", "period", "region", "channel", "metric", "value", "target"];

function fieldSelect(sheet, column, metrics) {
  const options = [`<option value="">${esc(t("ignore"))}</option>`]
    .concat(FIELD_CHOICES.map((f) => `<option value="${f}" ${column.field === f ? "selected" : ""}>${esc(t(`fields.${f}`))}</option>`))
    .concat(metrics.map((m) => `<option value="${m.key}" ${column.field === m.key ? "selected" : ""}>${esc(m.name)}</option>`));
  return `<select class="map-field" data-sheet="${esc(sheet)}" data-header="${esc(column.header)}">${options.join("")}</select>`;
}

function renderSheet(s, metrics) {
  const title = `<h4>${esc(s.file)}${s.sheet !== s.file ? ` · ${esc(s.sheet)}` : ""} — ${esc(t("readAs"))}
    <select class="sheet-kind" data-sheet="${esc(s.sheet)}">${["facts", "targets", "skip"].map((k) => `<option value="${k}" ${s.kind === k ? "selected" : ""}>${esc(k === "skip" ? t("skipSheet") : t(k))}</option>`).join("")}</select>
    ${s.layout.shape ? `(${esc(t(s.layout.shape === "wide" ? "layoutWide" : "layoutLong"))})` : ""}</h4>`;
  const meta = s.kind === "skip" ? "" : `<p class="meta">${esc(t("rowsIn")(s.rows, s.records))}${s.first ? ` · ${esc(t(s.kind === "facts" ? "range" : "periodsRange"))} ${esc(s.first)} ~ ${esc(s.last)}` : ""}</p>`;
  const mapping = (s.layout.columns || []).length
    ? `<table class="mapping"><tr><th>${esc(t("header"))}</th><th>${esc(t("field"))}</th></tr>${s.layout.columns.map((c) => `<tr class="${c.field ? "" : "ignored"}"><td>${esc(c.header)}${c.scale !== 1 ? ` <span class="meta">×${c.scale.toLocaleString()}</span>` : ""}</td><td>${fieldSelect(s.sheet, c, metrics)}</td></tr>`).join("")}</table>`
    : "";
  const notes = s.notes.length ? `<ul class="meta">${s.notes.map((n) => `<li>${esc(problemText(n))}</li>`).join("")}</ul>` : "";
  const cols = s.head.length ? Object.keys(s.head[0]) : [];
  const head = cols.length ? `<details><summary>${esc(t("firstRows"))}</summary><table><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>${s.head.map((r) => `<tr>${cols.map((c) => `<td>${esc(r[c])}</td>`).join("")}</tr>`).join("")}</table></details>` : "";
  return `<div class="sheet">${title}${meta}${mapping}${notes}${head}</div>`;
}

function weeksLine(plan) {
  const parts = [];
  for (const [key, label] of [["new", "newWeeks"], ["changed", "changedWeeks"], ["same", "sameWeeks"]]) {
    const weeks = plan.dates[key] || [];
    if (weeks.length) parts.push(`${esc(t(label))}${LANG === "zh" ? "：" : ": "}${esc(weeks.length > 6 ? `${weeks[0]} … ${weeks[weeks.length - 1]} (${weeks.length})` : weeks.join(LANG === "zh" ? "、" : ", "))}`);
  }
  return parts.length ? `<p class="meta">${parts.join(" · ")}</p>` : "";
}

async function renderCheck(result) {
  upload.last = result;
  const metrics = await metricList();
  const box = $("#upload-result");
  const problems = result.problems.length
    ? `<div class="error" id="upload-errors"><p>${esc(t("problemsTitle")(result.problems.length))}</p>${problemRows(result.problems, "upload-problem-rows", "")}</div>`
    : "";
  const warnings = result.warnings.length ? `<div class="warn" id="upload-warnings"><p>${esc(t("warnings"))}</p>${problemRows(result.warnings, "upload-warning-rows", "")}</div>` : "";
  const ok = result.ok
    ? `<div class="ok-box" id="upload-ok"><p><strong>${esc(t("fileOk"))}</strong> · ${esc(t("willChange"))}${LANG === "zh" ? "：" : ": "}${esc(result.message[LANG])}</p>${weeksLine(result.plan)}</div>`
    : "";
  box.innerHTML = problems + ok + warnings + result.sheets.map((s) => renderSheet(s, metrics)).join("");
  $("#upload-import").disabled = !result.ok;
  box.querySelectorAll(".map-field").forEach((sel) => (sel.onchange = () => {
    (upload.mapping[sel.dataset.sheet] ||= {})[sel.dataset.header] = sel.value;
    checkFile();
  }));
  box.querySelectorAll(".sheet-kind").forEach((sel) => (sel.onchange = () => { upload.kinds[sel.dataset.sheet] = sel.value; checkFile(); }));
}

function uploadForm() {
  const form = new FormData();
  form.append("file", $("#upload-file").files[0]);
  form.append("mode", $("#upload-mode").value);
  if (Object.keys(upload.mapping).length) form.append("mapping", JSON.stringify(upload.mapping));
  if (Object.keys(upload.kinds).length) form.append("kinds", JSON.stringify(upload.kinds));
  return form;
}

async function checkFile() {
  if (!$("#upload-file").files[0]) return;
  $("#upload-import").disabled = true;
  try { await renderCheck(await apiJson("/api/kpis/preview", { method: "POST", body: uploadForm() })); }
  catch (err) { $("#upload-result").innerHTML = `<div class="error" id="upload-errors"><p>${esc(err.message)}</p></div>`; }
}

$("#upload-form").onsubmit = (e) => { e.preventDefault(); checkFile(); };
$("#upload-file").onchange = () => { upload.mapping = {}; upload.kinds = {}; $("#upload-result").innerHTML = ""; $("#upload-import").disabled = true; };
$("#upload-mode").onchange = () => checkFile();

$("#upload-import").onclick = async () => {
  $("#upload-import").disabled = true;
  try {
    const r = await apiJson("/api/kpis/import", { method: "POST", body: uploadForm() });
    $("#upload-result").innerHTML = `<div class="ok-box" id="upload-done"><p><strong>${esc(t("imported"))} #${r.dataset_version}</strong>${LANG === "zh" ? "：" : ": "}${esc(r.message[LANG])}</p></div>`;
    loadImports(); loadTargets();
  } catch (err) {
    const list = err.body && Array.isArray(err.body.errors) ? problemRows(err.body.errors, "upload-problem-rows", "") : "";
    $("#upload-result").innerHTML = `<div class="error" id="upload-errors"><p>${esc(err.message)}</p>${list}</div>`;
  }
};

// -- import history ----------------------------------------------------------------------------
function changeText(c) {
  if (!c) return "";
  const sum = (k) => (c.facts?.[k] || 0) + (c.targets?.[k] || 0);
  return [["added", "+"], ["updated", "~"], ["removed", "−"]].filter(([k]) => sum(k)).map(([k, sign]) => `${sign}${sum(k).toLocaleString()}`).join(" ");
}

// -- the mix model: fitted in the background after an import; its progress is shown until ready --
let modelPoll = null;
async function loadModelStatus() {
  clearTimeout(modelPoll);
  try {
    const m = await apiJson("/api/model/status");
    const box = $("#model-status");
    box.textContent = t("modelStatus")(m);
    box.dataset.state = m.state;
    if (["running", "stale"].includes(m.state) && !$("#view-data").hidden) modelPoll = setTimeout(loadModelStatus, 2000);
  } catch (err) { $("#model-status").textContent = ""; }
}

async function loadImports() {
  loadModelStatus();
  const { imports } = await apiJson("/api/kpis/imports?limit=30");
  const box = $("#imports-list");
  if (!imports.length) { box.innerHTML = `<p class="meta">${esc(t("noImports"))}</p>`; return; }
  box.innerHTML = `<table id="imports-table"><tr><th>#</th><th>${esc(t("when"))}</th><th>${esc(t("kind"))}</th><th>${esc(t("source"))}</th><th>${esc(t("by"))}</th><th>${esc(t("changes"))}</th><th></th></tr>${imports.map((r) => `
    <tr data-id="${r.id}"><td>${r.id}</td><td>${esc((r.created_at || "").slice(0, 16).replace("T", " "))}</td><td>${esc(t(`kindsLabel.${r.kind}`))}${r.reverts ? ` #${r.reverts}` : ""}</td>
    <td>${esc(r.source)}</td><td>${esc(r.username)}</td><td>${esc(changeText(r.changes))}</td>
    <td>${r.revertible ? `<button type="button" class="revert" data-id="${r.id}">${esc(t("revert"))}</button>` : r.reverted_by ? `<span class="meta">${esc(t("reverted")(r.reverted_by))}</span>` : ""}</td></tr>`).join("")}</table>`;
  box.querySelectorAll("button.revert").forEach((b) => (b.onclick = async () => {
    if (!confirm(t("confirmRevert")(b.dataset.id))) return;
    try {
      const r = await apiJson(`/api/kpis/imports/${b.dataset.id}/revert`, { method: "POST" });
      $("#upload-result").innerHTML = `<div class="ok-box" id="revert-done"><p>#${esc(b.dataset.id)} → #${r.dataset_version}${LANG === "zh" ? "：" : ": "}${esc(r.message[LANG])}</p></div>`;
    } catch (err) { $("#upload-result").innerHTML = `<div class="error"><p>${esc(err.message)}</p></div>`; }
    loadImports(); loadTargets();
  }));
}

// -- targets -----------------------------------------------------------------------------------
const targetEdits = { set: new Map(), delete: new Map() };
let targetMeta = null;
const keyOf = (r) => [r.period, r.metric, r.region || "", r.channel || ""].join("|");

async function metricList() {
  if (!targetMeta) await loadTargets();
  return targetMeta.metrics;
}

function options(values, selected, blank) {
  return [`<option value="">${esc(blank)}</option>`].concat(values.map((v) => `<option value="${esc(v)}" ${v === selected ? "selected" : ""}>${esc(v)}</option>`)).join("");
}

async function loadTargets() {
  const params = new URLSearchParams({ lang: LANG, derived: $("#targets-derived").checked });
  if ($("#targets-period").value.trim()) params.set("period", $("#targets-period").value.trim());
  if ($("#targets-metric").value) params.set("metric", $("#targets-metric").value);
  const data = await apiJson(`/api/kpis/targets?${params}`);
  targetMeta = data;
  const chosen = $("#targets-metric").value;
  $("#targets-metric").innerHTML = `<option value="">${esc(t("allMetrics"))}</option>` + data.metrics.map((m) => `<option value="${m.key}" ${m.key === chosen ? "selected" : ""}>${esc(m.name)}</option>`).join("");
  $("#add-metric").innerHTML = data.metrics.map((m) => `<option value="${m.key}">${esc(m.name)}</option>`).join("");
  $("#add-region").innerHTML = options(data.regions, "", t("company"));
  $("#add-channel").innerHTML = options(data.channels, "", t("company"));
  const rows = data.targets.slice(0, 500);
  $("#targets-table").innerHTML = rows.length ? `<table id="targets-grid"><tr><th>${esc(t("period"))}</th><th>${esc(t("metric"))}</th><th>${esc(t("region"))}</th><th>${esc(t("channel"))}</th><th>${esc(t("target"))}</th><th></th></tr>${rows.map((r) => `
    <tr data-key="${esc(keyOf(r))}" class="${r.basis ? "derived" : ""}"><td>${esc(r.period)}</td><td>${esc(r.metric_name)}</td><td>${esc(r.region || t("company"))}</td><td>${esc(r.channel || "")}</td>
    <td><input class="target-value" type="number" min="0" step="any" value="${r.target}" aria-label="target"> ${r.basis ? `<span class="meta">${esc(t(`basis.${r.basis}`))}</span>` : ""}</td>
    <td>${r.basis ? "" : `<button type="button" class="target-delete">${esc(t("delete"))}</button>`}</td></tr>`).join("")}</table>` : `<p class="meta">${esc(t("noTargets"))}</p>`;
  $("#targets-table").querySelectorAll("tr[data-key]").forEach((tr) => {
    const [period, metric, region, channel] = tr.dataset.key.split("|");
    tr.querySelector(".target-value").onchange = (e) => { targetEdits.set.set(tr.dataset.key, { period, metric, region, channel, target: Number(e.target.value) }); markPending(); };
    const del = tr.querySelector(".target-delete");
    if (del) del.onclick = () => { targetEdits.delete.set(tr.dataset.key, { period, metric, region, channel }); tr.classList.add("deleted"); markPending(); };
  });
  markPending();
}

function markPending() {
  const n = targetEdits.set.size + targetEdits.delete.size;
  $("#targets-save").disabled = n === 0;
  $("#targets-result").innerHTML = n ? `<p class="meta">${esc(t("pending")(n))}</p>` : $("#targets-result").innerHTML;
}

$("#targets-filter").onsubmit = (e) => { e.preventDefault(); loadTargets(); };
$("#targets-add").onsubmit = (e) => {
  e.preventDefault();
  const row = { period: $("#add-period").value.trim(), metric: $("#add-metric").value, region: $("#add-region").value, channel: $("#add-channel").value, target: Number($("#add-value").value) };
  if (!row.period || $("#add-value").value === "") return;
  targetEdits.set.set(keyOf(row), row);
  markPending();
  saveTargets();
};
async function saveTargets() {
  const body = { set: [...targetEdits.set.values()], delete: [...targetEdits.delete.values()] };
  try {
    const r = await apiJson("/api/kpis/targets", { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    targetEdits.set.clear(); targetEdits.delete.clear();
    $("#targets-result").innerHTML = `<p class="ok" id="targets-saved">#${r.dataset_version}${LANG === "zh" ? "：" : ": "}${esc(r.message[LANG])}</p>`;
    loadTargets(); loadImports();
  } catch (err) { $("#targets-result").innerHTML = `<p class="error">${esc(err.message)}</p>`; }
}
$("#targets-save").onclick = saveTargets;

window.addEventListener("tabshown", (e) => { if (e.detail === "data") { loadImports(); loadTargets(); } });
window.addEventListener("langchange", () => {
  if ($("#view-data").hidden) return;
  targetMeta = null;
  if (upload.last) renderCheck(upload.last);
  loadImports(); loadTargets();
});
