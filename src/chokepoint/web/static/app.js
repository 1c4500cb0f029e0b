/* chokepoint web UI: a small single-page app over the REST API (same origin, no external requests). */
"use strict";

const state = { lang: localStorage.getItem("lang") || "en", me: null, cache: {}, seq: 0 };
const $ = (sel) => document.querySelector(sel);
const t = (key) => (window.I18N[state.lang] || window.I18N.en)[key] || key;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const u = (s) => encodeURIComponent(String(s ?? "")); // every data value inside a URL or route
const pct = (x) => (x == null ? "" : `${Math.round(x * 1000) / 10}%`);
const badge = (lv) => `<span class="badge lv-${esc(lv)}">${esc(lv === "insufficient_data" ? "n/a" : lv)}</span>`;
// A page renders into #main only while its route is still the current one: a slow page that
// finishes after the user moved on is dropped instead of overwriting the new page.
const main = (seq) => (seq === state.seq ? $("#main") : document.createElement("main"));
const nodeName = (n) => (state.lang === "zh" && n.name_zh ? n.name_zh : n.name);

async function api(path, options = {}) {
  const res = await fetch(path, { credentials: "same-origin", ...options });
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
  if (res.status === 401) { location.hash = "#/login"; throw new Error("login"); }
  if (!res.ok) { const e = new Error(body?.error?.message || res.statusText); e.body = body; throw e; }
  return body;
}

function applyI18n() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("#lang").textContent = state.lang === "zh" ? "English" : "中文";
}

function setNav(project, page) {
  if (!project) { $("#nav").innerHTML = `<a href="#/projects">${t("projects")}</a>`; return; }
  const pages = ["map", "chokepoints", "scenario", "alerts", "report", "lists", "challenges"];
  $("#nav").innerHTML = `<a href="#/projects">${t("projects")}</a>` + pages.map((p) =>
    `<a href="#/p/${u(project)}/${p}" class="${p === page ? "active" : ""}" id="nav-${p}">${t(p)}</a>`).join("");
}

async function attribution(project) {
  try {
    const s = await cached(`summary:${project}`, () => api(`/api/projects/${u(project)}`));
    $("#attribution").textContent = s.meta?.attribution || "";
  } catch { $("#attribution").textContent = ""; }
}

async function cached(key, make) {
  if (!(key in state.cache)) state.cache[key] = await make();
  return state.cache[key];
}

