/* Trade flows, input-output tables and raw materials: the dataset views of the CLI's `trade`,
 * `macro` and `materials` commands, as tables with a ranked chart. These datasets belong to the
 * store (not to one project); the page sits under the project for its navigation only. */
import { h, mount } from "../dom.js";
import { api, t, tv, pct, num, int, project, u, state } from "../core.js";
import { card, dataTable, errorBox, muted, none, rankedBars } from "../components.js";

const P = "pct"; const N = "num"; const I = "int"; const B = "bool";
/** Each view: its API path, the parameters it asks for, its columns (key, format), its chart. */
const VIEWS = {
  trade: {
    dependencies: { path: (d) => `/api/trade/datasets/${u(d)}/dependencies`, params: ["home", "restricted", "product", "years"], top: 200,
      columns: [["importer"], ["product"], ["year"], ["imports", I], ["partners"], ["hhi", N], ["top1_partner"], ["top1_share", P], ["top3_share", P], ["restricted_share", P]],
      chart: ["top1_share", (r) => `${r.importer} ${r.product} ${r.year}`] },
    screen: { path: (d) => `/api/trade/datasets/${u(d)}/screen`, params: ["bloc"], top: 200,
      columns: [["product"], ["year"], ["hhi_extra", N], ["extra_share", P], ["c1_concentrated", B], ["c2_extra_bloc", B], ["c3_not_replaceable", B], ["dependent", B], ["persistent", B]] },
    embargo: { path: (d) => `/api/trade/datasets/${u(d)}/embargo`, params: ["product", "year", "exporters"], required: ["product", "year", "exporters"], top: 100,
      columns: [["importer"], ["imports", I], ["lost", I], ["lost_share", P], ["substituted", I], ["net_lost_share", P]],
      chart: ["net_lost_share", (r) => r.importer] },
  },
  macro: {
    linkages: { path: (d) => `/api/macro/datasets/${u(d)}/linkages`, params: [],
      columns: [["region"], ["sector"], ["output_multiplier", N], ["backward", N], ["forward", N], ["key_sector", B]],
      chart: ["backward", (r) => `${r.region} ${r.sector}`, false] },
    imports: { path: (d) => `/api/macro/datasets/${u(d)}/imports`, params: [],
      columns: [["region"], ["sector"], ["output", I], ["imported_inputs", I], ["direct_import_share", P], ["total_import_content", N]],
      chart: ["total_import_content", (r) => `${r.region} ${r.sector}`, false] },
    extraction: { path: (d) => `/api/macro/datasets/${u(d)}/extraction`, params: [],
      columns: [["region"], ["sector"], ["loss", I], ["loss_share", P], ["loss_others", I]],
      chart: ["loss_share", (r) => `${r.region} ${r.sector}`] },
  },
  materials: {
    risk: { path: (d) => `/api/materials/datasets/${u(d)}/risk`, params: ["home", "year"], required: ["home"], lang: true,
      columns: [["name"], ["stage", "stage"], ["top_producer"], ["top_producer_share", P], ["hhi_production", N], ["home_production_share", P], ["import_reliance", P], ["top_partner"], ["geopolrisk", N], ["supply_risk_eu", N], ["coverage", "coverage"], ["explanation", "text"]],
      chart: ["import_reliance", (r) => r.name] },
    leverage: { path: (d) => `/api/materials/datasets/${u(d)}/leverage`, params: ["home", "year"], required: ["home"], lang: true,
      columns: [["rank"], ["name"], ["top_producer"], ["home_production_share", P], ["home_export_share", P], ["leverage", N], ["coverage", "coverage"], ["explanation", "text"]],
      chart: ["leverage", (r) => r.name] },
  },
};

function format(kind, v) {
  if (v == null || v === "") return "";
  if (kind === P) return pct(v); if (kind === N) return num(v, 3); if (kind === I) return int(Math.round(v));
  if (kind === B) return v ? t("yes") : t("no");
  if (kind === "coverage") return tv("coverage_kind", v);
  if (kind === "stage") return tv("material_stage", v);
  return String(v);
}

