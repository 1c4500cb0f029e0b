/* Chokepoints: level distribution, quadrant chart, the ranked table with groups folding their
 * members, and the stability of the top of the ranking under a weight sweep. */
import { h, mount } from "../dom.js";
import { api, t, tv, nameOf, link, pct, num, project, state, u, zh } from "../core.js";
import { badge, card, chart, dataTable, LEVEL_COLORS, LEVELS, muted } from "../components.js";

/** A small deterministic offset in [-1, 1] per id, so piled points stay apart (jitter). */
function jitter(id, salt) {
  let x = salt;
  for (const ch of String(id)) x = (x * 31 + ch.charCodeAt(0)) % 100003;
  return (x / 100003) * 2 - 1;
}

export async function chokepoints(el, name) {
  const a = await project.assessment(name);
  const stability = await api(`/api/projects/${u(name)}/assessment?top=1&stability=true&lang=${state.lang}`).then((d) => d.stability).catch(() => null);
  const cfg = a.config || {};
  const groupOf = {};
  for (const g of a.groups || []) for (const m of g.members) groupOf[m] = g;
  const counts = LEVELS.map((l) => a.nodes.filter((n) => n.level === l).length);
  const rows = a.nodes.map((n) => ({
    ...n, label: nameOf(n), gap: n.components.find((c) => c.name === "gap_pillar")?.value,
    criticality: n.components.find((c) => c.name === "criticality")?.value,
    exposure: n.components.find((c) => c.name === "exposure")?.value,
    localization: n.indicators.localization, top_country: n.indicators.top1_country, groupName: groupOf[n.id] ? nameOf(groupOf[n.id]) : "",
  }));
  let folded = true;
  const byId = Object.fromEntries(a.nodes.map((n) => [n.id, n]));
  const memberName = Object.fromEntries(a.nodes.map((n) => [n.id, nameOf(n)]));
  const levelFilter = h("select", { id: "level-filter", "aria-label": t("level") }, h("option", { value: "" }, `${t("level")}: ${t("all")}`), LEVELS.map((l) => h("option", { value: l }, tv("level", l))));
  const foldBox = h("input", { type: "checkbox", id: "fold-groups", checked: true });
  const columns = [
    { key: "rank", label: t("rank") },
    { key: "level", label: t("level"), cell: (r) => badge(r.level), sort: (r) => LEVELS.indexOf(r.level) },
    { key: "label", label: t("name"), value: (r) => (r.members ? `${r.label} ${r.members.map((m) => memberName[m]).join(" ")}` : r.label),
      sort: (r) => r.label,
      cell: (r) => [h("a", { href: link(name, "node", r.id) }, r.label), r.members ? [muted(` (${r.n_members} ${t("members")})`), h("br"),
        r.members.map((m, i) => [i ? ", " : "", h("a", { href: link(name, "node", m), class: "member" }, memberName[m] || m), " ", byId[m] ? badge(byId[m].level) : null])] : null] },
    { key: "groupName", label: t("group") },
    { key: "score", label: t("score"), cell: (r) => (r.score == null ? t("not_available") : num(r.score)) },
    { key: "quadrant", label: t("quadrant"), value: (r) => (r.quadrant ? (zh() ? r.quadrant_zh : tv("quadrant", r.quadrant)) : "") },
    { key: "gap", label: t("gap"), cell: (r) => num(r.gap) },
    { key: "criticality", label: t("criticality"), cell: (r) => num(r.criticality) },
    { key: "exposure", label: t("exposure"), cell: (r) => num(r.exposure) },
    { key: "localization", label: t("localization"), cell: (r) => pct(r.localization) },
    { key: "top_country", label: t("top_country") },
  ];
  const shownRows = () => {
    const lv = levelFilter.value;
    let list = rows.filter((r) => !lv || r.level === lv);
    if (folded && !lv) { // a level filter shows every node of that level, members included
      const groups = (a.groups || []).map((g) => ({ ...g, rank: "", label: nameOf(g), level: g.level, groupName: "", members: g.members }));
      list = list.filter((r) => !groupOf[r.id]).concat(groups);
    }
    return list;
  };
  const table = dataTable(shownRows(), columns, { id: "table", pageSize: 30 });
  const redraw = () => { folded = foldBox.checked; table.redraw(shownRows()); };
  levelFilter.addEventListener("change", redraw); foldBox.addEventListener("change", redraw);

  mount(el(), h("h1", {}, t("chokepoints")),
    h("p", { class: "muted" }, t("chokepoints_note")),
    h("div", { class: "row" },
      card(t("level_distribution"), chart({
        grid: { left: 40, right: 20, top: 20, bottom: 30 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: LEVELS.map((l) => tv("level", l)) },
        yAxis: { type: "value", name: t("nodes_col"), minInterval: 1 },
        series: [{ type: "bar", data: counts.map((c, i) => ({ value: c, itemStyle: { color: LEVEL_COLORS[LEVELS[i]] } })), label: { show: true, position: "top" } }],
      }, { id: "levels-chart", height: 280 })),
      card(t("quadrant_chart"), quadrant(a.nodes, cfg))),
    h("div", { class: "toolbar" }, levelFilter, h("label", {}, foldBox, " ", t("fold_groups"))),
    table,
    stability ? card(t("stability"), h("p", { class: "muted" }, t("stability_note")),
      h("p", {}, `${t("jaccard_mean")}: ${num(stability.jaccard_mean)}; ${t("jaccard_min")}: ${num(stability.jaccard_min)}; ${t("tau_mean")}: ${num(stability.tau_mean)}`),
      chart({
        grid: { left: 8, right: 30, top: 10, bottom: 30, containLabel: true },
        tooltip: { trigger: "axis", valueFormatter: (v) => `${Math.round(v * 100)}%` },
        xAxis: { type: "value", min: 0, max: 1, name: t("membership"), nameLocation: "middle", nameGap: 22, axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } },
        yAxis: { type: "category", data: stability.top_ids.map((i) => nameOf(a.nodes.find((n) => n.id === i) || { name: i })).reverse() },
        series: [{ type: "bar", data: stability.top_ids.map((i) => stability.membership[i]).reverse(), itemStyle: { color: "#1f3864" } }],
      }, { id: "stability-chart", height: 40 + 24 * stability.top_ids.length })) : null);
}

