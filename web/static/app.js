// The chat page: streams /api/chat over SSE (fetch + ReadableStream, since the request is a POST).
const $ = (sel) => document.querySelector(sel);
let conversationId = null;
let busy = false;

const md = (text) => DOMPurify.sanitize(marked.parse(text || ""));

// Every API call goes through here: a 401 means the session is gone, so go and sign in.
async function api(path, options) {
  const res = await fetch(path, options);
  if (res.status === 401) { location.href = "/login"; throw new Error("signed out"); }
  return res;
}

async function loadHealth() {
  const h = await (await api("/api/health")).json();
  const badge = $("#engine-badge");
  badge.textContent = `${h.engine === "offline" ? "离线引擎" : "LLM"} · ${h.model}`;
  badge.classList.toggle("offline", h.engine === "offline");
}

async function loadConversations() {
  const list = await (await api("/api/conversations")).json();
  const ul = $("#conversations");
  ul.innerHTML = "";
  for (const c of list) {
    const li = document.createElement("li");
    li.textContent = c.title || c.id;
    li.tabIndex = 0;
    li.dataset.id = c.id;
    li.classList.toggle("active", c.id === conversationId);
    li.onclick = () => openConversation(c.id);
    li.onkeydown = (e) => { if (e.key === "Enter") openConversation(c.id); };
    ul.appendChild(li);
  }
}

function addMessage(role) {
  const div = document.createElement("div");
  div.className = `msg ${role}`;
  div.innerHTML = `<div class="tools"></div><div class="body"></div><div class="citations"></div>`;
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
  let el = tools.querySelector(`[data-id="${data.id}"]`);
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

function renderStored(m) {
  const div = addMessage(m.role);
  if (m.role === "user") { div.querySelector(".body").textContent = m.content; return; }
  for (const t of m.tool_calls || []) addTool(div, { ...t, content: JSON.stringify(t.output || {}, null, 1) }, true);
  div.querySelector(".body").innerHTML = md(m.content);
  if (m.error) div.querySelector(".body").insertAdjacentHTML("beforeend", `<p class="error"></p>`), div.querySelector(".error").textContent = m.error;
  for (const c of m.citations || []) addCitation(div, c);
}

async function openConversation(id) {
  const conv = await (await api(`/api/conversations/${id}`)).json();
  conversationId = id;
  $("#messages").innerHTML = "";
  conv.messages.forEach(renderStored);
  $("#starters").hidden = true;
  loadConversations();
}

async function send(text) {
  if (busy || !text.trim()) return;
  busy = true; $("#send").disabled = true; $("#starters").hidden = true;
  addMessage("user").querySelector(".body").textContent = text;
  const div = addMessage("assistant");
  const body = div.querySelector(".body");
  let answer = "";
  try {
    const res = await api("/api/chat", {
      method: "POST", headers: { "Content-Type": "application/json" },
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
        if (event === "token") { answer += d.text; body.innerHTML = md(answer); $("#messages").scrollTop = 1e9; }
        else if (event === "tool_start") addTool(div, d, false);
        else if (event === "tool_end") addTool(div, { ...d, args: undefined }, true);
        else if (event === "citation") addCitation(div, d);
        else if (event === "error") body.insertAdjacentHTML("beforeend", `<p class="error">${DOMPurify.sanitize(d.message)}</p>`);
        else if (event === "done") { conversationId = d.conversation_id; if (d.answer && d.answer !== answer) body.innerHTML = md(d.answer); }
      }
    }
  } catch (err) {
    body.insertAdjacentHTML("beforeend", `<p class="error">${DOMPurify.sanitize(String(err.message || err))}</p>`);
  } finally {
    busy = false; $("#send").disabled = false;
    loadConversations();
  }
}

$("#composer").onsubmit = (e) => { e.preventDefault(); const t = $("#input").value; $("#input").value = ""; send(t); };
$("#input").onkeydown = (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("#composer").requestSubmit(); } };
$("#new-chat").onclick = () => { conversationId = null; $("#messages").innerHTML = ""; $("#starters").hidden = false; loadConversations(); };
document.querySelectorAll("#starters button").forEach((b) => (b.onclick = () => send(b.textContent)));
loadHealth(); loadConversations();
