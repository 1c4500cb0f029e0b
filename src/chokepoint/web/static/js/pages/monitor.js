/* Monitoring: graded alerts with their lifecycle, routine re-assessment (run, snapshots, what got
 * worse), warning rules, and direct reporting (form, template, upload with row errors). */
import { h, mount } from "../dom.js";
import { api, json, t, tv, nameOf, link, pct, num, project, state, u, when, zh } from "../core.js";
import { problemsTable } from "./admin.js";
import { myReports } from "./network.js";
import { badge, card, dataTable, download, errorBox, muted, none } from "../components.js";

const OFFICERS = ["admin", "analyst", "officer"];

export async function alerts(el, name) {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const level = params.get("level") || ""; const status = params.get("status") || "";
  const q = new URLSearchParams(); if (level) q.set("level", level); if (status) q.set("status", status);
  const rows = await api(`/api/projects/${u(name)}/alerts${q.toString() ? `?${q}` : ""}`);
  const canAct = OFFICERS.includes(state.me.role);
  const act = (a, verb) => h("button", { type: "button", class: `action ${verb}`, dataset: { id: String(a.id) }, onclick: async (ev) => {
    ev.target.disabled = true;
    try { await api(`/api/projects/${u(name)}/alerts/${u(a.id)}/${verb}`, { method: "POST" }); alerts(el, name); } catch (e) { mount(msg, errorBox(e.message)); }
  } }, t(verb === "ack" ? "ack" : "resolve"));
  const msg = h("div");
  // escalate to the unit above (决策协同): the reason is asked for; the decision comes back on the network page
  const escalate = (a) => h("button", { type: "button", class: "action escalate", onclick: async (ev) => {
    const reason = window.prompt(t("escalate_prompt"));
    if (!reason) return;
    ev.target.disabled = true;
    try {
      const e = await api(`/api/projects/${u(name)}/alerts/${u(a.id)}/escalate`, json({ reason }));
      mount(msg, h("p", { class: "ok", id: "escalated" }, t("escalated").replace("{from}", e.from_unit).replace("{to}", e.to_unit)));
    } catch (e) { ev.target.disabled = false; mount(msg, errorBox(e.message)); }
  } }, t("escalate"));
  const filterLink = (key, value, label) => {
    const p = new URLSearchParams(q); if (value) p.set(key, value); else p.delete(key);
    const active = (key === "level" ? level : status) === value;
    return h("a", { href: `${link(name, "alerts")}${p.toString() ? `?${p}` : ""}`, class: active ? "active" : null }, label);
  };
  mount(el(), h("h1", {}, t("alerts")),
    h("p", { class: "toolbar" }, download(`/api/projects/${u(name)}/monitoring/brief?format=pdf&lang=${state.lang}`, t("brief_pdf"), "brief-pdf")),
    h("p", { class: "filters" }, `${t("level")}: `, ["", "I", "II", "III", "IV"].map((l) => [filterLink("level", l, l ? tv("alert_level", l) : t("all")), " "]),
      ` · ${t("status")}: `, ["", "open", "acknowledged", "resolved"].map((s) => [filterLink("status", s, s ? tv("status", s) : t("all")), " "])),
    msg,
    dataTable(rows, [
      { key: "id", label: "#" },
      { key: "level", label: t("level"), cell: (a) => badge(a.level), sort: (a) => a.level },
      { key: "status", label: t("status"), value: (a) => tv("status", a.status), class: "status" },
      { key: "entity", label: t("entity"), value: (a) => (zh() ? a.entity_name_zh : a.entity_name) || a.entity },
      { key: "message", label: t("message"), value: (a) => (zh() ? a.message_zh : a.message_en) },
      { key: "opened_at", label: t("opened"), cell: (a) => when(a.opened_at) },
      { key: "actions", label: "", cell: (a) => (!canAct || a.status === "resolved" ? "" : [a.status === "open" ? act(a, "ack") : null, " ", act(a, "resolve"), " ", escalate(a)]) },
    ], { id: "alerts" }));
}

