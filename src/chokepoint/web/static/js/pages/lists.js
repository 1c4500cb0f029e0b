/* Policy lists (清单): every list with headers, paging, reasons and coverage, titled in both
 * languages, with the Excel download; and the joint R&D tasks with their status. */
import { h, mount } from "../dom.js";
import { api, json, t, tv, nameOf, link, pct, num, state, u, zh } from "../core.js";
import { badge, card, dataTable, download, errorBox, muted } from "../components.js";

const NODE_LISTS = new Set(["chokepoints", "watch_list", "advantages", "supporting_gaps", "tasks"]);

/** The columns each list adds to rank, name, reason and coverage. */
const EXTRA = {
  chokepoints: ["level", "score", "quadrant", "localization", "restricted_share", "top_country", "top_enterprise"],
  watch_list: ["level", "score", "quadrant", "localization", "top_country"],
  advantages: ["home_share", "dependence", "leverage", "top_country"],
  key_enterprises: ["country", "chain_leader", "weight"],
  research_units: ["chokepoint_name", "level", "unit_kind", "country", "standing", "relation"],
  tasks: ["task_id", "level", "goal", "lead_name", "priority_score", "status"],
  supporting_gaps: ["level", "localization", "has_alternative", "top_country"],
  major_problems: ["kind", "country"],
};
const PERCENT = new Set(["localization", "restricted_share", "home_share", "share"]);
const NUMBER = new Set(["score", "dependence", "leverage", "weight", "priority_score"]);

function cell(key, r) {
  const v = r[key];
  if (v == null || v === "") return "";
  if (key === "level") return badge(v);
  if (PERCENT.has(key)) return pct(v);
  if (NUMBER.has(key)) return num(v, key === "weight" ? 3 : 2);
  if (typeof v === "boolean") return v ? t("yes") : t("no");
  if (key === "quadrant") return tv("quadrant", v);
  if (key === "status") return tv("task_status", v);
  if (key === "kind") return tv("problem_kind", v);
  if (key === "unit_kind") return tv("actor_kind", v);
  if (key === "standing") return tv("standing", v);
  if (key === "relation") return tv("relation", v);
  return String(v);
}

export async function lists(el, name) {
  const other = zh() ? "en" : "zh";
  const [doc, otherDoc] = await Promise.all([api(`/api/projects/${u(name)}/lists?lang=${state.lang}`),
    api(`/api/projects/${u(name)}/lists?lang=${other}`).catch(() => null)]);
  const tables = Object.entries(doc.lists).map(([key, rows]) => {
    const columns = [
      { key: "rank", label: t("rank") },
      { key: "name", label: t("name"), value: (r) => nameOf(r), cell: (r) => (NODE_LISTS.has(key) && r.id ? h("a", { href: link(name, "node", r.node || r.id) }, nameOf(r)) : nameOf(r)) },
      ...(EXTRA[key] || []).map((c) => ({ key: c, label: t(`col_${c}`), cell: (r) => cell(c, r), value: (r) => r[c] })),
      { key: "reason", label: t("reason"), class: "reason" },
      { key: "coverage", label: t("coverage"), cell: (r) => pct(r.coverage) },
    ];
    return h("section", { class: "card list", id: `list-${key}` },
      h("h2", { class: "list-title" }, doc.titles?.[key] || key, " ", muted(`(${rows.length} ${t("rows")})`)),
      otherDoc?.titles?.[key] ? h("p", { class: "muted list-title-other", lang: other === "zh" ? "zh-CN" : "en" }, otherDoc.titles[key]) : null,
      dataTable(rows, columns, { pageSize: 10 }));
  });
  mount(el(), h("h1", {}, t("lists")),
    h("p", { class: "toolbar" }, download(`/api/projects/${u(name)}/lists/export?lang=${state.lang}`, t("download"), "download"), " ",
      download(`/api/projects/${u(name)}/report?format=pdf&lang=${state.lang}`, t("report_pdf"), "report-pdf"), " ",
      download(`/api/projects/${u(name)}/report?format=html&lang=${state.lang}`, t("report_html"), "report-html")),
    h("nav", { class: "toc", "aria-label": t("lists") }, Object.keys(doc.lists).map((k) => [h("a", { href: `#list-${k}`, onclick: (e) => { e.preventDefault(); document.getElementById(`list-${k}`)?.scrollIntoView(); } }, doc.titles?.[k] || k), " "])),
    tables);
}

export async function tasks(el, name) {
  let rows = await api(`/api/projects/${u(name)}/tasks`);
  const canEdit = ["admin", "analyst", "officer"].includes(state.me.role);
  const canRefresh = ["admin", "analyst"].includes(state.me.role);
  const msg = h("div", { id: "task-msg" });
  const status = (r) => (canEdit ? h("select", { class: "task-status", "aria-label": t("status"), dataset: { id: r.task_id }, onchange: async (ev) => {
    try {
      await api(`/api/projects/${u(name)}/tasks/${u(r.task_id)}`, json({ status: ev.target.value }, "PATCH"));
      mount(msg, h("p", { class: "ok" }, `${r.task_id}: ${tv("task_status", ev.target.value)}`));
    } catch (e) { mount(msg, errorBox(e.message)); }
  } }, ["proposed", "active", "done", "dropped"].map((s) => h("option", { value: s, selected: s === r.status }, tv("task_status", s)))) : tv("task_status", r.status));
  const refresh = async () => {
    try { rows = await api(`/api/projects/${u(name)}/tasks/refresh`, { method: "POST" }); tasks(el, name); } catch (e) { mount(msg, errorBox(e.message)); }
  };
  mount(el(), h("h1", {}, t("tasks")), h("p", { class: "muted" }, t("tasks_note")),
    canRefresh ? h("p", {}, h("button", { type: "button", class: "action", id: "tasks-refresh", onclick: refresh }, t("tasks_refresh"))) : null,
    msg,
    dataTable(rows, [
      { key: "task_id", label: t("col_task_id") },
      { key: "name", label: t("node"), value: (r) => nameOf(r), cell: (r) => h("a", { href: link(name, "node", r.node) }, nameOf(r)) },
      { key: "level", label: t("level"), cell: (r) => badge(r.level) },
      { key: "goal", label: t("col_goal"), value: (r) => (zh() && r.goal_zh ? r.goal_zh : r.goal) },
      { key: "lead_name", label: t("col_lead_name") },
      { key: "partners", label: t("partners"), class: "muted" },
      { key: "priority_score", label: t("col_priority_score"), cell: (r) => num(r.priority_score) },
      { key: "status", label: t("status"), cell: status, value: (r) => r.status }], { id: "tasks" }));
}
