/* Chain map (lanes by stage, layered by tier, search, filters, highlight, scenario overlay,
 * dependency Sankey) and the node page. */
import { h, mount } from "../dom.js";
import { api, json, t, tv, nameOf, link, pct, num, project, state, u, zh } from "../core.js";
import { badge, bar, card, chart, dataTable, facts, LEVEL_COLORS, LEVELS, muted, none, shareMap } from "../components.js";

const FONT = 11; // px at zoom 1: labels stay readable (the browser test checks >= 10 px, no overlap)

export async function map(el, name) {
  const [layout, a, countries] = await Promise.all([project.layout(name), project.assessment(name), project.countries(name)]);
  const rec = Object.fromEntries([...a.nodes, ...(a.groups || [])].map((n) => [n.id, n]));
  const label = (n) => nameOf(n);
  const byId = Object.fromEntries(layout.nodes.map((n) => [n.id, n]));
  const left = -40; const right = layout.width - layout.column_width + 210;
  const elements = [];
  for (const lane of layout.lanes) {
    elements.push({ group: "nodes", classes: "lane", data: { id: `lane:${lane.stage}`, label: lane.stage ? nameOf(lane) : t("no_stage"),
      w: right - left, h: lane.height - 6 }, position: { x: (left + right) / 2, y: lane.top + lane.height / 2 }, selectable: false, grabbable: false });
  }
  for (const n of layout.nodes) {
    const r = rec[n.id];
    elements.push({ group: "nodes", classes: "item", data: { id: n.id, label: label(n), level: r?.level || "insufficient_data", color: LEVEL_COLORS[r?.level] || LEVEL_COLORS.insufficient_data },
      position: { x: n.x, y: n.y }, grabbable: false });
  }
  layout.edges.forEach((e, i) => { if (byId[e.source] && byId[e.target]) elements.push({ group: "edges", data: { id: `e${i}`, source: e.source, target: e.target, kind: e.kind } }); });

  const box = h("div", { id: "cy", role: "img", "aria-label": t("map") });
  const panel = h("aside", { class: "card map-panel", id: "map-panel", "aria-live": "polite" }, h("p", { class: "muted" }, t("click_node")));
  const search = h("input", { type: "search", id: "map-search", list: "map-names", placeholder: t("search_node"), "aria-label": t("search_node") });
  const names = h("datalist", { id: "map-names" }, layout.nodes.map((n) => h("option", { value: label(n) })));
  const levelSel = h("select", { id: "map-level", "aria-label": t("level") }, h("option", { value: "" }, `${t("level")}: ${t("all")}`), LEVELS.map((l) => h("option", { value: l }, tv("level", l))));
  const kinds = [...new Set(layout.nodes.map((n) => n.kind))].sort();
  const kindSel = h("select", { id: "map-kind", "aria-label": t("kind") }, h("option", { value: "" }, `${t("kind")}: ${t("all")}`), kinds.map((k) => h("option", { value: k }, tv("kind", k))));
  const codes = [...new Set(layout.nodes.flatMap((n) => n.countries))].sort();
  const countrySel = h("select", { id: "map-country", "aria-label": t("country") }, h("option", { value: "" }, `${t("country")}: ${t("all")}`),
    codes.map((c) => h("option", { value: c }, `${countries[c] || c} (${c})`)));
  const shockSel = h("select", { id: "map-shock", "aria-label": t("overlay") }, h("option", { value: "" }, `${t("overlay")}: ${t("none")}`),
    codes.filter((c) => !(a.perspective?.home || []).includes(c)).map((c) => h("option", { value: c }, `${t("blockade")} ${countries[c] || c} (${c})`)));
  const overlayNote = h("p", { class: "muted", id: "overlay-note" });
  const fit = h("button", { type: "button", class: "action", id: "map-fit" }, t("fit"));
  const reset = h("button", { type: "button", class: "action", id: "map-reset" }, t("reset_zoom"));

  mount(el(), h("h1", {}, t("map")),
    h("div", { class: "toolbar" }, search, names, levelSel, kindSel, countrySel, shockSel, fit, reset),
    h("p", { class: "legend" }, LEVELS.map((l) => [badge(l), " "]), muted(t("legend_edges"))), overlayNote,
    h("div", { class: "map-row" }, box, panel),
    card(t("sankey"), h("p", { class: "muted" }, t("sankey_note")), sankey(layout, label)));
  if (!box.isConnected) return;

  const cy = window.cytoscape({
    container: box, elements, layout: { name: "preset" }, minZoom: 0.15, maxZoom: 2.5,
    autoungrabify: true, boxSelectionEnabled: false,
    style: [
      { selector: "node.item", style: { "background-color": "data(color)", "border-width": 1, "border-color": "#57606a", width: 14, height: 14,
        label: "data(label)", "font-size": FONT, "text-halign": "right", "text-valign": "center", "text-margin-x": 5,
        "text-wrap": "wrap", "text-max-width": `${layout.column_width - 48}px`, color: "#1f2328", "min-zoomed-font-size": 0 } },
      { selector: "node.lane", style: { shape: "rectangle", width: "data(w)", height: "data(h)", "background-color": "#f6f8fa", "background-opacity": 1,
        "border-width": 1, "border-color": "#d0d7de", label: "data(label)", "text-halign": "left", "text-valign": "center", "text-margin-x": -8,
        "font-size": 13, "font-weight": "bold", color: "#1f3864", "text-wrap": "wrap", "text-max-width": "120px", events: "no", "z-compound-depth": "bottom", "z-index": 0 } },
      { selector: "edge", style: { width: 1, "line-color": "#afb8c1", "curve-style": "bezier", "target-arrow-shape": "triangle", "target-arrow-color": "#afb8c1", "arrow-scale": 0.7, "z-index": 1 } },
      { selector: 'edge[kind = "type_of"]', style: { "line-style": "dashed" } },
      { selector: ".faded", style: { opacity: 0.15 } },
      { selector: "node.up", style: { "border-width": 3, "border-color": "#0969da" } },
      { selector: "node.down", style: { "border-width": 3, "border-color": "#8250df" } },
      { selector: "edge.up", style: { width: 2.5, "line-color": "#0969da", "target-arrow-color": "#0969da" } },
      { selector: "edge.down", style: { width: 2.5, "line-color": "#8250df", "target-arrow-color": "#8250df" } },
      { selector: "node.focus", style: { "border-width": 4, "border-color": "#1f2328", width: 18, height: 18, "font-weight": "bold" } },
      { selector: "node.hit", style: { "background-color": "data(lossColor)" } },
      { selector: "edge.path", style: { width: 4, "line-color": "#cf222e", "target-arrow-color": "#cf222e", "z-index": 9 } },
    ],
  });
  window.cyGraph = cy;
  state.charts.push({ dispose: () => cy.removeAllListeners(), resize: () => cy.resize() }); // destroy() races its own frame loop
  cy.zoom(1);
  cy.pan({ x: 170, y: 10 });
  const items = cy.nodes(".item");

  const clear = () => cy.elements().removeClass("up down focus faded");
  const focus = (node) => {
    clear();
    const up = node.predecessors(); const down = node.successors();
    cy.elements(".item, edge").not(up).not(down).not(node).addClass("faded");
    up.addClass("up"); down.addClass("down"); node.addClass("focus");
    const r = rec[node.id()];
    mount(panel, h("h2", { id: "panel-title" }, node.data("label")), r ? badge(r.level) : null,
      facts([[t("upstream"), String(up.nodes().length)], [t("downstream"), String(down.nodes().length)],
        [t("score"), r?.score == null ? t("not_available") : num(r.score)], [t("localization"), pct(r?.indicators?.localization)]]),
      r ? h("p", { class: "muted" }, r.explanation) : null,
      h("p", {}, h("a", { href: link(name, "node", node.id()), id: "panel-open", class: "action" }, t("open_node"))));
  };
  cy.on("tap", "node.item", (ev) => focus(ev.target));
  cy.on("tap", (ev) => { if (ev.target === cy) { clear(); applyFilters(); } });
  const applyFilters = () => {
    const lv = levelSel.value; const kind = kindSel.value; const c = countrySel.value;
    items.forEach((n) => {
      const meta = byId[n.id()];
      const ok = (!lv || n.data("level") === lv) && (!kind || meta.kind === kind) && (!c || meta.countries.includes(c));
      n.toggleClass("faded", !ok);
    });
  };
  [levelSel, kindSel, countrySel].forEach((s) => s.addEventListener("change", () => { clear(); applyFilters(); }));
  search.addEventListener("change", () => {
    const q = search.value.trim().toLowerCase();
    const hit = items.filter((n) => n.data("label").toLowerCase() === q || n.id().toLowerCase() === q)[0]
      || items.filter((n) => n.data("label").toLowerCase().includes(q))[0];
    if (hit) { focus(hit); cy.animate({ center: { eles: hit }, zoom: Math.max(cy.zoom(), 1) }, { duration: 200 }); }
  });
  fit.addEventListener("click", () => cy.fit(undefined, 20));
  reset.addEventListener("click", () => { cy.zoom(1); cy.pan({ x: 170, y: 10 }); });
  shockSel.addEventListener("change", async () => {
    clear(); applyFilters();
    items.removeClass("hit"); cy.edges().removeClass("path"); overlayNote.textContent = "";
    if (!shockSel.value) return;
    const asked = shockSel.value;
    try {
      const r = await api(`/api/projects/${u(name)}/scenarios/run?lang=${state.lang}`, json({ shocks: [{ type: "blockade", country: asked }] }));
      if (shockSel.value !== asked || !box.isConnected) return; // a later choice or page won
      for (const n of r.nodes) {
        const node = cy.getElementById(n.id);
        node.data("lossColor", lossColor(n.loss)); node.addClass("hit");
      }
      const worst = r.nodes[0];
      if (worst) {
        const ids = worst.path_nodes;
        for (let i = 0; i + 1 < ids.length; i += 1) cy.getElementById(ids[i + 1]).edgesTo(cy.getElementById(ids[i])).addClass("path");
      }
      overlayNote.textContent = `${t("impacted")}: ${r.impacted_nodes}; ${t("stopped")}: ${pct(r.final_value_lost)}${r.final_value_lost_upper > r.final_value_lost ? ` (${t("up_to")} ${pct(r.final_value_lost_upper)})` : ""}. ${worst ? `${t("path")}: ${worst.path}` : ""}`;
    } catch (e) { overlayNote.textContent = e.message; }
  });
}