export async function monitoring(el, name) {
  const [snaps, rules, indicators] = await Promise.all([api(`/api/projects/${u(name)}/snapshots`), api(`/api/projects/${u(name)}/rules`), api("/api/indicators")]);
  const layout = await project.layout(name).catch(() => ({ nodes: [] }));
  const nodeName = Object.fromEntries(layout.nodes.map((n) => [n.id, nameOf(n)]));
  const indicatorName = (code) => { const i = indicators.find((x) => x.code === code); return i ? (zh() ? i.name_zh : i.name_en) : code || ""; };
  const canRun = OFFICERS.includes(state.me.role);
  const out = h("div", { id: "monitor-result" });
  const asOf = h("input", { id: "as-of", placeholder: "2026-01", pattern: "\\d{4}-\\d{2}", "aria-label": t("period") });
  const sel = (id) => h("select", { id, "aria-label": t("snapshot") }, snaps.map((s) => h("option", { value: String(s.id) }, `#${s.id} ${s.as_of || ""} (${s.created_at})`)));
  const a = sel("snap-a"); const b = sel("snap-b");
  if (snaps.length > 1) { a.value = String(snaps.at(-2).id); b.value = String(snaps.at(-1).id); } // oldest first: the last two
  const showDiff = async () => {
    try {
      const rows = await api(`/api/projects/${u(name)}/snapshots/diff?a=${u(a.value)}&b=${u(b.value)}`);
      mount(out, h("h2", {}, t("what_changed")), dataTable(rows, [
        { key: "name", label: t("node"), value: (r) => nodeName[r.id] || r.name || r.id, cell: (r) => h("a", { href: link(name, "node", r.id) }, nodeName[r.id] || r.name || r.id) },
        { key: "change", label: t("change"), value: (r) => tv("change", r.change) },
        { key: "level_before", label: `${t("level")} A`, cell: (r) => (r.level_before ? badge(r.level_before) : "") },
        { key: "level", label: `${t("level")} B`, cell: (r) => (r.level ? badge(r.level) : "") },
        { key: "score_before", label: `${t("score")} A`, cell: (r) => num(r.score_before) },
        { key: "score", label: `${t("score")} B`, cell: (r) => num(r.score) },
        { key: "score_change", label: t("score_change"), cell: (r) => num(r.score_change) }], { id: "diff", empty: t("no_changes") }));
    } catch (e) { mount(out, errorBox(e.message)); }
  };
  const run = async () => {
    try {
      const r = await api(`/api/projects/${u(name)}/monitor/run${asOf.value ? `?as_of=${u(asOf.value)}` : ""}`, { method: "POST" });
      state.cache = {}; // levels may have changed: the map and tables read them again
      await monitoring(el, name);
      mount(document.getElementById("monitor-result") || out, h("p", { class: "ok", id: "monitor-ok" },
        `${t("snapshot")} #${r.snapshot_id} (${r.as_of}): ${t("alerts_opened")} ${r.opened}, ${t("alerts_updated")} ${r.updated}, ${t("alerts_auto_resolved")} ${r.auto_resolved}`));
    } catch (e) { mount(out, errorBox(e.message)); }
  };
  const rulesText = h("textarea", { id: "rules-text", rows: "8", "aria-label": t("rules"), value: JSON.stringify(rules, null, 2) });
  const saveRules = async () => {
    try {
      const body = JSON.parse(rulesText.value);
      await api(`/api/projects/${u(name)}/rules`, json(Array.isArray(body) ? { rules: body } : body));
      mount(out, h("p", { class: "ok" }, t("saved")));
    } catch (e) { mount(out, errorBox(e.message)); }
  };
  mount(el(), h("h1", {}, t("monitoring")),
    h("div", { class: "row" },
      canRun ? card(t("monitor_run"), h("p", { class: "muted" }, t("monitor_note")), h("p", { class: "toolbar" }, h("label", {}, t("period"), " ", asOf),
        h("button", { type: "button", class: "action", id: "monitor-run", onclick: run }, t("run")))) : null,
      card(t("snapshots"), snaps.length ? [dataTable(snaps, [
        { key: "id", label: "#" }, { key: "as_of", label: t("period") }, { key: "created_at", label: t("created"), cell: (s) => when(s.created_at) },
        { key: "levels", label: t("levels"), value: (s) => Object.entries(s.levels || {}).map(([k, v]) => `${tv("level", k)} ${v}`).join(", ") }], { id: "snapshots", filter: false, pageSize: 10 }),
      snaps.length > 1 ? h("p", { class: "toolbar" }, "A ", a, " B ", b, h("button", { type: "button", class: "action", id: "diff-run", onclick: showDiff }, t("compare"))) : null] : none())),
    card(t("rules"), dataTable(rules, [
      { key: "id", label: t("rule_id") }, { key: "type", label: t("rule_type"), value: (r) => tv("rule_type", r.type) },
      { key: "indicator", label: t("indicator"), value: (r) => indicatorName(r.indicator) },
      { key: "levels", label: t("levels"), value: (r) => Object.entries(r.levels || {}).map(([k, v]) => `${tv("alert_level", k)}: ${v}`).join("; ") }], { id: "rules", filter: false }),
    canRun ? h("details", {}, h("summary", {}, t("edit_rules")), rulesText, h("p", {}, h("button", { type: "button", class: "action", id: "rules-save", onclick: saveRules }, t("save")))) : null),
    out);
}

