/* Administration: import a chain (row-level errors), the project's perspective, users, roles and
 * bindings, and the audit log. */
import { h, mount } from "../dom.js";
import { api, json, t, tv, state, u } from "../core.js";
import { card, dataTable, download, errorBox, muted } from "../components.js";

const ROLES = ["admin", "analyst", "officer", "reporter", "viewer"];
const codes = (s) => String(s || "").split(/[,，\s]+/).map((x) => x.trim().toUpperCase()).filter(Boolean);

export function problemsTable(problems, id) {
  return dataTable(problems, [
    { key: "source", label: t("file") }, { key: "row", label: t("row") }, { key: "column", label: t("column") },
    { key: "code", label: t("problem"), value: (p) => (p.code ? tv("problem", p.code) : "") },
    { key: "reason", label: t("reason"), class: "reason" }], { id, filter: problems.length > 10 });
}

export async function admin(el, name) {
  const [users, auditRows, persp] = await Promise.all([api("/api/users"), api("/api/audit?limit=200"), api(`/api/projects/${u(name)}/perspective`).catch(() => null)]);
  const msg = h("div", { id: "admin-msg", "aria-live": "polite" });
  const ok = (text) => mount(msg, h("p", { class: "ok" }, text));
  const fail = (e) => mount(msg, e.body?.error?.details?.problems?.length
    ? [errorBox(e.message), problemsTable(e.body.error.details.problems, "import-errors")] : errorBox(e.message));
  const guard = (fn) => async (ev) => { ev?.preventDefault?.(); try { await fn(ev); } catch (e) { fail(e); } };

  const importForm = h("form", { class: "card", id: "import-form", onsubmit: guard(async (ev) => {
    const f = new FormData(ev.target);
    const target = String(f.get("project") || name).trim();
    const merge = f.get("merge") ? "?merge=true" : "";
    const fd = new FormData(); fd.append("file", f.get("file"));
    const r = await api(`/api/projects/${u(target)}/import${merge}`, { method: "POST", body: fd });
    state.cache = {};
    ok(`${t("imported")}: ${target} · ${t(`action_${r.action}`)} · ${r.summary.nodes} ${t("nodes")}`);
  }) }, h("h2", {}, t("import_chain")), h("p", { class: "muted" }, t("import_note")),
  h("p", {}, h("label", {}, t("project"), " ", h("input", { name: "project", value: name, id: "import-project" }))),
  h("p", {}, h("input", { type: "file", name: "file", id: "import-file", accept: ".xlsx,.json", required: true, "aria-label": t("file") })),
  h("p", {}, h("label", {}, h("input", { type: "checkbox", name: "merge" }), " ", t("merge"))),
  h("button", { type: "submit", class: "action", id: "import-button" }, t("upload")));

  const field = (n, v) => h("input", { name: n, value: (v || []).join(","), id: `persp-${n}` });
  const perspForm = h("form", { class: "card", id: "perspective-form", onsubmit: guard(async (ev) => {
    const f = new FormData(ev.target);
    await api(`/api/projects/${u(name)}/perspective`, json({ home: codes(f.get("home")), restricted: codes(f.get("restricted")), allied: codes(f.get("allied")),
      year: f.get("year") ? Number(f.get("year")) : null }, "PUT"));
    state.cache = {};
    ok(t("saved"));
  }) }, h("h2", {}, t("perspective")), h("p", { class: "muted" }, t("perspective_note")),
  h("p", {}, h("label", {}, t("home_economy"), " ", field("home", persp?.home))),
  h("p", {}, h("label", {}, t("restricted_countries"), " ", field("restricted", persp?.restricted))),
  h("p", {}, h("label", {}, t("allied_countries"), " ", field("allied", persp?.allied))),
  h("p", {}, h("label", {}, t("year"), " ", h("input", { name: "year", type: "number", value: persp?.year ?? "" }))),
  h("button", { type: "submit", class: "action", id: "perspective-save" }, t("save")));

  const addUser = h("form", { class: "card", id: "user-form", onsubmit: guard(async (ev) => {
    const f = new FormData(ev.target);
    await api("/api/users", json({ name: f.get("name"), role: f.get("role"), password: f.get("password") }));
    admin(el, name);
  }) }, h("h2", {}, t("add_user")),
  h("p", {}, h("label", {}, t("username"), " ", h("input", { name: "name", required: true, id: "new-user" }))),
  h("p", {}, h("label", {}, t("role"), " ", h("select", { name: "role" }, ROLES.map((r) => h("option", { value: r }, tv("role", r)))))),
  h("p", {}, h("label", {}, t("password"), " ", h("input", { name: "password", type: "password", required: true, autocomplete: "new-password" }))),
  h("button", { type: "submit", class: "action" }, t("add_user")));

  const projectCard = card(t("project"),
    h("p", {}, t("export_chain"), ": ", download(`/api/projects/${u(name)}/export?format=json`, t("export_json"), "export-json"), " ",
      download(`/api/projects/${u(name)}/export?format=xlsx`, t("export_xlsx"), "export-xlsx")),
    h("p", {}, download("/api/template", t("blank_template"), "blank-template")),
    h("form", { class: "toolbar", id: "rename-form", onsubmit: guard(async (ev) => {
      const to = String(new FormData(ev.target).get("name") || "").trim();
      if (!to) return;
      await api(`/api/projects/${u(name)}`, json({ name: to }, "PATCH"));
      state.cache = {}; location.hash = `#/p/${u(to)}/admin`;
    }) }, h("label", {}, t("new_name"), " ", h("input", { name: "name", id: "rename-to" })), h("button", { type: "submit", class: "action" }, t("rename"))),
    h("p", {}, h("button", { type: "button", class: "action danger", id: "delete-project", onclick: guard(async () => {
      if (!window.confirm(t("confirm_delete"))) return;
      await api(`/api/projects/${u(name)}`, { method: "DELETE" });
      state.cache = {}; location.hash = "#/projects";
    }) }, t("delete_project"))));

  const userActions = (x) => [
    h("button", { type: "button", class: "action", onclick: guard(async () => { await api(`/api/users/${u(x.name)}/disable${x.disabled ? "?enable=true" : ""}`, { method: "POST" }); admin(el, name); }) },
      x.disabled ? t("enable") : t("disable")), " ",
    h("button", { type: "button", class: "action", onclick: guard(async () => {
      const pw = window.prompt(t("password_prompt"));
      if (!pw) return;
      // one's own password needs the current one; every session of the user ends with the change
      const current = x.name === state.me.name ? window.prompt(t("current_password_prompt")) : null;
      if (x.name === state.me.name && !current) return;
      await api(`/api/users/${u(x.name)}/password`, json({ password: pw, current_password: current }, "PUT"));
      ok(`${x.name}: ${t("saved")}`);
    }) }, t("set_password")), " ",
    x.role !== "reporter" && x.role !== "admin" ? h("button", { type: "button", class: "action", onclick: guard(async () => {
      const unit = window.prompt(t("unit_prompt"), x.unit || "");
      if (unit !== null) { await api(`/api/users/${u(x.name)}/unit`, json({ unit: unit.trim() }, "PUT")); admin(el, name); }
    }) }, t("set_unit")) : null, " ",
    x.role === "reporter" ? h("button", { type: "button", class: "action", onclick: guard(async () => {
      const actor = window.prompt(t("bind_prompt"));
      if (actor) { await api(`/api/users/${u(x.name)}/bindings`, json({ project: name, actor: actor.trim() })); admin(el, name); }
    }) }, t("bind")) : null];

  mount(el(), h("h1", {}, t("admin")), msg,
    h("div", { class: "row" }, importForm, perspForm, projectCard),
    h("div", { class: "row" }, card(t("users"), dataTable(users, [
      { key: "name", label: t("username") }, { key: "role", label: t("role"), value: (x) => tv("role", x.role) },
      { key: "disabled", label: t("status"), value: (x) => (x.disabled ? t("disabled") : t("active")) },
      { key: "bindings", label: t("bindings"), value: (x) => (x.bindings || []).join(", ") },
      { key: "unit", label: t("unit_col"), value: (x) => x.unit || "" },
      { key: "actions", label: "", cell: userActions }], { id: "users" })), addUser),
    card(t("audit"), dataTable(auditRows, [
      { key: "at", label: t("when") }, { key: "user", label: t("username") }, { key: "method", label: t("method") },
      { key: "path", label: t("path_col") }, { key: "status", label: t("status") }, { key: "action", label: t("action") }], { id: "audit" })),
    muted(t("api_docs"), " ", h("a", { href: "/docs", id: "api-docs" }, "/docs")));
}