const lossColor = (loss) => `hsl(0, 80%, ${Math.round(92 - 50 * Math.max(0, Math.min(1, loss)))}%)`;

/** Sankey of the input_of dependencies (each edge one unit of dependency), final products right. */
function sankey(layout, label) {
  const inputs = layout.edges.filter((e) => e.kind === "input_of");
  const used = new Set(inputs.flatMap((e) => [e.source, e.target]));
  const nodes = layout.nodes.filter((n) => used.has(n.id));
  return chart({
    tooltip: { trigger: "item" },
    series: [{ type: "sankey", nodeAlign: "right", left: 10, right: 130, nodeGap: 12, nodeWidth: 14, emphasis: { focus: "adjacency" },
      data: nodes.map((n) => ({ name: n.id })),
      links: inputs.map((e) => ({ source: e.source, target: e.target, value: 1 })),
      label: { fontSize: 11, width: 105, overflow: "truncate", formatter: (p) => label(layout.nodes.find((n) => n.id === p.name) || {}) },
      lineStyle: { color: "source", opacity: 0.3 } }],
  }, { id: "sankey", height: 900 });
}

export async function node(el, name, id) {
  const [detail, record, actors, persp, countries] = await Promise.all([
    api(`/api/projects/${u(name)}/nodes/${u(id)}`),
    api(`/api/projects/${u(name)}/assessment/${u(id)}?lang=${state.lang}`).catch(() => null),
    project.actors(name), project.perspective(name), project.countries(name)]);
  const actorById = Object.fromEntries(actors.map((x) => [x.id, x]));
  const [alerts, progress, history] = await Promise.all([
    api(`/api/projects/${u(name)}/alerts?status=open`).catch(() => []),
    api(`/api/projects/${u(name)}/nodes/${u(id)}/progress?lang=${state.lang}`).catch(() => ({ tasks: [], challenges: [] })),
    api(`/api/projects/${u(name)}/snapshots/node/${u(id)}`).catch(() => [])]);
  const standing = (c) => (persp?.home?.includes(c) ? "home" : persp?.restricted?.includes(c) ? "restricted" : persp?.allied?.includes(c) ? "allied" : "");
  const rows = (geo) => detail.provisions.filter((p) => ["country", "region"].includes(actorById[p.actor]?.kind) === geo)
    .map((p) => ({ ...p, who: actorById[p.actor] || { name: p.actor } }))
    .sort((x, y) => (y.share ?? -1) - (x.share ?? -1));
  const providerTable = (list, idName) => dataTable(list, [
    { key: "who", label: t("name"), value: (p) => nameOf(p.who), cell: (p) => (["country", "region"].includes(p.who.kind) ? `${countries[p.who.country] || nameOf(p.who)} (${p.who.country})`
      : [nameOf(p.who), " ", muted(p.who.country ? `${countries[p.who.country] || p.who.country}` : "")]) },
    { key: "standing", label: t("standing"), value: (p) => (standing(p.who.country) ? t(standing(p.who.country)) : "") },
    { key: "share", label: t("share"), value: (p) => p.share, cell: (p) => (p.share == null ? t("unknown") : pct(p.share)) },
    { key: "bar", label: "", cell: (p) => bar(p.share, standing(p.who.country)), sort: (p) => p.share },
    { key: "year", label: t("year") },
  ], { id: idName, pageSize: 15, filter: false });
  const taskProgress = (x) => h("div", { class: "task-progress" },
    h("p", {}, h("a", { href: link(name, "tasks") }, x.task_id), " ", x.goal || "", " ", muted(tv("task_status", x.status)),
      x.milestones.length ? muted(` · ${x.done}/${x.milestones.length} ${t("milestones_done")}`) : null),
    x.milestones.length ? h("ul", {}, x.milestones.map((m) => h("li", {}, `${m.id} ${m.kind_label}: `, m.title, ` (${m.target}) `, muted(m.status_label)))) : null,
    x.consortium ? h("p", {}, muted(`${t("consortium")}: `), x.consortium.map((c) => c.name).join("; ")) : null);
  const mine = (x) => x.entity === id || String(x.entity).startsWith(`${id}|`);
  const node = detail.node;
  const isGroup = record && !record.indicators; // a category: its members carry the evidence
  if (isGroup) {
    const a = await project.assessment(name);
    const byId = Object.fromEntries(a.nodes.map((n) => [n.id, n]));
    mount(el(), h("h1", { id: "node-title" }, nameOf(node), " ", muted(id), " ", badge(record.level)),
      h("p", {}, h("a", { href: link(name, "map") }, `← ${t("map")}`)),
      h("p", { id: "explanation" }, record.explanation),
      card(`${t("members_of")} (${record.n_members})`, dataTable(record.members.map((m) => byId[m] || { id: m, name: m }), [
        { key: "name", label: t("name"), value: (r) => nameOf(r), cell: (r) => h("a", { href: link(name, "node", r.id) }, nameOf(r)) },
        { key: "level", label: t("level"), cell: (r) => (r.level ? badge(r.level) : ""), sort: (r) => LEVELS.indexOf(r.level) },
        { key: "score", label: t("score"), cell: (r) => (r.score == null ? t("not_available") : num(r.score)) },
        { key: "localization", label: t("localization"), value: (r) => r.indicators?.localization, cell: (r) => pct(r.indicators?.localization) }], { id: "members" })));
    return;
  }
  mount(el(),
    h("h1", { id: "node-title" }, nameOf(node), " ", muted(id), " ", record ? badge(record.level) : null),
    h("p", {}, h("a", { href: link(name, "map") }, `← ${t("map")}`)),
    record ? h("p", { id: "explanation" }, record.explanation) : h("p", { class: "muted" }, t("not_assessed")),
    record ? facts([[t("kind"), tv("kind", node.kind)], [t("quadrant"), zh() ? record.quadrant_zh : tv("quadrant", record.quadrant)],
      [t("localization"), pct(record.indicators.localization)], [t("restricted_share"), pct(record.indicators.restricted_share)],
      [t("coverage"), pct(record.indicators.coverage_country)], [t("alternatives"), record.indicators.has_alternative ? t("yes") : t("no")],
      [t("year"), record.indicators.year]]) : null,
    h("div", { class: "row" }, card(t("providers_country"), providerTable(rows(true), "providers-country"),
      shareMap(rows(true).filter((p) => p.share != null).map((p) => ({ code: p.who.country, value: p.share })), countries, { id: "provider-map", label: t("share") }),
      h("p", { class: "muted" }, t("map_note"))),
      card(t("providers_enterprise"), providerTable(rows(false), "providers-enterprise"))),
    record ? card(t("components"), componentBars(record.components), dataTable(record.components, [
      { key: "name", label: t("component"), value: (c) => tv("component", c.name) },
      { key: "value", label: t("value"), value: (c) => c.value, cell: (c) => num(c.value, 3) },
      { key: "basis", label: t("basis"), value: (c) => tv("basis", c.basis) },
      { key: "coverage", label: t("coverage"), cell: (c) => pct(c.coverage) },
      { key: "weight", label: t("weight"), cell: (c) => (c.weight == null ? "" : num(c.weight, 3)) },
      { key: "year", label: t("year") }], { id: "components", filter: false })) : null,
    card(t("history"), history.length ? historyChart(history) : h("p", { class: "muted" }, t("no_snapshots"))),
    h("div", { class: "row" },
      card(t("alerts"), alerts.filter(mine).length ? alerts.filter(mine).map((x) => h("p", {}, badge(x.level), " ", zh() ? x.message_zh : x.message_en)) : none()),
      card(t("tasks"), progress.tasks.length ? progress.tasks.map(taskProgress) : none()),
      card(t("challenges"), progress.challenges.length
        ? progress.challenges.map((c) => h("p", {}, h("a", { href: link(name, "challenges", c.id) }, c.id), " ", c.title, " ", muted(tv("challenge_status", c.status)))) : none())),
  );
}

