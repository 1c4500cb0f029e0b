/* Routing, navigation by role, login and the project list. Each page is a module in pages/. */
import { h, mount, $ } from "./dom.js";
import { api, json, state, t, tv, ROLE_PAGES, link, project } from "./core.js";
import { errorBox, dataTable } from "./components.js";
import * as chain from "./pages/chain.js";
import * as assess from "./pages/assess.js";
import * as scenario from "./pages/scenario.js";
import * as monitor from "./pages/monitor.js";
import * as lists from "./pages/lists.js";
import * as match from "./pages/match.js";
import * as data from "./pages/data.js";
import * as admin from "./pages/admin.js";
import * as expertsPage from "./pages/experts.js";
import * as regionsPage from "./pages/regions.js";
import * as networkPage from "./pages/network.js";

const PAGES = {
  map: chain.map, node: chain.node, chokepoints: assess.chokepoints, scenario: scenario.scenario,
  alerts: monitor.alerts, monitoring: monitor.monitoring, report: monitor.report, lists: lists.lists,
  tasks: lists.tasks, challenges: match.challenges, data: data.data, admin: admin.admin, experts: expertsPage.experts,
  regions: regionsPage.regions, network: networkPage.network,
};
const NAV = ["map", "chokepoints", "regions", "network", "experts", "scenario", "alerts", "monitoring", "report", "lists", "tasks", "challenges", "data", "admin"];

/** The page's container while its route is current; a detached one after the user moved on. */
function target(seq) { return seq === state.seq ? $("#main") : document.createElement("main"); }

function applyI18n() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("#lang").textContent = state.lang === "zh" ? "English" : "中文";
  document.title = `chokepoint · ${t("tagline")}`;
}

function setNav(name, page) {
  const nav = $("#nav");
  const allowed = ROLE_PAGES[state.me?.role] || [];
  const items = state.me && state.me.role !== "reporter" ? [h("a", { href: "#/projects", class: page === "projects" ? "active" : null }, t("projects"))] : [];
  if (name) {
    for (const p of NAV.filter((x) => allowed.includes(x))) {
      items.push(h("a", { href: link(name, p), id: `nav-${p}`, class: p === page ? "active" : null, "aria-current": p === page ? "page" : null }, t(p)));
    }
  }
  mount(nav, items);
}

async function attribution(name) {
  try {
    const s = await project.summary(name);
    $("#attribution").textContent = s.meta?.attribution || "";
  } catch { $("#attribution").textContent = ""; }
}

async function login(el) {
  setNav(null, "login");
  const error = h("p", { class: "error", id: "login-error", role: "alert" });
  const user = h("input", { name: "username", id: "username", autocomplete: "username", required: true });
  const pass = h("input", { name: "password", id: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "login card", id: "login-form", onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const me = await api("/api/login", json({ username: user.value, password: pass.value }));
      state.me = null; state.cache = {};
      location.hash = me.role === "reporter" ? "#/projects" : "#/projects";
    } catch (e) {
      error.textContent = e.status === 401 || e.status === 403 ? t("login_failed") : e.message;
    }
  } }, h("h1", {}, t("login")), h("label", {}, t("username"), " ", user), h("label", {}, t("password"), " ", pass),
  h("button", { class: "action", type: "submit", id: "login-button" }, t("login")), error);
  mount(el, form);
}

async function projects(el) {
  setNav(null, "projects");
  const rows = await api("/api/projects");
  if (state.me.role === "reporter" && rows.length) { location.hash = link(rows[0].name, "report"); return; }
  mount(el, h("h1", {}, t("projects")), dataTable(rows, [
    { key: "name", label: t("name"), cell: (p) => h("a", { href: link(p.name, "map") }, p.name) },
    { key: "title", label: t("title") },
    { key: "nodes", label: t("nodes_col") },
    { key: "updated_at", label: t("updated") },
  ], { id: "projects", filter: rows.length > 10 }));
}

async function route() {
  const seq = ++state.seq;
  // free the previous page's charts; one whose container is already gone has nothing left to free
  state.charts.splice(0).forEach((c) => { try { c.dispose(); } catch { /* detached */ } });
  applyI18n();
  const [path] = location.hash.replace(/^#/, "").split("?");
  let parts;
  try { parts = path.split("/").filter(Boolean).map(decodeURIComponent); } catch { parts = ["?"]; }
  const el = () => target(seq);
  try {
    if (parts[0] === "login") return await login(el());
    if (!state.me) state.me = await api("/api/me");
    $("#who").textContent = `${state.me.name} (${tv("role", state.me.role)})`;
    if (parts[0] === "p" && parts[1]) {
      const [, name, requested = "map", ...rest] = parts;
      const allowed = ROLE_PAGES[state.me.role] || [];
      let page = requested;
      if (!allowed.includes(page) && !(page === "node" && allowed.includes("map"))) {
        page = allowed.includes("report") && state.me.role === "reporter" ? "report" : null;
      }
      setNav(name, page);
      attribution(name);
      if (!page || typeof PAGES[page] !== "function") { mount(el(), h("p", { id: "no-page" }, t("no_page"))); return; }
      mount(el(), h("p", { class: "muted loading" }, t("loading")));
      return await PAGES[page](() => target(seq), name, ...rest);
    }
    if (parts.length && parts[0] !== "projects") { setNav(null, ""); mount(el(), h("p", { id: "no-page" }, t("no_page"))); return; }
    return await projects(el());
  } catch (e) {
    if (e.status !== 401) mount(el(), errorBox(e.message));
  }
}

$("#lang").addEventListener("click", () => { state.lang = state.lang === "zh" ? "en" : "zh"; localStorage.setItem("lang", state.lang); state.cache = {}; route(); });
$("#logout").addEventListener("click", async () => {
  await api("/api/logout", { method: "POST" }).catch(() => {});
  state.me = null; state.cache = {}; location.hash = "#/login";
});
$(".skip").addEventListener("click", (ev) => { ev.preventDefault(); $("#main").focus(); }); // not a route
$("#menu").addEventListener("click", () => { document.body.classList.toggle("nav-open"); });
window.addEventListener("hashchange", () => { document.body.classList.remove("nav-open"); route(); });
route();
