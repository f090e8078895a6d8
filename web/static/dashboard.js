// KPI dashboard: cards with the 10% rule's colours, the trend with forecast band and targets
// (ECharts, loaded on first use), alerts marked on the chart, drivers, budget allocation.
let echartsReady = null;
let dashData = null;
const METRIC_KEYS = ["revenue", "cac", "roi", "conversions", "cvr", "cpc", "repurchase_rate"];

function loadEcharts() {
  echartsReady ??= new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "/static/vendor/echarts.min.js"; s.onload = resolve; s.onerror = reject;
    document.head.appendChild(s);
  });
  return echartsReady;
}

function fmt(v, unit) {
  if (v == null) return "—";
  if (unit === "%") return `${v.toFixed(2)}%`;
  if (Math.abs(v) >= 1e8) return `${(v / 1e8).toFixed(2)}亿${unit === "元" ? "元" : ""}`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e4).toFixed(1)}万${unit === "元" ? "元" : ""}`;
  return `${v.toFixed(2)}${unit === "元" ? "元" : ""}`;
}

async function loadDashboard() {
  const params = new URLSearchParams({ metric: $("#dash-metric").value || "cac", lang: LANG });
  if ($("#dash-region").value) params.set("region", $("#dash-region").value);
  if ($("#dash-channel").value) params.set("channel", $("#dash-channel").value);
  if ($("#dash-period").value) params.set("period", $("#dash-period").value);
  const [data] = await Promise.all([apiJson(`/api/dashboard?${params}`), loadEcharts()]);
  dashData = data;
  if (!$("#dash-period").value) $("#dash-period").value = data.period || "";
  const region = $("#dash-region");
  if (region.options.length <= 1) for (const r of data.regions) region.add(new Option(r, r));
  const channel = $("#dash-channel");
  if (channel.options.length <= 1) for (const c of data.channels) channel.add(new Option(c, c));
  renderDashboard();
}

function renderDashboard() {
  const data = dashData;
  if (!data) return;
  const cards = $("#dash-cards");
  cards.innerHTML = "";
  for (const c of data.cards) {
    const b = document.createElement("button");
    b.type = "button"; b.className = `card ${c.status}`;
    b.innerHTML = `<div class="meta"></div><div class="value">${esc(fmt(c.actual, c.unit))}</div><div class="meta">${esc(t("target"))} ${esc(fmt(c.target, c.unit))} · ${c.deviation_pct == null ? "" : (c.deviation_pct > 0 ? "+" : "") + c.deviation_pct.toFixed(1) + "% · "}${esc(t(`status.${c.status}`))}</div>${c.target_basis ? `<div class="meta basis">${esc(t("targetIs"))}${esc(t(`basis.${c.target_basis}`))}</div>` : ""}${c.coverage ? `<div class="meta basis">${esc(t("dataEnds")(c.coverage))}</div>` : ""}`;
    b.querySelector(".meta").textContent = [c.region, c.channel, c.metric_name].filter(Boolean).join(" · ");
    b.onclick = () => { $("#dash-metric").value = c.metric; loadDashboard(); };
    cards.appendChild(b);
  }
  const tr = data.trend;
  const chart = echarts.getInstanceByDom($("#trend-chart")) || echarts.init($("#trend-chart"));
  const dates = [...tr.dates, ...tr.forecast.map((p) => p.date)];
  const pad = (arr, n) => [...arr, ...Array(n).fill(null)];
  const lead = Array(tr.dates.length).fill(null);
  const alerts = data.alerts.filter((a) => a.metric === tr.metric && tr.dates.includes(a.date));
  const box = $("#trend-chart");
  box.dataset.drawn = "";
  chart.off("finished");
  chart.on("finished", () => { box.dataset.drawn = "1"; });
  chart.setOption({
    animationDuration: 400,
    tooltip: { trigger: "axis" },
    legend: { data: [t("actual"), t("target"), t("forecast")] },
    grid: { left: 60, right: 20, top: 40, bottom: 40 },
    xAxis: { type: "category", data: dates },
    yAxis: { type: "value", scale: true },
    series: [
      { name: t("actual"), type: "line", data: pad(tr.actual, tr.forecast.length), showSymbol: false,
        markPoint: { symbol: "pin", symbolSize: 36, data: alerts.map((a) => ({ coord: [a.date, a.value], value: "!", itemStyle: { color: "#cf222e" } })) } },
      { name: t("target"), type: "line", data: pad(tr.target, tr.forecast.length), lineStyle: { type: "dashed" }, showSymbol: false },
      { name: "lower", type: "line", data: [...lead, ...tr.forecast.map((p) => p.lower)], stack: "band", lineStyle: { opacity: 0 }, showSymbol: false, tooltip: { show: false } },
      { name: "band", type: "line", data: [...lead, ...tr.forecast.map((p) => p.upper - p.lower)], stack: "band", lineStyle: { opacity: 0 }, areaStyle: { opacity: 0.2 }, showSymbol: false, tooltip: { show: false } },
      { name: t("forecast"), type: "line", data: [...lead, ...tr.forecast.map((p) => p.forecast)], lineStyle: { type: "dotted" }, showSymbol: false },
    ],
  }, true);
  $("#trend-note").textContent = t("historyNote")(tr.history);
  const ul = $("#dash-alerts");
  ul.innerHTML = data.alerts.length ? "" : `<li>${esc(t("noAlerts"))}</li>`;
  for (const a of data.alerts.slice(0, 12)) {
    const li = document.createElement("li");
    li.textContent = `${a.date} · ${a.channel || a.region} · ${a.metric}: ${fmt(a.value, "")} (${a.change_pct > 0 ? "+" : ""}${a.change_pct}%, z=${a.z})`;
    ul.appendChild(li);
  }
  const drivers = $("#dash-drivers");
  drivers.innerHTML = data.drivers ? `<p>${esc(data.drivers.narrative)}</p><ol>${data.drivers.drivers.map((d) => `<li>${esc(d.detail)}</li>`).join("")}</ol>` : `<p class="meta">—</p>`;
  const bchart = echarts.getInstanceByDom($("#budget-chart")) || echarts.init($("#budget-chart"));
  const chans = data.budget?.channels || [];
  bchart.setOption({
    tooltip: {}, grid: { left: 90, right: 20, top: 10, bottom: 30 },
    xAxis: { type: "value" }, yAxis: { type: "category", data: chans.map((c) => c.channel) },
    series: [{ type: "bar", data: chans.map((c) => c.amount), label: { show: true, position: "right", formatter: (p) => fmt(p.value, "元") } }],
  }, true);
}

function fillMetrics() {
  const sel = $("#dash-metric");
  const current = sel.value || "cac";
  sel.innerHTML = "";
  for (const k of METRIC_KEYS) sel.add(new Option(k, k));
  sel.value = current;
  for (const id of ["#dash-region", "#dash-channel"]) {
    const sel = $(id);
    if (!sel.options.length) sel.add(new Option(t("all"), ""));
    sel.options[0].text = t("all");
  }
}

$("#dash-metric").onchange = loadDashboard;
$("#dash-region").onchange = loadDashboard;
$("#dash-channel").onchange = loadDashboard;
$("#dash-period").onchange = loadDashboard;
$("#dash-why").onclick = () => {
  const card = dashData?.cards.find((c) => c.metric === $("#dash-metric").value);
  const name = card?.metric_name || $("#dash-metric").value;
  location.hash = "#chat";
  send(LANG === "zh" ? `为什么${dashData?.period || ""}${name}偏离目标？` : `Why is ${$("#dash-metric").value} off target in ${dashData?.period || ""}?`);
};
window.addEventListener("tabshown", (e) => { if (e.detail === "dashboard") { fillMetrics(); loadDashboard(); } });
window.addEventListener("langchange", () => { fillMetrics(); if (!$("#view-dashboard").hidden) loadDashboard(); });
window.addEventListener("resize", () => { if (window.echarts) for (const id of ["#trend-chart", "#budget-chart"]) echarts.getInstanceByDom($(id))?.resize(); });