// ---------------------------------------------------------------- pages
const pages = {
  async login() {
    const seq = state.seq;
    setNav(null);
    main(seq).innerHTML = `<form class="login card" id="login-form">
      <h1>${t("login")}</h1>
      <label>${t("username")} <input name="username" id="username" autocomplete="username" required></label>
      <label>${t("password")} <input name="password" id="password" type="password" autocomplete="current-password" required></label>
      <button class="action" type="submit" id="login-button">${t("login")}</button>
      <p class="error" id="login-error"></p></form>`;
    $("#login-form").onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        await api("/api/login", { method: "POST", headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: $("#username").value, password: $("#password").value }) });
        state.me = null; state.cache = {};
        location.hash = "#/projects";
      } catch (e) { $("#login-error").textContent = e.message; }
    };
  },

  async projects() {
    const seq = state.seq;
    setNav(null);
    const rows = await api("/api/projects");
    main(seq).innerHTML = `<h1>${t("projects")}</h1><table id="projects"><tr><th>${t("name")}</th><th></th><th></th></tr>` +
      rows.map((p) => `<tr><td><a href="#/p/${u(p.name)}/map">${esc(p.name)}</a></td>
        <td>${esc(p.nodes)} ${t("nodes")}</td><td class="muted">${esc(p.title)}</td></tr>`).join("") + "</table>";
  },

  async map(project) {
    const seq = state.seq;
    const a = await assessment(project);
    const summary = await cached(`summary:${project}`, () => api(`/api/projects/${u(project)}`));
    const nodes = await cached(`nodes:${project}`, () => api(`/api/projects/${u(project)}/nodes`));
    const byId = Object.fromEntries(a.nodes.map((n) => [n.id, n]));
    const stages = summary.stage_list.map((s) => s.id);
    main(seq).innerHTML = `<h1>${t("map")}</h1><p class="muted">${t("click_node")}</p>
      <p class="legend">${["I", "II", "III", "IV", "low", "insufficient_data"].map(badge).join(" ")}</p><div id="cy"></div>`;
    const colors = { I: "#ff4d4f", II: "#ffa940", III: "#fadb14", IV: "#69b1ff", low: "#95de64", insufficient_data: "#bfbfbf" };
    const edges = await cached(`edges:${project}`, async () => (await api(`/api/projects/${u(project)}/export?format=json`)).edges || []);
    const column = {}; const placed = {};
    const elements = nodes.filter((n) => n.kind !== "stage").map((n) => {
      const col = stages.indexOf(n.stage) >= 0 ? stages.indexOf(n.stage) : stages.length;
      column[col] = (column[col] || 0) + 1; placed[n.id] = [col, column[col]];
      return { data: { id: n.id, label: nodeName(n), color: colors[byId[n.id]?.level] || "#bfbfbf" } };
    });
    elements.forEach((e) => { const [c, r] = placed[e.data.id]; e.position = { x: 320 * c + (r % 2) * 120, y: 26 * r }; });
    const ids = new Set(elements.map((e) => e.data.id));
    edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.kind !== "substitute_for").forEach((e, i) =>
      elements.push({ data: { id: `e${i}`, source: e.source, target: e.target, kind: e.kind } }));
    const cy = window.cytoscape({
      container: $("#cy"), elements, layout: { name: "preset" }, wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: { "background-color": "data(color)", label: "data(label)", "font-size": 9, width: 14, height: 14 } },
        { selector: "edge", style: { width: 1, "line-color": "#c9d1d9", "curve-style": "bezier", "target-arrow-shape": "triangle", "target-arrow-color": "#c9d1d9", "arrow-scale": 0.6 } },
        { selector: 'edge[kind = "type_of"]', style: { "line-style": "dashed" } },
      ],
    });
    window.cyGraph = cy;
    cy.on("tap", "node", (ev) => { location.hash = `#/p/${u(project)}/node/${u(ev.target.id())}`; });
  },

  async chokepoints(project) {
    const seq = state.seq;
    const a = await assessment(project);
    const cols = ["rank", "level", "name", "score", "quadrant", "gap", "criticality", "exposure", "localization", "top_country"];
    let rows = a.nodes.map((n) => ({ ...n, name: nodeName(n), localization: n.indicators.localization,
      top_country: n.indicators.top1_country, gap: n.components[0].value, criticality: n.components[1].value,
      exposure: n.components[2].value, quadrant: state.lang === "zh" ? n.quadrant_zh || n.quadrant : n.quadrant }));
    let sortKey = "rank"; let asc = true;
    const draw = () => {
      const f = ($("#filter")?.value || "").toLowerCase(); const lv = $("#level-filter")?.value || "";
      const shown = rows.filter((r) => (!f || `${r.id} ${r.name}`.toLowerCase().includes(f)) && (!lv || r.level === lv))
        .sort((x, y) => ((x[sortKey] ?? -1) > (y[sortKey] ?? -1) ? 1 : -1) * (asc ? 1 : -1));
      $("#table").innerHTML = `<tr>${cols.map((c) => `<th data-k="${c}">${t(c)}</th>`).join("")}</tr>` + shown.map((r) => `<tr>
        <td>${esc(r.rank)}</td><td>${badge(r.level)}</td><td><a href="#/p/${u(project)}/node/${u(r.id)}">${esc(r.name)}</a></td>
        <td>${r.score == null ? "" : r.score.toFixed(2)}</td><td>${esc(r.quadrant)}</td><td>${r.gap?.toFixed(2) ?? ""}</td>
        <td>${r.criticality?.toFixed(2) ?? ""}</td><td>${r.exposure?.toFixed(2) ?? ""}</td><td>${pct(r.localization)}</td><td>${esc(r.top_country)}</td></tr>`).join("");
      document.querySelectorAll("#table th").forEach((th) => { th.onclick = () => { asc = sortKey === th.dataset.k ? !asc : true; sortKey = th.dataset.k; draw(); }; });
    };
    main(seq).innerHTML = `<h1>${t("chokepoints")}</h1>
      <div class="row"><div class="card"><h2>${t("quadrant_chart")}</h2>${quadrantChart(a.nodes)}</div></div>
      <p>${t("filter")}: <input id="filter"> <select id="level-filter"><option value="">${t("all")}</option>
      ${["I", "II", "III", "IV", "low", "insufficient_data"].map((l) => `<option>${l}</option>`).join("")}</select></p>
      <table id="table"></table>`;
    $("#filter").oninput = draw; $("#level-filter").onchange = draw; draw();
  },

  async node(project, id) {
    const seq = state.seq;
    const [detail, record] = await Promise.all([api(`/api/projects/${u(project)}/nodes/${u(id)}`),
      api(`/api/projects/${u(project)}/assessment/${u(id)}?lang=${state.lang}`).catch(() => null)]);
    const actors = await cached(`actors:${project}`, () => api(`/api/projects/${u(project)}/actors`));
    const actorById = Object.fromEntries(actors.map((x) => [x.id, x]));
    const persp = await api(`/api/projects/${u(project)}/perspective`);
    const bars = (rows) => rows.sort((x, y) => (y.share ?? -1) - (x.share ?? -1)).map((p) => {
      const a = actorById[p.actor] || {}; const c = a.country;
      const cls = persp?.home?.includes(c) ? "home" : persp?.restricted?.includes(c) ? "restricted" : "";
      return `<tr><td>${esc(a.name || p.actor)} <span class="muted">${esc(c)}</span></td><td>${p.share == null ? "?" : pct(p.share)}</td>
        <td><span class="bar ${cls}" style="width:${Math.round((p.share || 0) * 300)}px"></span></td><td class="muted">${esc(p.year ?? "")}</td></tr>`;
    }).join("");
    const geo = detail.provisions.filter((p) => ["country", "region"].includes(actorById[p.actor]?.kind));
    const org = detail.provisions.filter((p) => !["country", "region"].includes(actorById[p.actor]?.kind));
    const alerts = (await api(`/api/projects/${u(project)}/alerts?status=open`).catch(() => [])).filter((x) => x.entity === id || x.entity.startsWith(`${id}|`));
    main(seq).innerHTML = `<h1 id="node-title">${esc(nodeName(detail.node))} <span class="muted">${esc(id)}</span> ${record ? badge(record.level) : ""}</h1>
      ${record ? `<p id="explanation">${esc(record.explanation)}</p>` : ""}
      <div class="row"><div class="card"><h2>${t("providers_country")}</h2><table>${bars(geo) || `<tr><td>${t("none")}</td></tr>`}</table></div>
      <div class="card"><h2>${t("providers_enterprise")}</h2><table>${bars(org) || `<tr><td>${t("none")}</td></tr>`}</table></div></div>
      ${record ? `<div class="card"><h2>${t("components")}</h2><table>${record.components.map((c) => `<tr><td>${esc(t(c.name))}</td><td>${c.value?.toFixed(3) ?? ""}</td><td class="muted">${esc(c.basis)}; ${t("year")} ${esc(c.year ?? "")}</td></tr>`).join("")}</table>
      <p>${t("alternatives")}: ${record.indicators.has_alternative ? "✓" : "✗"}</p></div>` : ""}
      <div class="card"><h2>${t("alerts")}</h2>${alerts.map((x) => `<p>${badge(x.level)} ${esc(state.lang === "zh" ? x.message_zh : x.message_en)}</p>`).join("") || t("none")}</div>`;
  },

  async scenario(project) {
    const seq = state.seq;
    const actors = await cached(`actors:${project}`, () => api(`/api/projects/${u(project)}/actors`));
    const countries = [...new Set(actors.filter((x) => x.kind === "country").map((x) => x.country))].sort();
    const firms = actors.filter((x) => x.kind === "enterprise").sort((x, y) => x.name.localeCompare(y.name));
    main(seq).innerHTML = `<h1>${t("scenario")}</h1><div class="card">
      <p>${t("blockade")} <select id="country">${countries.map((c) => `<option>${esc(c)}</option>`).join("")}</select>
      <button class="action" id="run-blockade">${t("run")}</button></p>
      <p>${t("outage")} <select id="firm">${firms.map((f) => `<option value="${esc(f.id)}">${esc(f.name)}</option>`).join("")}</select>
      <button class="action" id="run-outage">${t("run")}</button></p>
      <p><button class="action" id="run-sweep">${t("sweep")}</button> <span id="sweep-status" class="muted"></span></p></div>
      <div id="result"></div>`;
    const run = async (shock) => {
      const r = await api(`/api/projects/${u(project)}/scenarios/run`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ shocks: [shock] }) });
      $("#result").innerHTML = `<h2>${t("impacted")}: ${esc(r.impacted_nodes)}</h2><p>${t("stopped")}: ${pct(r.final_value_lost)}</p>
        <table id="impacted"><tr><th>${t("availability")}</th><th>${t("node")}</th><th>${t("path")}</th></tr>${r.nodes.map((n) =>
          `<tr><td>${pct(n.availability)}</td><td>${esc(n.id)}</td><td>${esc(n.path)}</td></tr>`).join("")}</table>`;
    };
    $("#run-blockade").onclick = () => run({ type: "blockade", country: $("#country").value });
    $("#run-outage").onclick = () => run({ type: "outage", actor: $("#firm").value });
    $("#run-sweep").onclick = async () => {
      const job = await api(`/api/projects/${u(project)}/scenarios/sweep?by=country`, { method: "POST" });
      let s;
      do { await new Promise((r) => setTimeout(r, 300)); s = await api(job.status_url); $("#sweep-status").textContent = `${s.done}/${s.total ?? "?"}`; } while (s.status === "running");
      const res = await api(s.result_url);
      $("#result").innerHTML = `<h2>${t("sweep")}</h2><table id="sweep"><tr><th>${t("rank")}</th><th>${t("country")}</th><th>${t("stopped")}</th><th>${t("impacted")}</th></tr>${res.ranking.map((r) =>
        `<tr><td>${esc(r.rank)}</td><td>${esc(r.country)} ${esc(r.name)}</td><td>${pct(r.final_value_stopped)}</td><td>${esc(r.nodes_impacted)}</td></tr>`).join("")}</table>`;
    };
  },

  async alerts(project) {
    const seq = state.seq;
    const lv = new URLSearchParams(location.hash.split("?")[1] || "").get("level") || "";
    const rows = await api(`/api/projects/${u(project)}/alerts${lv ? `?level=${u(lv)}` : ""}`);
    main(seq).innerHTML = `<h1>${t("alerts")}</h1><p>${t("level")}: ${["", "I", "II", "III", "IV"].map((l) =>
      `<a href="#/p/${u(project)}/alerts${l ? `?level=${l}` : ""}">${l || t("all")}</a>`).join(" | ")}</p>
      <table id="alerts"><tr><th>#</th><th>${t("level")}</th><th>${t("status")}</th><th>${t("entity")}</th><th>${t("message")}</th><th></th></tr>
      ${rows.map((a) => `<tr data-id="${esc(a.id)}"><td>${esc(a.id)}</td><td>${badge(a.level)}</td><td class="status">${esc(t(`st_${a.status}`))}</td><td>${esc((state.lang === "zh" ? a.entity_name_zh : a.entity_name) || a.entity)}</td>
        <td>${esc(state.lang === "zh" ? a.message_zh : a.message_en)}</td><td>${a.status === "resolved" ? "" :
        `${a.status === "open" ? `<button class="action ack" data-id="${esc(a.id)}">${t("ack")}</button>` : ""} <button class="action resolve" data-id="${esc(a.id)}">${t("resolve")}</button>`}</td></tr>`).join("")}</table>`;
    document.querySelectorAll("button.ack, button.resolve").forEach((b) => {
      b.onclick = async () => {
        await api(`/api/projects/${u(project)}/alerts/${u(b.dataset.id)}/${b.classList.contains("ack") ? "ack" : "resolve"}`, { method: "POST" });
        pages.alerts(project);
      };
    });
  },

  async report(project) {
    const seq = state.seq;
    const indicators = await api("/api/indicators");
    main(seq).innerHTML = `<h1>${t("report")}</h1><div class="row"><form class="card" id="report-form">
      <p><label>${t("indicator")} <select name="indicator">${indicators.map((i) => `<option value="${esc(i.code)}">${esc(state.lang === "zh" ? i.name_zh : i.name_en)} (${esc(i.unit)})</option>`).join("")}</select></label></p>
      <p><label>${t("node")} <input name="node"></label> <label>${t("enterprise")} <input name="enterprise"></label></p>
      <p><label>${t("period")} <input name="period" placeholder="2026-01"></label> <label>${t("value")} <input name="value" type="number" step="any"></label></p>
      <button class="action" type="submit">${t("submit")}</button></form>
      <form class="card" id="upload-form"><p><input type="file" name="file" id="upload-file" accept=".xlsx,.csv"></p>
      <button class="action" type="submit" id="upload-button">${t("upload")}</button></form></div>
      <div id="report-result"></div>`;
    const show = (e) => {
      const problems = e.body?.error?.details?.problems || [];
      $("#report-result").innerHTML = `<p class="error">${t("rejected")}</p><table id="report-errors"><tr><th>row</th><th>column</th><th>${t("reason")}</th></tr>${problems.map((p) =>
        `<tr><td>${esc(p.row)}</td><td>${esc(p.column)}</td><td>${esc(p.reason)}</td></tr>`).join("")}</table>`;
    };
    const done = (c) => { $("#report-result").innerHTML = `<p class="ok" id="report-ok">${t("uploaded")}: ${esc(c.new)} + ${esc(c.replaced)}</p>`; };
    $("#report-form").onsubmit = async (ev) => {
      ev.preventDefault(); const f = new FormData(ev.target);
      try { done(await api(`/api/projects/${u(project)}/observations`, { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ rows: [{ ...Object.fromEntries(f), value: Number(f.get("value")) }] }) })); } catch (e) { show(e); }
    };
    $("#upload-form").onsubmit = async (ev) => {
      ev.preventDefault();
      try { done(await api(`/api/projects/${u(project)}/observations/upload`, { method: "POST", body: new FormData(ev.target) })); } catch (e) { show(e); }
    };
  },

  async lists(project) {
    const seq = state.seq;
    const doc = await api(`/api/projects/${u(project)}/lists?lang=${state.lang}`);
    main(seq).innerHTML = `<h1>${t("lists")}</h1><p><a class="action" id="download" href="/api/projects/${u(project)}/lists/export?lang=${state.lang}">${t("download")}</a></p>` +
      Object.entries(doc.lists).map(([key, rows]) => `<div class="card"><h2 class="list-title">${esc((doc.titles || {})[key] || key)} (${rows.length} ${t("rows")})</h2>
        <table><tr><th>${t("rank")}</th><th>${t("name")}</th><th>${t("reason")}</th><th>${t("coverage")}</th></tr>${rows.slice(0, 10).map((r) => `<tr><td>${esc(r.rank)}</td><td>${esc((state.lang === "zh" ? r.name_zh : r.name) || r.name || "")}</td><td class="muted">${esc(r.goal || r.reason || "")}</td><td>${r.coverage == null ? "" : esc(Math.round(r.coverage * 100) + "%")}</td></tr>`).join("")}</table></div>`).join("");
  },
};