export async function report(el, name) {
  const [indicators, mine, notes] = await Promise.all([api("/api/indicators"), api(`/api/projects/${u(name)}/observations`).catch(() => []),
    api("/api/notifications").catch(() => [])]);
  const result = h("div", { id: "report-result" });
  const show = (e) => {
    const problems = e.body?.error?.details?.problems || [];
    mount(result, h("p", { class: "error", role: "alert" }, problems.length ? t("rejected") : e.message),
      problems.length ? problemsTable(problems.map((p) => ({ ...p, column: p.column ?? p.location })), "report-errors") : null);
  };
  const done = (c) => { state.cache = {}; mount(result, h("p", { class: "ok", id: "report-ok" }, `${t("uploaded")}: ${c.new} ${t("new")}, ${c.replaced} ${t("replaced")}, ${c.unchanged ?? 0} ${t("unchanged")}`)); };
  const field = (label, input) => h("label", {}, label, " ", input);
  const form = h("form", { class: "card", id: "report-form", onsubmit: async (ev) => {
    ev.preventDefault(); const f = new FormData(ev.target);
    try { done(await api(`/api/projects/${u(name)}/observations`, json({ rows: [{ ...Object.fromEntries(f), value: Number(f.get("value")) }] }))); } catch (e) { show(e); }
  } }, h("h2", {}, t("report_one")),
  h("p", {}, field(t("indicator"), h("select", { name: "indicator" }, indicators.map((i) => h("option", { value: i.code }, `${zh() ? i.name_zh : i.name_en} (${(zh() && i.unit_zh) || i.unit})`))))),
  h("p", {}, field(t("node"), h("input", { name: "node", required: true })), " ", field(t("enterprise"), h("input", { name: "enterprise" }))),
  h("p", {}, field(t("period"), h("input", { name: "period", placeholder: "2026-01", required: true })), " ", field(t("value"), h("input", { name: "value", type: "number", step: "any", required: true }))),
  h("button", { class: "action", type: "submit" }, t("submit")));
  const upload = h("form", { class: "card", id: "upload-form", onsubmit: async (ev) => {
    ev.preventDefault();
    try { done(await api(`/api/projects/${u(name)}/observations/upload`, { method: "POST", body: new FormData(ev.target) })); } catch (e) { show(e); }
  } }, h("h2", {}, t("upload_file")), h("p", { class: "muted" }, t("upload_note")),
  h("p", {}, download(`/api/projects/${u(name)}/observations/template`, t("download_template"), "template-download")),
  h("p", {}, h("input", { type: "file", name: "file", id: "upload-file", accept: ".xlsx,.csv", "aria-label": t("upload_file") })),
  h("button", { class: "action", type: "submit", id: "upload-button" }, t("upload")));
  mount(el(), h("h1", {}, t("report")), h("div", { class: "row" }, form, upload), result,
    card(t("my_reports"), dataTable(mine, [
      { key: "indicator", label: t("indicator"), value: (r) => { const i = indicators.find((x) => x.code === r.indicator); return i ? (zh() ? i.name_zh : i.name_en) : r.indicator; } },
      { key: "entity", label: t("entity") }, { key: "period", label: t("period") },
      { key: "value", label: t("value"), cell: (r) => { const i = indicators.find((x) => x.code === r.indicator); return i?.unit === "fraction" ? pct(r.value) : `${r.value} ${i ? (zh() && i.unit_zh) || i.unit : ""}`; } },
      { key: "reporter", label: t("reporter") }], { id: "my-reports" })),
    card(t("data_reports"), await myReports(name)),
    card(t("notifications"), dataTable(notes, [
      { key: "created_at", label: t("when"), value: (r) => when(r.created_at) },
      { key: "message", label: t("message"), value: (r) => (zh() ? r.message_zh : r.message_en), class: "reason" }], { id: "notifications" })));
}
