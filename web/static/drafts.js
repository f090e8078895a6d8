// Drafts workspace: list, open, sections with citations and the number audit, edit, revise,
// review workflow, versions and diff, export.
let currentDraft = null;

async function loadDrafts() {
  const list = await apiJson("/api/drafts");
  const ul = $("#draft-list");
  ul.innerHTML = "";
  for (const d of list) {
    const li = document.createElement("li");
    li.tabIndex = 0;
    li.innerHTML = `<span></span><em class="state ${d.state}"></em>`;
    li.querySelector("span").textContent = d.title;
    li.querySelector("em").textContent = t(`state.${d.state}`);
    li.classList.toggle("active", currentDraft?.id === d.id);
    li.onclick = () => openDraft(d.id);
    li.onkeydown = (e) => { if (e.key === "Enter") openDraft(d.id); };
    ul.appendChild(li);
  }
}

// Marks the figures the number audit could not trace, on the rendered DOM (text nodes only), so
// sanitised HTML is never rewritten as a string.
function highlightUnsupported(root, unsupported) {
  const texts = (unsupported || []).map((u) => u.text).filter(Boolean);
  if (!texts.length) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    let rest = node.nodeValue;
    const parts = [];
    for (;;) {
      const hits = texts.map((s) => [rest.indexOf(s), s]).filter(([i]) => i >= 0).sort((a, b) => a[0] - b[0]);
      if (!hits.length) break;
      const [i, s] = hits[0];
      if (i) parts.push(document.createTextNode(rest.slice(0, i)));
      const mark = document.createElement("mark");
      mark.className = "unsupported"; mark.title = t("unsupported"); mark.textContent = s;
      parts.push(mark);
      rest = rest.slice(i + s.length);
    }
    if (!parts.length) continue;
    if (rest) parts.push(document.createTextNode(rest));
    node.replaceWith(...parts);
  }
}

function sectionMarkdown(s) {
  return s.blocks.map((b) => {
    if (b.type === "paragraph") return b.text;
    if (b.type === "table") return ["| " + b.columns.join(" | ") + " |", "|" + "---|".repeat(b.columns.length), ...b.rows.map((r) => "| " + r.join(" | ") + " |")].join("\n");
    return `<div class="chart small draft-chart" data-chart='${esc(JSON.stringify(b.chart || {}))}'></div>`;
  }).join("\n\n");
}

async function openDraft(id) {
  currentDraft = await apiJson(`/api/drafts/${id}`);
  renderDraft();
  loadDrafts();
}