pages.challenges = async (project, id) => {
  const seq = state.seq;
  const base = `/api/projects/${u(project)}/challenges`;
  const rows = await api(base);
  const canPublish = ["admin", "analyst", "officer"].includes(state.me.role);
  main(seq).innerHTML = `<h1>${t("challenges")}</h1><div class="row"><div class="card"><table id="challenges">
    <tr><th>#</th><th>${t("title")}</th><th>${t("nodes_col")}</th><th>${t("status")}</th></tr>
    ${rows.map((c) => `<tr class="${c.id === id ? "active" : ""}"><td><a href="#/p/${u(project)}/challenges/${u(c.id)}" id="ch-${esc(c.id)}">${esc(c.id)}</a></td>
      <td>${esc(c.title)}</td><td>${esc((c.nodes || []).join(", "))}</td><td>${esc(c.status)}</td></tr>`).join("") || `<tr><td colspan="4">${t("none")}</td></tr>`}</table></div>
    ${canPublish ? `<form class="card" id="challenge-form"><h2>${t("publish")}</h2>
      <p><label>${t("title")} <input name="title" id="ch-title" required></label></p>
      <p><label>${t("description")} <input name="description" id="ch-description"></label></p>
      <p><label>${t("nodes_col")} <input name="nodes" id="ch-nodes" placeholder="N20"></label></p>
      <button class="action" type="submit" id="ch-publish">${t("publish")}</button><p class="error" id="ch-error"></p></form>` : ""}</div>
    <div id="matches"></div>`;
  if (canPublish) {
    $("#challenge-form").onsubmit = async (ev) => {
      ev.preventDefault(); const f = new FormData(ev.target);
      const nodes = String(f.get("nodes") || "").split(",").map((x) => x.trim()).filter(Boolean);
      try {
        const c = await api(base, { method: "POST", headers: { "content-type": "application/json" },
          body: JSON.stringify({ title: f.get("title"), description: f.get("description"), nodes }) });
        location.hash = `#/p/${u(project)}/challenges/${u(c.id)}`;
      } catch (e) { $("#ch-error").textContent = e.message; }
    };
  }
  if (!id) return;
  const [c, m] = await Promise.all([api(`${base}/${u(id)}`), api(`${base}/${u(id)}/matches?top=15`)]);
  $("#matches").innerHTML = `<div class="card"><h2 id="challenge-title">${esc(c.id)} ${esc(c.title)}</h2><p class="muted">${esc(c.description)}</p>
    <p>${t("bids")}: ${c.bids.map((b) => esc(b.actor)).join(", ") || t("none")}</p>
    <table id="match-table"><tr><th>${t("rank")}</th><th>${t("name")}</th><th>${t("country")}</th><th>${t("score")}</th><th>${t("explanation")}</th></tr>
    ${m.candidates.map((r) => `<tr><td>${esc(r.rank)}</td><td>${esc(r.name)}</td><td>${esc(r.country)} ${r.restricted ? `<span class="badge lv-I">${t("restricted")}</span>` : ""}</td>
      <td>${r.score.toFixed(2)}</td><td class="muted">${esc(r.explanation)}</td></tr>`).join("")}</table></div>`;
};