function quadrant(nodes, cfg) {
  const xCut = cfg.threshold_high ?? 0.5; const yCut = cfg.localization_high ?? 0.3;
  const series = LEVELS.map((l) => ({
    name: tv("level", l), type: "scatter", symbolSize: 9, itemStyle: { color: LEVEL_COLORS[l], borderColor: "#57606a", borderWidth: 0.5, opacity: 0.85 },
    data: nodes.filter((n) => n.level === l && n.indicators.threshold != null && n.indicators.localization != null).map((n) => ({
      value: [n.indicators.threshold + 0.012 * jitter(n.id, 7), n.indicators.localization + 0.012 * jitter(n.id, 13)],
      name: nameOf(n), raw: [n.indicators.threshold, n.indicators.localization], id: n.id })),
  }));
  series[0].markLine = { silent: true, symbol: "none", lineStyle: { color: "#8c959f", type: "dashed" }, label: { show: false },
    data: [{ xAxis: xCut }, { yAxis: yCut }] };
  series[0].markArea = { silent: true, itemStyle: { color: "transparent" }, label: { color: "#57606a", fontSize: 12 },
    data: [
      [{ name: `${tv("quadrant", "tackle")}`, coord: [xCut, 0] }, { coord: [1, yCut] }],
      [{ name: `${tv("quadrant", "strength")}`, coord: [xCut, yCut] }, { coord: [1, 1] }],
      [{ name: `${tv("quadrant", "substitute")}`, coord: [0, 0] }, { coord: [xCut, yCut] }],
      [{ name: `${tv("quadrant", "safe")}`, coord: [0, yCut] }, { coord: [xCut, 1] }]] };
  return chart({
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 50 },
    tooltip: { trigger: "item", formatter: (p) => `${p.data.name}\n${t("threshold")}: ${num(p.data.raw[0])}\n${t("localization")}: ${pct(p.data.raw[1])}` },
    xAxis: { type: "value", min: -0.03, max: 1.03, name: t("threshold_index"), nameLocation: "middle", nameGap: 28, axisLabel: { formatter: (v) => (v < 0 || v > 1 ? "" : v.toFixed(1)) } },
    yAxis: { type: "value", min: -0.03, max: 1.03, name: t("localization"), axisLabel: { formatter: (v) => (v < 0 || v > 1 ? "" : `${Math.round(v * 100)}%`) } },
    dataZoom: [{ type: "inside", xAxisIndex: 0 }, { type: "inside", yAxisIndex: 0 }],
    series,
  }, { id: "quadrant", height: 380 });
}