export async function data(el, name) {
  const persp = await project.perspective(name).catch(() => null);
  const sections = await Promise.all(Object.keys(VIEWS).map(async (kind) => {
    const sets = await api(`/api/${kind}/datasets`).catch(() => []);
    return [kind, sets];
  }));
  const out = h("div", { id: "data-result" });
  const blocks = sections.map(([kind, sets]) => {
    if (!sets.length) return card(t(`data_${kind}`), h("p", { class: "muted" }, t(`no_${kind}`)));
    const dataset = h("select", { class: "dataset", id: `${kind}-dataset`, "aria-label": t("dataset") }, sets.map((s) => h("option", { value: s.name }, s.title ? `${s.name} (${s.title})` : s.name)));
    const view = h("select", { class: "view", id: `${kind}-view`, "aria-label": t("view") }, Object.keys(VIEWS[kind]).map((v) => h("option", { value: v }, t(`view_${v}`))));
    const inputs = {};
    const params = h("span", { class: "params" });
    const drawParams = () => {
      const spec = VIEWS[kind][view.value];
      mount(params, spec.params.map((p) => {
        inputs[p] = inputs[p] || h("input", { class: `param-${p}`, id: `${kind}-${p}`, size: "10", placeholder: t(`param_${p}_hint`),
          value: p === "home" ? (persp?.home || ["CHN"]).join(",") : p === "restricted" ? (persp?.restricted || []).join(",") : p === "bloc" ? "EU27" : "" });
        return h("label", {}, t(`param_${p}`), " ", inputs[p]);
      }));
    };
    view.addEventListener("change", drawParams); drawParams();
    const show = async () => {
      const spec = VIEWS[kind][view.value];
      const q = new URLSearchParams();
      for (const p of spec.params) if (inputs[p].value.trim()) q.set(p, inputs[p].value.trim());
      const missing = (spec.required || []).filter((p) => !q.has(p));
      if (missing.length) { mount(out, errorBox(`${t("required")}: ${missing.map((p) => t(`param_${p}`)).join(", ")}`)); return; }
      if (spec.top) q.set("top", String(spec.top));
      if (spec.lang) q.set("lang", state.lang);
      mount(out, muted(t("running")));
      try {
        const rows = await api(`${spec.path(dataset.value)}?${q}`);
        const [metric, label, percent = true] = spec.chart || [];
        mount(out, h("h2", {}, `${t(`data_${kind}`)} · ${t(`view_${view.value}`)} · ${dataset.value}`),
          metric ? rankedBars(rows.filter((r) => r[metric] != null).sort((a, b) => b[metric] - a[metric]).map((r) => ({ label: label(r), value: r[metric] })), { name: t(`col_${metric}`), id: `${kind}-chart`, percent }) : null,
          dataTable(rows, spec.columns.map(([key, kindOf]) => ({ key, label: t(`col_${key}`), cell: (r) => format(kindOf, r[key]), class: kindOf === "text" ? "reason" : null })), { id: `${kind}-table` }));
      } catch (e) { mount(out, errorBox(e.message)); }
    };
    const shock = kind === "macro" ? shockForm(dataset, out) : kind === "materials" && editorRole() ? chainForm(dataset, out) : null;
    const drop = state.me.role === "admin" ? h("button", { type: "button", class: "action danger", id: `${kind}-delete`, onclick: async () => {
      if (!window.confirm(`${t("delete")} ${dataset.value}?`)) return;
      try { await api(`/api/${kind}/datasets/${u(dataset.value)}`, { method: "DELETE" }); await data(el, name); } catch (e) { mount(out, errorBox(e.message)); }
    } }, t("delete")) : null;
    return card(t(`data_${kind}`), h("p", { class: "toolbar" }, dataset, view, params, h("button", { type: "button", class: "action", id: `${kind}-show`, onclick: show }, t("show")), drop), shock);
  });
  const editor = ["admin", "analyst"].includes(state.me.role);
  mount(el(), h("h1", {}, t("data")), h("p", { class: "muted" }, t("data_note")), h("div", { class: "row" }, blocks), out,
    editor ? card(t("load_dataset"), h("p", { class: "muted" }, t("load_note")), h("div", { class: "row" }, ["trade", "macro", "materials"].map((k) => loadForm(k, el, name)))) : null);
}

