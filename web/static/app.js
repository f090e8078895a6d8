// Shell and chat. Streams /api/chat over SSE (fetch + ReadableStream, since it is a POST).
const $ = (sel, root = document) => root.querySelector(sel);
// Markdown is rendered, then sanitised with an allow-list of what Markdown produces: no forms, no
// styles, no scripts; images only from this server or data: URLs; links open safely.
const MD_TAGS = ["p", "br", "hr", "strong", "em", "b", "i", "del", "code", "pre", "blockquote", "ul", "ol", "li",
  "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "img", "mark", "div", "span", "sup", "sub", "details", "summary"];
const MD_ATTRS = ["href", "title", "alt", "src", "class", "colspan", "rowspan", "align", "data-chart"];
DOMPurify.addHook("uponSanitizeAttribute", (node, data) => {
  if (data.attrName === "src" && !/^(\/(?!\/)|data:image\/)/i.test(data.attrValue)) data.keepAttr = false;
  if (data.attrName === "href" && !/^(https?:|mailto:|\/|#)/i.test(data.attrValue)) data.keepAttr = false;
});
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") { node.setAttribute("target", "_blank"); node.setAttribute("rel", "noopener noreferrer"); }
});
const md = (text) => DOMPurify.sanitize(marked.parse(text || ""), { ALLOWED_TAGS: MD_TAGS, ALLOWED_ATTR: [...MD_ATTRS, "target", "rel"] });
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
let conversationId = null;
let controller = null;
let lastQuestion = null;

// The workspace the page works in (the header's switcher): every call says it, links carry it.
let WORKSPACE = localStorage.getItem("planner.workspace") || "";
const inWorkspace = (path) => (WORKSPACE ? `${path}${path.includes("?") ? "&" : "?"}workspace=${encodeURIComponent(WORKSPACE)}` : path);

// Every API call goes through here: a 401 means the session is gone, so go and sign in.
async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (WORKSPACE && !headers.has("X-Workspace")) headers.set("X-Workspace", WORKSPACE);
  const res = await fetch(path, { ...options, headers });
  if (res.status === 401) { location.href = "/login"; throw new Error("signed out"); }
  return res;
}
async function apiJson(path, options) {
  const res = await api(path, options);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(typeof body.detail === "string" ? body.detail : res.statusText), { body });
  return body;
}

// -- shell: tabs, language, badge ---------------------------------------------------------
function showTab() {
  const tab = (location.hash || "#chat").slice(1);
  document.querySelectorAll(".view").forEach((v) => (v.hidden = v.id !== `view-${tab}`));
  document.querySelectorAll("#tabs a").forEach((a) => a.classList.toggle("active", a.dataset.tab === tab));
  window.dispatchEvent(new CustomEvent("tabshown", { detail: tab }));
}
window.addEventListener("hashchange", showTab);
$("#lang-toggle").onclick = () => setLang(LANG === "zh" ? "en" : "zh");
window.addEventListener("langchange", () => { $("#lang-toggle").textContent = LANG === "zh" ? "EN" : "中文"; renderStarters(); loadHealth(); });
$("#sign-out").onclick = async () => { await fetch("/api/auth/logout", { method: "POST" }); location.href = "/login"; };

// -- who is signed in, and where ----------------------------------------------------------------
let ME = null;
async function loadMe() {
  ME = await apiJson("/api/auth/me");
  if (!ME.workspaces.includes(WORKSPACE)) { WORKSPACE = ME.workspaces[0] || ""; localStorage.setItem("planner.workspace", WORKSPACE); }
  const select = $("#workspace-switch");
  select.innerHTML = ME.workspaces.map((w) => `<option value="${esc(w)}" ${w === WORKSPACE ? "selected" : ""}>${esc(w)}</option>`).join("");
  select.hidden = ME.workspaces.length < 2;
  document.body.classList.toggle("is-admin", ME.role === "admin");
  document.querySelectorAll("a[data-ws-link]").forEach((a) => (a.href = inWorkspace(a.dataset.wsLink)));
  window.dispatchEvent(new Event("workspacechange"));
  return ME;
}
$("#workspace-switch").onchange = (e) => {
  localStorage.setItem("planner.workspace", e.target.value);
  location.reload();  // every view reads the new workspace's data, conversations and drafts afresh
};

async function loadHealth() {
  const h = await apiJson("/api/health");
  const badge = $("#engine-badge");
  badge.textContent = `${h.engine === "offline" ? (LANG === "zh" ? "离线引擎" : "offline engine") : "LLM"} · ${h.model}`;
  badge.classList.toggle("offline", h.engine === "offline");
}

