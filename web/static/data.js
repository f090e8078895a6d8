// Data upload: check a CSV/XLSX first (preview and every problem by row and column), then import.
function renderCheck(result) {
  const box = $("#upload-result");
  const preview = result.preview.length
    ? `<h3>${esc(t("preview"))} (${result.rows})</h3><table><tr>${result.columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>${result.preview.map((r) => `<tr>${result.columns.map((c) => `<td>${esc(r[c])}</td>`).join("")}</tr>`).join("")}</table>`
    : "";
  const errors = result.errors.length
    ? `<div class="error" id="upload-errors"><p>${esc(result.detail)}</p><table><tr><th>${esc(t("row"))}</th><th>${esc(t("column"))}</th><th>${esc(t("problem"))}</th></tr>${result.errors.map((e) => `<tr><td>${e.row ?? ""}</td><td>${esc(e.column ?? "")}</td><td>${esc(e.message)}</td></tr>`).join("")}</table></div>`
    : `<p class="ok" id="upload-ok">${esc(t("fileOk"))}</p>`;
  box.innerHTML = errors + preview;
  $("#upload-import").disabled = !result.ok;
}

$("#upload-form").onsubmit = async (e) => {
  e.preventDefault();
  const file = $("#upload-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  form.append("kind", $("#upload-kind").value);
  try { renderCheck(await apiJson("/api/kpis/validate", { method: "POST", body: form })); }
  catch (err) { $("#upload-result").innerHTML = `<p class="error">${esc(err.message)}</p>`; }
};

$("#upload-import").onclick = async () => {
  const file = $("#upload-file").files[0];
  const form = new FormData();
  form.append($("#upload-kind").value, file);
  try {
    const r = await apiJson("/api/kpis/import", { method: "POST", body: form });
    $("#upload-result").insertAdjacentHTML("afterbegin", `<p class="ok">${esc(t("imported"))}: ${r.facts + r.targets} (v${r.dataset_version})</p>`);
    $("#upload-import").disabled = true;
  } catch (err) { $("#upload-result").innerHTML = `<p class="error">${esc(err.message)}</p>`; }
};
