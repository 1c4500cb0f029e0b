/* The chain seen from a region (区域视图, the chain chief's dashboard, 链长制): what the region
 * hosts and its share of each node with the upper bound, its strengths (长板), what its hosted
 * nodes depend on, and the chokepoints, alerts and tasks that concern it. */
import { h, mount } from "../dom.js";
import { api, t, link, nameOf, pct, state, u } from "../core.js";
import { badge, card, dataTable, muted, none, rankedBars } from "../components.js";

const share = (v, partial) => (v == null ? t("unknown") : `${partial ? "≥" : ""}${pct(v)}`);

function picker(name, regions, code) {
  const select = h("select", { id: "region-pick", "aria-label": t("region"), onchange: (ev) => {
    if (ev.target.value) location.hash = link(name, "regions", ev.target.value);
  } }, h("option", { value: "" }, t("region_choose")),
  regions.map((r) => h("option", { value: r.code, selected: r.code === code },
    `${state.lang === "zh" && r.name_zh ? r.name_zh : r.name} (${r.code})`)));
  return h("p", { class: "toolbar" }, h("label", {}, t("region"), " ", select));
}

export async function regions(el, name, code) {
  const all = await api("/api/regions?country=CHN");
  if (!code) {
    mount(el(), h("h1", {}, t("regions")), picker(name, all, ""), h("p", { class: "muted" }, t("region_note")));
    return;
  }
  const view = await api(`/api/projects/${u(name)}/regions/${u(code)}?lang=${state.lang}`);
  const s = view.summary;
  const nodeLink = (id, label) => h("a", { href: link(name, "node", id) }, label);
  const hosted = dataTable(view.nodes, [
    { key: "name", label: t("node"), cell: (r) => [nodeLink(r.node, r.name), r.strong ? [" ", h("span", { class: "badge strong" }, t("region_strong"))] : null] },
    { key: "region_share", label: t("col_region_share"), cell: (r) => share(r.region_share, r.region_partial), value: (r) => r.region_share },
    { key: "region_upper", label: t("col_region_upper"), cell: (r) => share(r.region_upper), value: (r) => r.region_upper },
    { key: "home_elsewhere", label: t("col_home_elsewhere"), cell: (r) => share(r.home_elsewhere), value: (r) => r.home_elsewhere },
    { key: "home_unlocated", label: t("col_home_unlocated"), cell: (r) => share(r.home_unlocated), value: (r) => r.home_unlocated },
    { key: "foreign", label: t("col_foreign"), cell: (r) => share(r.foreign), value: (r) => r.foreign },
    { key: "restricted", label: t("col_restricted"), cell: (r) => share(r.restricted), value: (r) => r.restricted },
    { key: "unknown", label: t("col_unknown"), cell: (r) => share(r.unknown), value: (r) => r.unknown },
    { key: "providers", label: t("col_providers"), value: (r) => r.providers.map((p) => p.name).join(", ") },
  ], { id: "region-nodes", empty: t("region_none") });
  const deps = view.dependencies.length ? dataTable(view.dependencies, [
    { key: "node_name", label: t("node"), cell: (r) => nodeLink(r.node, r.node_name) },
    { key: "input_name", label: t("col_input"), cell: (r) => nodeLink(r.input, r.input_name) },
    { key: "depends_on_label", label: t("col_depends_on") },
    { key: "home_outside", label: t("col_home_elsewhere"), cell: (r) => share(r.home_outside), value: (r) => r.home_outside },
    { key: "foreign", label: t("col_foreign"), cell: (r) => share(r.foreign), value: (r) => r.foreign },
    { key: "restricted", label: t("col_restricted"), cell: (r) => share(r.restricted), value: (r) => r.restricted },
  ], { id: "region-deps" }) : none();
  const dash = view.dashboard;
  const chokepoints = dash.chokepoints.length ? dataTable(dash.chokepoints, [
    { key: "level", label: t("level"), cell: (r) => badge(r.level) },
    { key: "name", label: t("node"), value: (r) => nameOf(r), cell: (r) => nodeLink(r.id, nameOf(r)) },
    { key: "reason", label: t("reason"), class: "reason" },
  ], { id: "region-chokepoints", pageSize: 10 }) : none();
  const alerts = dash.alerts.length ? dataTable(dash.alerts, [
    { key: "level", label: t("level"), cell: (r) => badge(r.level) },
    { key: "message", label: t("message") },
  ], { id: "region-alerts", pageSize: 10 }) : none();
  const tasks = dash.tasks.length ? dataTable(dash.tasks, [
    { key: "task_id", label: t("col_task_id") },
    { key: "node", label: t("node"), cell: (r) => nodeLink(r.node, r.node) },
    { key: "status", label: t("status") },
  ], { id: "region-tasks", pageSize: 10 }) : none();
  const bars = view.nodes.filter((n) => n.region_share > 0).map((n) => ({ label: n.name, value: n.region_share }));
  mount(el(), h("h1", {}, `${view.region.name} (${view.region.code})`), picker(name, all, code),
    h("p", { id: "region-summary" }, t("region_summary").replace("{hosted}", s.hosted).replace("{nodes}", s.nodes)
      .replace("{strong}", s.strong).replace("{located}", s.located_organisations)
      .replace("{unlocated}", s.home_unlocated).replace("{home}", s.home_organisations)),
    h("p", { class: "muted", id: "region-basis" }, view.basis),
    card(t("region_hosted"), bars.length ? rankedBars(bars, { name: t("col_region_share"), id: "region-bars" }) : null, hosted),
    card(t("region_deps"), deps),
    card(t("region_dashboard"), h("h3", {}, t("chokepoints")), chokepoints, h("h3", {}, t("alerts")), alerts, h("h3", {}, t("tasks")), tasks),
    muted(view.region.path.map((p) => p.name).join(" › ")));
}