function renderDraft() {
  const d = currentDraft;
  const view = $("#draft-view");
  const audit = d.audit || { supported: 0, checked: 0, unsupported: [] };
  const actions = {
    draft: [["submit", t("submit")]],
    changes_requested: [["submit", t("submit")]],
    in_review: [["approve", t("approve")], ["request_changes", t("requestChanges")], ["withdraw", t("withdraw")]],
    approved: [],
  }[d.state];
  view.innerHTML = `
    <div class="draft-head">
      <h2 class="flush"></h2><em class="state ${d.state}">${esc(t(`state.${d.state}`))}</em>
      <span class="meta">v${d.version} · ${esc(d.engine)} · ${esc(d.model)}</span>
    </div>
    <p class="${audit.unsupported.length ? "audit-bad" : "audit-ok"}" id="audit-line">${esc(t("audit"))}: ${audit.supported}/${audit.checked} ${audit.unsupported.length ? "— " + esc(t("unsupported")) + ": " + audit.unsupported.map((u) => esc(u.text)).join(", ") : "— " + esc(t("allSupported"))}</p>
    <div class="actions" id="draft-actions"></div>
    <div id="draft-sections"></div>
    <h3>${esc(t("citations"))}</h3><div class="citations" id="draft-citations"></div>
    <h3>${esc(t("versions"))}</h3><div id="draft-versions"></div>`;
  view.querySelector("h2").textContent = d.title;
  const bar = $("#draft-actions");
  for (const [action, label] of actions) {
    const b = document.createElement("button"); b.type = "button"; b.textContent = label; b.dataset.action = action;
    b.onclick = async () => {
      const comment = action === "request_changes" ? prompt(t("comment")) || "" : "";
      try { currentDraft = await apiJson(`/api/drafts/${d.id}/transitions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ action, base_version: d.version, comment }) }); renderDraft(); loadDrafts(); }
      catch (e) { alert(e.message); }
    };
    bar.appendChild(b);
  }
  for (const [fmt, label] of [["md", t("exportMd")], ["docx", t("exportDocx")]]) {
    const a = document.createElement("a"); a.href = inWorkspace(`/api/drafts/${d.id}/export?format=${fmt}`); a.textContent = label; a.className = "chip"; bar.appendChild(a);
  }
  const box = $("#draft-sections");
  for (const s of d.sections) {
    const sec = document.createElement("section");
    sec.className = "draft-section"; sec.dataset.section = s.id;
    sec.innerHTML = `<h3></h3><div class="content"></div><div class="comments"></div><div class="actions"></div>`;
    sec.querySelector("h3").textContent = s.title;
    const content = sec.querySelector(".content");
    content.innerHTML = md(sectionMarkdown(s));
    highlightUnsupported(content, audit.unsupported);
    for (const c of d.comments.filter((c) => c.section_id === s.id || (c.section_id === "" && s === d.sections[0]))) {
      const p = document.createElement("p"); p.className = "comment"; p.textContent = `${c.author}: ${c.text}`; sec.querySelector(".comments").appendChild(p);
    }
    const act = sec.querySelector(".actions");
    const btn = (label, fn) => { const b = document.createElement("button"); b.type = "button"; b.textContent = label; b.onclick = fn; act.appendChild(b); };
    if (d.state === "draft" || d.state === "changes_requested") {
      btn(t("edit"), () => editSection(sec, s));
      btn(t("revise"), async () => {
        try { currentDraft = await apiJson(`/api/drafts/${d.id}/sections/${s.id}/revise`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ base_version: d.version }) }); renderDraft(); }
        catch (e) { alert(e.message); }
      });
    }
    btn(t("addComment"), async () => {
      const text = prompt(t("comment"));
      if (text) { currentDraft = await apiJson(`/api/drafts/${d.id}/comments`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ section_id: s.id, text }) }); renderDraft(); }
    });
    box.appendChild(sec);
  }
  for (const c of d.citations) addCitation({ querySelector: () => $("#draft-citations") }, c);
  drawDraftCharts();
  loadVersions(d);
}

// Charts in a draft (actual vs target vs forecast), drawn with the same library as the dashboard.
async function drawDraftCharts() {
  const boxes = document.querySelectorAll(".draft-chart");
  if (!boxes.length) return;
  await loadEcharts();
  for (const box of boxes) {
    const c = JSON.parse(box.dataset.chart);
    const chart = echarts.init(box);
    chart.setOption({
      title: { text: c.title, textStyle: { fontSize: 13 } }, tooltip: { trigger: "axis" },
      legend: { top: 24, data: [t("actual"), t("target"), t("forecast")] }, grid: { top: 60, left: 70, right: 20, bottom: 30 },
      xAxis: { type: "category", data: c.x }, yAxis: { type: "value", scale: true },
      series: [
        { name: t("actual"), type: "line", data: c.actual },
        { name: t("target"), type: "line", data: c.target, lineStyle: { type: "dashed" } },
        { name: t("forecast"), type: "line", data: c.forecast, lineStyle: { type: "dotted" } },
      ],
    });
  }
}

function editSection(sec, s) {
  const content = sec.querySelector(".content");
  content.innerHTML = `<textarea aria-label="section text"></textarea><div class="actions"><button type="button" class="primary">${esc(t("save"))}</button><button type="button">${esc(t("cancel"))}</button></div>`;
  content.querySelector("textarea").value = sectionMarkdown(s);
  const [save, cancel] = content.querySelectorAll("button");
  cancel.onclick = () => renderDraft();
  save.onclick = async () => {
    try {
      currentDraft = await apiJson(`/api/drafts/${currentDraft.id}/sections/${s.id}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ markdown: content.querySelector("textarea").value, base_version: currentDraft.version }) });
      renderDraft();
    } catch (e) { alert(e.message); }
  };
}

async function loadVersions(d) {
  const versions = await apiJson(`/api/drafts/${d.id}/versions`);
  const box = $("#draft-versions");
  box.innerHTML = versions.map((v) => `<div class="meta">v${v.version} · ${esc(v.note)} · ${esc(new Date(v.created_at).toLocaleString())}</div>`).join("");
  if (versions.length > 1) {
    const b = document.createElement("button"); b.type = "button"; b.textContent = `${t("diff")} v${versions.length - 1} → v${versions.length}`;
    b.onclick = async () => {
      const { diff } = await apiJson(`/api/drafts/${d.id}/diff?a=${versions.length - 1}&b=${versions.length}`);
      const pre = document.createElement("pre"); pre.className = "diff"; pre.textContent = diff; box.appendChild(pre);
    };
    box.appendChild(b);
  }
}

$("#new-draft").onsubmit = async (e) => {
  e.preventDefault();
  const err = $("#draft-error"); err.hidden = true;
  const kind = $("#draft-kind").value;
  const body = { kind, lang: LANG, section: kind === "section" ? $("#draft-section").value : null, region: $("#draft-region").value || null, period: $("#draft-period").value || null };
  const submit = $("#new-draft button"); submit.disabled = true;
  try { currentDraft = await apiJson("/api/drafts", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }); renderDraft(); loadDrafts(); }
  catch (ex) { err.textContent = ex.message; err.hidden = false; }
  finally { submit.disabled = false; }
};
$("#draft-kind").onchange = () => ($("#draft-section").disabled = $("#draft-kind").value !== "section");
window.addEventListener("tabshown", (e) => { if (e.detail === "drafts") loadDrafts(); });
window.addEventListener("langchange", () => { if (currentDraft) renderDraft(); });
