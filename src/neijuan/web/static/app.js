// The page: scenario picker, sliders, run with progress, plots, atlas browsing, zh / en.
// Every number comes from the API; this file only draws.
"use strict";
let TEXT = {}, FIGZH = {}, LANG = localStorage.getItem("neijuan-lang") || "zh";
let LAST = null, SCEN = [], EXPO = null, OCC = null;
const $ = (id) => document.getElementById(id);
const t = (k) => (TEXT[k] ? TEXT[k][LANG] : k);
const esc = (v) => String(v ?? "").replace(/[&<>"']/g,
  (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const FONT = {family: '"Noto Sans CJK SC", "Noto Sans SC", sans-serif'};

async function api(path, opts) {
  const r = await fetch(path, opts);
  const body = await r.json().catch(() => ({error: r.statusText}));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function label(name, fallback) {
  return LANG === "zh" && FIGZH[name] ? FIGZH[name] : (fallback || name);
}

function applyLang() {
  document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  $("title").textContent = "neijuan · " + t("title");
  const s = SCEN.find((x) => x.name === $("scenario").value);
  $("scenario-desc").textContent = s ? s.description : "";
  if (LAST) draw(LAST);
  if (EXPO) drawExposure(EXPO);
  if (OCC) drawOccupation(OCC);
}

async function loadSliders() {
  const rows = await api("/api/parameters?scenario=" + encodeURIComponent($("scenario").value));
  const box = $("sliders");
  box.innerHTML = "";
  for (const p of rows) {
    const id = "p-" + p.key.replace(".", "-");
    const lab = document.createElement("label");
    lab.title = p.description;
    lab.innerHTML = `<code>${p.key}</code> = <span id="${id}-v">${p.value}</span>`;
    const input = document.createElement("input");
    Object.assign(input, {type: "range", id, min: p.min, max: p.max, step: p.step, value: p.value});
    input.dataset.key = p.key;
    input.dataset.initial = p.value;
    input.oninput = () => { $(id + "-v").textContent = Number(input.value).toPrecision(3); };
    lab.appendChild(input);
    box.appendChild(lab);
  }
}

async function run() {
  const overrides = {};
  document.querySelectorAll("#sliders input").forEach((el) => {
    if (el.value !== el.dataset.initial) overrides[el.dataset.key] = Number(el.value);
  });
  const body = {scenario: $("scenario").value, workers: +$("workers").value,
                periods: +$("periods").value, seeds: +$("seeds").value, overrides};
  const burn = new URLSearchParams(location.search).get("burn_in");
  if (burn !== null) body.burn_in = +burn;
  $("run").disabled = true;
  $("status").textContent = t("queued");
  try {
    const job = await api("/api/simulate", {method: "POST",
      headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
    for (;;) {
      const st = await api(job.status_url);
      $("progress").value = st.progress;
      $("status").textContent = `${t(st.status)} ${Math.round(100 * st.progress)}%` +
        (st.eta_s != null ? ` · eta ${st.eta_s}s` : "");
      if (st.status === "done") break;
      if (st.status === "failed") throw new Error(st.error);
      await new Promise((r) => setTimeout(r, 400));
    }
    LAST = await api(job.result_url);
    draw(LAST);
    $("status").textContent = t("done");
  } catch (e) {
    $("status").textContent = t("failed") + ": " + e.message;
  } finally {
    $("run").disabled = false;
  }
}

function band(x, b, name, colour, dash, legend) {
  return [
    {x, y: b.hi, mode: "lines", line: {width: 0}, showlegend: false, hoverinfo: "skip"},
    {x, y: b.lo, mode: "lines", line: {width: 0}, fill: "tonexty",
     fillcolor: colour.replace("1)", "0.18)"), showlegend: false, hoverinfo: "skip"},
    {x, y: b.mean, mode: "lines", name, line: {color: colour, dash}, showlegend: legend},
  ];
}

function draw(res) {
  const box = $("plots");
  box.innerHTML = "";
  const names = ["effort_per_position", "real_reward_per_position", "output_per_employed",
                 "employment", "unemployment_rate", "retained_not_needed_share"];
  const st = res.stamp;
  names.forEach((name, i) => {
    const div = document.createElement("div");
    div.className = "plot";
    div.style.display = "inline-block";
    div.style.width = "49%";
    box.appendChild(div);
    let data = band(res.bands.year, res.bands.figures[name], t("with_ai"), "rgba(31,95,168,1)",
                    "solid", i === 0);
    if (res.twin_bands.figures[name]) {
      data = data.concat(band(res.twin_bands.year, res.twin_bands.figures[name], t("no_ai"),
                              "rgba(194,69,45,1)", "dot", i === 0));
    }
    Plotly.newPlot(div, data, {title: {text: label(name), font: {size: 14}}, height: 280,
      margin: {l: 50, r: 10, t: 40, b: 30}, font: FONT, legend: {orientation: "h"},
      xaxis: {tickformat: ".1~f"}},
      {displaylogo: false, responsive: true});
  });
  const p = document.createElement("p");
  p.className = "muted";
  p.textContent = `${t("scenario")} ${st.scenario} · ${st.seeds.length} ${t("seeds")} · ` +
    `${st.workers} ${t("workers")} · ${t("data")}: ${st.data} · ${t("code")} ${st.code_version}`;
  box.appendChild(p);
  const rows = res.rows.filter((r) => r.effect !== null).slice(0, 24);
  const fmt = (v, u, eff) => v === null ? "-" : u === "share" ? (100 * v).toFixed(1) + (eff ? "pp" : "%")
    : u === "1/yr" ? (100 * v).toFixed(2) + (eff ? "pp/yr" : "%/yr") : v.toPrecision(3);
  $("effects").innerHTML = `<p class="muted">${t("effect_note")}</p><table><tr><th>${t("figure")}` +
    `</th><th>${t("level")}</th><th>${t("ai_effect")}</th><th>${t("range")}</th></tr>` +
    rows.map((r) => `<tr><td>${esc(label(r.figure, r.description))}</td><td>${fmt(r.mean, r.unit)}</td>` +
      `<td>${fmt(r.effect, r.unit, true)}</td><td>${fmt(r.effect_lo, r.unit, true)} .. ` +
      `${fmt(r.effect_hi, r.unit, true)}</td></tr>`).join("") + "</table>";
}

async function search() {
  const q = $("q").value.trim();
  if (!q) return;
  try {
    const hits = await api("/api/atlas/search?q=" + encodeURIComponent(q));
    $("hits").innerHTML = "";
    for (const h of hits) {
      const li = document.createElement("li");
      li.textContent = `${h.soc} ${h.title} (${h.matched})`;
      li.onclick = () => show(h.soc);
      $("hits").appendChild(li);
    }
  } catch (e) { $("hits").textContent = e.message; }
}

async function show(code) {
  OCC = await api("/api/atlas/occupations/" + encodeURIComponent(code) + "?tasks=12");
  drawOccupation(OCC);
}

function drawOccupation(d) {
  const o = d.occupation;
  const idx = d.indices.filter((i) => i.value !== null).map((i) =>
    `<tr><td>${esc(i.label)}</td><td>${Number(i.value).toPrecision(3)}</td>` +
    `<td>${i.percentile === null ? "-" : Math.round(100 * i.percentile) + "%"}</td></tr>`).join("");
  const tasks = d.tasks.map((x) => `<li>${esc(x.statement)} <span class="muted">(${esc(x.human_role)})</span></li>`).join("");
  $("occupation").innerHTML = `<h3>${esc(o.soc)} ${esc(o.title)}</h3><p class="muted">${t("median_wage")}: ` +
    `${esc(o.median_wage ?? "-")}</p><h4>${t("indices")}</h4><table>${idx}</table>` +
    `<h4>${t("tasks")} (${d.n_tasks})</h4><ol>${tasks}</ol>`;
}

async function exposure() {
  try {
    EXPO = await api("/api/atlas/exposure");
    drawExposure(EXPO);
    $("exposure").on("plotly_click", (ev) => show(ev.points[0].text.split(" ")[0]));
  } catch (e) { $("exposure").textContent = t("absent_atlas") + " (" + e.message + ")"; }
}

function drawExposure(d) {
    const occ = d.occupations;
    Plotly.newPlot($("exposure"), [{x: occ.map((o) => o.median_wage), y: occ.map((o) => o.value),
      text: occ.map((o) => o.soc + " " + o.title), mode: "markers", type: "scatter",
      marker: {opacity: 0.5, size: 6}}], {title: {text: t("exposure_wage") + " (" + d.index + ")"},
      xaxis: {type: "log", title: {text: t("median_wage")}}, height: 380, font: FONT},
      {displaylogo: false, responsive: true});
}

async function init() {
  const i18n = await api("/api/i18n");
  TEXT = i18n.text; FIGZH = i18n.figures_zh;
  SCEN = await api("/api/scenarios");
  for (const s of SCEN) {
    const opt = document.createElement("option");
    opt.value = s.name; opt.textContent = s.name;
    $("scenario").appendChild(opt);
  }
  $("scenario").value = "ai-baseline";
  $("scenario").onchange = () => { applyLang(); loadSliders(); };
  $("run").onclick = run;
  $("search").onclick = search;
  $("q").onkeydown = (e) => { if (e.key === "Enter") search(); };
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.onclick = () => { LANG = b.dataset.lang; localStorage.setItem("neijuan-lang", LANG); applyLang(); };
  }
  applyLang();
  await loadSliders();
  exposure();
  document.body.dataset.ready = "1";
}
init();