/** The node's score in every snapshot (line), each point coloured by its level. */
function historyChart(history) {
  const points = history.map((r) => ({ value: [`#${r.snapshot} ${r.as_of || ""}`, r.score], level: r.level,
    itemStyle: { color: LEVEL_COLORS[r.level] || LEVEL_COLORS.insufficient_data } }));
  return chart({
    grid: { left: 50, right: 20, top: 20, bottom: 40 },
    tooltip: { trigger: "item", formatter: (p) => `${p.data.value[0]}\n${t("score")}: ${num(p.data.value[1])}\n${t("level")}: ${tv("level", p.data.level)}` },
    xAxis: { type: "category", name: t("snapshot"), nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "value", min: 0, max: 1, name: t("score") },
    series: [{ type: "line", data: points, symbolSize: 10, connectNulls: false, lineStyle: { color: "#57606a" } }],
  }, { id: "history-chart", height: 240 });
}

function componentBars(components) {
  const shown = components.filter((c) => c.value != null);
  return chart({
    grid: { left: 8, right: 30, top: 10, bottom: 24, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", min: 0, max: 1 },
    yAxis: { type: "category", data: shown.map((c) => tv("component", c.name)).reverse() },
    series: [{ type: "bar", data: shown.map((c) => ({ value: Number(c.value.toFixed(3)), itemStyle: { color: c.basis === "proxy" ? "#afb8c1" : "#1f3864" } })).reverse() }],
  }, { id: "component-bars", height: 40 + 26 * shown.length });
}