function quadrantChart(nodes) {
  const w = 420; const h = 300; const pad = 36;
  const dots = nodes.filter((n) => n.indicators.threshold != null).map((n) => {
    const x = pad + n.indicators.threshold * (w - 2 * pad); const y = h - pad - n.indicators.localization * (h - 2 * pad);
    return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" class="lv-${esc(n.level)}" fill="${{ I: "#ff4d4f", II: "#ffa940", III: "#fadb14", IV: "#69b1ff" }[n.level] || "#bfbfbf"}"><title>${esc(nodeName(n))}</title></circle>`;
  }).join("");
  const q = state.lang === "zh" ? ["攻坚", "长板", "替代", "安全"] : ["tackle", "strength", "substitute", "safe"];
  return `<svg id="quadrant" width="${w}" height="${h}" role="img"><rect x="${pad}" y="${pad}" width="${w - 2 * pad}" height="${h - 2 * pad}" fill="#fff" stroke="#d0d7de"/>
    <line x1="${w / 2}" y1="${pad}" x2="${w / 2}" y2="${h - pad}" stroke="#d0d7de"/><line x1="${pad}" y1="${h - pad - 0.3 * (h - 2 * pad)}" x2="${w - pad}" y2="${h - pad - 0.3 * (h - 2 * pad)}" stroke="#d0d7de"/>
    <text x="${w - pad - 60}" y="${h - pad - 8}" font-size="12">${q[0]}</text><text x="${w - pad - 60}" y="${pad + 14}" font-size="12">${q[1]}</text>
    <text x="${pad + 6}" y="${h - pad - 8}" font-size="12">${q[2]}</text><text x="${pad + 6}" y="${pad + 14}" font-size="12">${q[3]}</text>
    <text x="${w / 2 - 40}" y="${h - 8}" font-size="11">→ ${state.lang === "zh" ? "技术门槛" : "threshold"}</text>
    <text x="4" y="${pad - 10}" font-size="11">↑ ${t("localization")}</text>${dots}</svg>`;
}

async function assessment(project) {
  return cached(`assessment:${project}:${state.lang}`, () => api(`/api/projects/${u(project)}/assessment?lang=${state.lang}`));
}

async function route() {
  const seq = ++state.seq;
  applyI18n();
  const [path] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === "login") return await pages.login();
    if (!state.me) state.me = await api("/api/me");
    $("#who").textContent = `${state.me.name} (${state.me.role})`;
    if (parts[0] === "p" && parts[1]) {
      let [, project, page = "map", id] = parts;
      if (state.me.role === "reporter") page = "report"; // reporters see only their own reporting
      setNav(project, page);
      attribution(project);
      if (typeof pages[page] !== "function") { main(seq).textContent = t("no_page"); return; }
      return await pages[page](project, id);
    }
    return await pages.projects();
  } catch (e) {
    if (e.message !== "login") main(seq).innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
}

$("#lang").onclick = () => { state.lang = state.lang === "zh" ? "en" : "zh"; localStorage.setItem("lang", state.lang); route(); };
$("#logout").onclick = async () => { await api("/api/logout", { method: "POST" }).catch(() => {}); state.me = null; state.cache = {}; location.hash = "#/login"; };
window.addEventListener("hashchange", route);
route();