// -- conversations --------------------------------------------------------------------------
async function loadConversations() {
  const q = $("#conv-search").value.trim();
  const list = await apiJson(`/api/conversations${q ? `?q=${encodeURIComponent(q)}` : ""}`);
  const ul = $("#conversations");
  ul.innerHTML = "";
  for (const c of list) {
    const li = document.createElement("li");
    li.innerHTML = `<span tabindex="0"></span><button type="button" aria-label="rename">✎</button>`;
    li.querySelector("span").textContent = c.title || c.id;
    li.classList.toggle("active", c.id === conversationId);
    li.querySelector("span").onclick = () => openConversation(c.id);
    li.querySelector("span").onkeydown = (e) => { if (e.key === "Enter") openConversation(c.id); };
    li.querySelector("button").onclick = async () => {
      const title = prompt(t("rename"), c.title);
      if (title) { await apiJson(`/api/conversations/${c.id}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ title }) }); loadConversations(); }
    };
    ul.appendChild(li);
  }
}
$("#conv-search").oninput = () => loadConversations();

function addMessage(role) {
  const div = document.createElement("div");
  div.className = `msg ${role}`;
  div.innerHTML = `<div class="tools"></div><div class="body"></div><div class="citations"></div><div class="actions"></div>`;
  $("#messages").appendChild(div);
  return div;
}

function showPassage(c) {
  $("#passage-title").textContent = `[${c.n}] ${c.title}`;
  $("#passage-meta").textContent = `${c.doc_id} · ${c.chunk_id}${c.heading ? " · " + c.heading : ""}`;
  $("#passage-text").innerHTML = md(c.text);
  $("#passage").showModal();
}

function addCitation(div, c) {
  const chip = document.createElement("button");
  chip.type = "button";
  chip.className = "chip";
  chip.textContent = `[${c.n}] ${c.title}`;
  chip.onclick = () => showPassage(c);
  div.querySelector(".citations").appendChild(chip);
}

function addTool(div, data, done) {
  const tools = div.querySelector(".tools");
  let el = tools.querySelector(`[data-id="${CSS.escape(data.id)}"]`);
  if (!el) {
    el = document.createElement("details");
    el.dataset.id = data.id;
    el.innerHTML = `<summary></summary><pre></pre>`;
    tools.appendChild(el);
  }
  const args = data.args ?? JSON.parse(el.dataset.args || "{}");
  el.dataset.args = JSON.stringify(args);
  el.querySelector("summary").textContent = `🔧 ${data.name}(${JSON.stringify(args)}) ${done ? (data.status === "error" ? "✗" : "✓") : "…"}`;
  if (done) el.querySelector("pre").textContent = data.content || JSON.stringify(data.output, null, 1);
}

function addActions(div, answer, seq) {
  const box = div.querySelector(".actions");
  box.innerHTML = "";
  const button = (label, fn) => { const b = document.createElement("button"); b.type = "button"; b.textContent = label; b.onclick = fn; box.appendChild(b); return b; };
  button(t("copy"), () => navigator.clipboard?.writeText(answer));
  button(t("export"), () => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([answer], { type: "text/markdown" }));
    a.download = "answer.md"; a.click();
  });
  if (lastQuestion) button(t("retry"), () => send(lastQuestion));
  if (conversationId != null && seq != null) {
    for (const [label, rating] of [["▲ " + t("good"), 1], ["▼ " + t("bad"), -1]]) {
      button(label, async () => {
        const comment = prompt(t("feedbackComment")) || "";
        await apiJson(`/api/conversations/${conversationId}/feedback`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ seq, rating, comment }) });
        box.insertAdjacentHTML("beforeend", `<span class="meta">${esc(t("thanks"))}</span>`);
      });
    }
  }
}

function thinking(div, body) {
  // the model's reasoning (DeepSeek's reasoning_content, Qwen's <think>), folded away above the answer
  let box = div.querySelector("details.thinking pre");
  if (!box) {
    body.insertAdjacentHTML("beforebegin", `<details class="thinking"><summary>${esc(t("thinking"))}</summary><pre></pre></details>`);
    box = div.querySelector("details.thinking pre");
  }
  return box;
}

function renderStored(m) {
  const div = addMessage(m.role);
  if (m.origin === "client") {  // history a chat client sent: not the assistant's words, shown as such
    div.classList.add("from-client");
    div.insertAdjacentHTML("afterbegin", `<div class="meta origin">${esc(t("fromClient"))}</div>`);
  }
  if (m.role === "user") { div.querySelector(".body").textContent = m.content; return; }
  if (m.origin === "client") { div.querySelector(".body").textContent = m.content; return; }
  for (const tc of m.tool_calls || []) addTool(div, { ...tc, content: JSON.stringify(tc.output || {}, null, 1) }, true);
  div.querySelector(".body").innerHTML = md(m.content);
  if (m.audit?.unsupported?.length) highlightUnsupported(div.querySelector(".body"), m.audit.unsupported);
  if (m.error) div.querySelector(".body").insertAdjacentHTML("beforeend", `<p class="error">${esc(m.error)}</p>`);
  for (const c of m.citations || []) addCitation(div, c);
  addActions(div, m.content, m.seq);
}

async function openConversation(id) {
  const conv = await apiJson(`/api/conversations/${id}`);
  conversationId = id;
  $("#messages").innerHTML = "";
  conv.messages.forEach(renderStored);
  $("#starters").hidden = true;
  loadConversations();
}

let workspaceInfo = null;  // the workspace's vocabulary and data window, read once

async function loadWorkspace() {
  if (!workspaceInfo) {
    try { workspaceInfo = await apiJson("/api/workspace"); } catch { workspaceInfo = { regions: [], channels: [], window: null }; }
    const list = $("#region-list");
    if (list) for (const r of workspaceInfo.regions) list.appendChild(new Option(r, r));
    if (workspaceInfo.regions.length) $("#draft-region").placeholder = workspaceInfo.regions.at(-1);
  }
  return workspaceInfo;
}

function nextQuarter(label) {
  const [y, q] = label.split("-Q").map(Number);
  return q === 4 ? `${y + 1}-Q1` : `${y}-Q${q + 1}`;
}

async function renderStarters() {
  const w = await loadWorkspace();
  const win = w.window || { latest_quarter: "", latest_month: "" };
  const fill = { region: w.regions.at(-1), quarter: win.latest_quarter, month: win.latest_month,
                 nextQuarter: win.latest_quarter ? nextQuarter(win.latest_quarter) : "" };
  const box = $("#starters");
  box.innerHTML = "";
  for (const q of t("starters")(fill)) {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = q; b.onclick = () => send(q);
    box.appendChild(b);
  }
}

function setBusy(busy) {
  $("#send").hidden = busy; $("#stop").hidden = !busy;
}
$("#stop").onclick = () => controller?.abort();

async function send(text) {
  if (controller || !text.trim()) return;
  lastQuestion = text;
  controller = new AbortController();
  setBusy(true); $("#starters").hidden = true;
  addMessage("user").querySelector(".body").textContent = text;
  const div = addMessage("assistant");
  const body = div.querySelector(".body");
  let answer = "", seq = null, pending = false;
  const render = () => { pending = false; body.innerHTML = md(answer); $("#messages").scrollTop = 1e9; };
  try {
    const res = await api("/api/chat", {
      method: "POST", headers: { "Content-Type": "application/json" }, signal: controller.signal,
      body: JSON.stringify({ message: text, conversation_id: conversationId }),
    });
    if (!res.ok) throw new Error((await res.json()).detail || res.statusText);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const frames = buffer.split(/\r?\n\r?\n/);
      buffer = frames.pop();
      for (const frame of frames) {
        let event = "message", data = "";
        for (const line of frame.split(/\r?\n/)) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (!data) continue;
        const d = JSON.parse(data);
        if (event === "token") { answer += d.text; if (!pending) { pending = true; requestAnimationFrame(render); } }
        else if (event === "thinking") thinking(div, body).textContent += d.text;  // shown apart, never stored
        else if (event === "tool_start") addTool(div, d, false);
        else if (event === "tool_end") addTool(div, { ...d, args: undefined }, true);
        else if (event === "citation") addCitation(div, d);
        else if (event === "error") body.insertAdjacentHTML("beforeend", `<p class="error">${esc(d.message)}</p>`);
        else if (event === "done") {
          conversationId = d.conversation_id; if (d.answer && d.answer !== answer) answer = d.answer; render();
          if (d.audit?.unsupported?.length) highlightUnsupported(body, d.audit.unsupported);  // an LLM's untraced figures
        }
      }
    }
    const conv = await apiJson(`/api/conversations/${conversationId}`);
    seq = conv.messages.length - 1;
  } catch (err) {
    if (err.name !== "AbortError") body.insertAdjacentHTML("beforeend", `<p class="error">${esc(err.message || err)}</p>`);
  } finally {
    controller = null; setBusy(false);
    addActions(div, answer, seq);
    loadConversations();
  }
}

$("#composer").onsubmit = (e) => { e.preventDefault(); const text = $("#input").value; $("#input").value = ""; send(text); };
$("#input").onkeydown = (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("#composer").requestSubmit(); } };
$("#new-chat").onclick = () => { conversationId = null; $("#messages").innerHTML = ""; $("#starters").hidden = false; loadConversations(); };

applyI18n(); $("#lang-toggle").textContent = LANG === "zh" ? "EN" : "中文";
// the workspace first: every other view asks in it
loadMe().catch(() => {}).finally(() => { renderStarters(); loadHealth(); loadConversations(); showTab(); });