const editorRole = () => ["admin", "analyst"].includes(state.me.role);

/** Build a chain project from a raw-materials dataset (commodities as materials, producing
 * countries as providers, its trade flows linked), as `chokepoint materials chain`. */
function chainForm(dataset, out) {
  const target = h("input", { id: "materials-chain-project", placeholder: "raw-materials", "aria-label": t("project") });
  const home = h("input", { id: "materials-chain-home", placeholder: "CHN", size: "8", "aria-label": t("param_home") });
  return h("details", {}, h("summary", {}, t("materials_chain")), h("p", { class: "muted" }, t("materials_chain_note")),
    h("p", { class: "toolbar" }, h("label", {}, t("project"), " ", target), h("label", {}, t("param_home"), " ", home),
      h("button", { type: "button", class: "action", id: "materials-chain-run", onclick: async () => {
        const q = new URLSearchParams({ project: target.value.trim() || "raw-materials" });
        if (home.value.trim()) q.set("home", home.value.trim());
        try {
          const r = await api(`/api/materials/datasets/${u(dataset.value)}/chain?${q}`, { method: "POST" });
          mount(out, h("p", { class: "ok", id: "materials-chain-ok" }, `${t("imported")}: `, h("a", { href: `#/p/${u(r.project || q.get("project"))}/map` }, r.project || q.get("project"))));
        } catch (e) { mount(out, errorBox(e.message)); }
      } }, t("run"))));
}

/** The inoperability model of the input-output view: a shock (demand perturbation, caps) as JSON. */
function shockForm(dataset, out) {
  const spec = h("textarea", { id: "shock-spec", rows: "3", "aria-label": t("shock_spec"), value: '{"demand": {"reg1/manufactoring": 0.1}}' });
  return h("details", {}, h("summary", {}, t("shock_title")), h("p", { class: "muted" }, t("shock_note")), spec,
    h("p", {}, h("button", { type: "button", class: "action", id: "shock-run", onclick: async () => {
      try {
        const r = await api(`/api/macro/datasets/${u(dataset.value)}/shock?top=30`, { method: "POST", headers: { "content-type": "application/json" }, body: spec.value });
        mount(out, h("h2", {}, `${t("shock_title")} · ${dataset.value}`), h("p", { id: "shock-loss" }, `${t("economic_loss")}: ${int(Math.round(r.economic_loss))}`),
          dataTable(r.sectors, [["region"], ["sector"], ["inoperability", P], ["loss", I]].map(([key, k]) => ({ key, label: t(`col_${key}`), cell: (x) => format(k, x[key]) })), { id: "shock-table" }));
      } catch (e) { mount(out, errorBox(e.message)); }
    } }, t("run"))));
}

/** Load a dataset into the store (editors): a name and its file(s), as `chokepoint <kind> load`. */
function loadForm(kind, el, name) {
  const extra = kind === "trade" ? h("select", { name: "layout", "aria-label": t("layout") }, ["comtrade", "baci"].map((x) => h("option", { value: x }, x))) : null;
  const msg = h("p", { role: "status" });
  return h("form", { class: "card", id: `${kind}-load`, onsubmit: async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const ds = String(f.get("dataset") || "").trim();
    const fd = new FormData();
    const files = ev.target.querySelector("input[type=file]").files;
    for (const file of files) fd.append(kind === "materials" ? "files" : "file", file);
    const q = kind === "trade" ? `?layout=${u(f.get("layout"))}` : "";
    try {
      await api(`/api/${kind}/datasets/${u(ds)}${q}`, { method: "POST", body: fd });
      await data(el, name);
    } catch (e) { msg.textContent = e.message; msg.className = "error"; }
  } }, h("h3", {}, t(`data_${kind}`)), h("p", { class: "muted" }, t(`load_${kind}_note`)),
  h("p", {}, h("label", {}, t("dataset"), " ", h("input", { name: "dataset", required: true }))), extra,
  h("p", {}, h("input", { type: "file", multiple: kind === "materials", "aria-label": t("file"), required: true })),
  h("button", { type: "submit", class: "action" }, t("upload")), msg);
}
