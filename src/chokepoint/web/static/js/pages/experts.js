/* Expert scoring (专家打分): the scoring workbook, importing filled sheets (all or nothing, row
 * errors), and the median and interquartile range of the scores per technology. */
import { h, mount } from "../dom.js";
import { api, t, nameOf, link, num, state, u, when } from "../core.js";
import { card, dataTable, download, errorBox, muted } from "../components.js";
import { problemsTable } from "./admin.js";

const FIELDS = ["gap", "threshold", "substitutability", "gap_years"];

export async function experts(el, name) {
  const [summary, scores] = await Promise.all([api(`/api/projects/${u(name)}/experts/summary`), api(`/api/projects/${u(name)}/experts`)]);
  const canImport = ["admin", "analyst"].includes(state.me.role);
  const msg = h("div", { id: "experts-msg" });
  const form = canImport ? h("form", { class: "card", id: "experts-form", onsubmit: async (ev) => {
    ev.preventDefault();
    const fd = new FormData();
    for (const f of ev.target.querySelector("input[type=file]").files) fd.append("files", f);
    try {
      const r = await api(`/api/projects/${u(name)}/experts`, { method: "POST", body: fd });
      state.cache = {};
      await experts(el, name);
      mount(document.getElementById("experts-msg") || msg, h("p", { class: "ok" }, `${t("imported")}: ${r.sheets.length} ${t("sheets")}, ${r.nodes} ${t("nodes")}`));
    } catch (e) {
      const problems = e.body?.error?.details?.problems || [];
      mount(msg, errorBox(problems.length ? t("rejected") : e.message), problems.length ? problemsTable(problems, "experts-errors") : null);
    }
  } }, h("h2", {}, t("experts_import")), h("p", { class: "muted" }, t("experts_import_note")),
  h("p", {}, h("input", { type: "file", multiple: true, accept: ".xlsx,.csv", id: "experts-files", "aria-label": t("file") })),
  h("button", { type: "submit", class: "action", id: "experts-upload" }, t("upload"))) : null;
  const experts_ = [...new Set(scores.map((s) => s.expert))];
  mount(el(), h("h1", {}, t("experts")), h("p", { class: "muted" }, t("experts_note")),
    h("div", { class: "row" },
      card(t("experts_template"), h("p", { class: "muted" }, t("experts_template_note")),
        h("p", { class: "toolbar" }, download(`/api/projects/${u(name)}/experts/template?lang=zh`, `${t("download_template")} (中文)`, "experts-template-zh"),
          download(`/api/projects/${u(name)}/experts/template?lang=en`, `${t("download_template")} (English)`, "experts-template-en"))),
      form),
    msg,
    card(`${t("experts_summary")} · ${experts_.length} ${t("experts_count")}`, dataTable(summary, [
      { key: "name", label: t("node"), value: (r) => nameOf(r), cell: (r) => h("a", { href: link(name, "node", r.node) }, nameOf(r)) },
      ...FIELDS.map((f) => ({ key: f, label: t(`expert_${f}`), value: (r) => r[f], cell: (r) => (r[f] == null ? "" : `${num(r[f], 1)} (${t("iqr")} ${num(r[`${f}_iqr`], 1)}, n=${r[`n_${f}`]})`) })),
      { key: "n", label: t("experts_count") }], { id: "experts-summary", empty: t("no_expert_scores") })),
    scores.length ? card(t("experts_sheets"), dataTable(scores, [
      { key: "expert", label: t("expert") }, { key: "organization", label: t("organization") },
      { key: "node", label: t("node") }, ...FIELDS.map((f) => ({ key: f, label: t(`expert_${f}`) })),
      { key: "imported_at", label: t("when"), cell: (r) => when(r.imported_at) }], { id: "experts-scores", pageSize: 15 })) : muted(""));
}
