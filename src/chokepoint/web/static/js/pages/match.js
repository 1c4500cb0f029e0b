/* Challenges (揭榜挂帅): the project's challenges, publishing one, its bids, and the ranked solvers
 * with their standing (home, allied, neutral; restricted ones only on request, flagged). */
import { h, mount } from "../dom.js";
import { api, json, t, tv, nameOf, link, num, project, state, u } from "../core.js";
import { badge, card, dataTable, errorBox, muted, none } from "../components.js";

const OFFICERS = ["admin", "analyst", "officer"];

export async function challenges(el, name, id) {
  const base = `/api/projects/${u(name)}/challenges`;
  const [rows, layout, actors] = await Promise.all([api(base), project.layout(name), project.actors(name)]);
  const actorById = Object.fromEntries(actors.map((x) => [x.id, x]));
  const nodeName = Object.fromEntries(layout.nodes.map((n) => [n.id, nameOf(n)]));
  const canPublish = OFFICERS.includes(state.me.role);
  const error = h("p", { class: "error", id: "ch-error", role: "alert" });
  const form = canPublish ? h("form", { class: "card", id: "challenge-form", onsubmit: async (ev) => {
    ev.preventDefault(); const f = new FormData(ev.target);
    const list = (k) => String(f.get(k) || "").split(/[,，;；]/).map((x) => x.trim()).filter(Boolean);
    const nodes = list("nodes").map((x) => layout.nodes.find((n) => n.id === x || nameOf(n) === x)?.id || x);
    try {
      const c = await api(base, json({ title: f.get("title"), description: f.get("description"), nodes, capabilities: list("capabilities"),
        budget: f.get("budget") ? Number(f.get("budget")) : null, deadline: f.get("deadline") || null }));
      location.hash = link(name, "challenges", c.id);
    } catch (e) { error.textContent = e.message; }
  } }, h("h2", {}, t("publish")),
  h("p", {}, h("label", {}, t("title"), " ", h("input", { name: "title", id: "ch-title", required: true }))),
  h("p", {}, h("label", {}, t("description"), " ", h("textarea", { name: "description", id: "ch-description", rows: "3" }))),
  h("p", {}, h("label", {}, t("nodes_col"), " ", h("input", { name: "nodes", id: "ch-nodes", list: "ch-node-names", placeholder: "N20" })),
    h("datalist", { id: "ch-node-names" }, layout.nodes.map((n) => h("option", { value: n.id }, nameOf(n))))),
  h("p", {}, h("label", {}, t("capabilities"), " ", h("input", { name: "capabilities", id: "ch-capabilities" }))),
  h("p", {}, h("label", {}, t("budget"), " ", h("input", { name: "budget", type: "number", min: "0", step: "any" })), " ",
    h("label", {}, t("deadline"), " ", h("input", { name: "deadline", type: "date" }))),
  h("button", { class: "action", type: "submit", id: "ch-publish" }, t("publish")), error) : null;
  const detail = h("div", { id: "matches" });
  const profileMsg = h("p", { role: "status", id: "profiles-msg" });
  const profiles = ["admin", "analyst"].includes(state.me.role) ? h("form", { class: "card", id: "profiles-form", onsubmit: async (ev) => {
    ev.preventDefault();
    const fd = new FormData(); fd.append("file", ev.target.querySelector("input[type=file]").files[0]);
    try {
      const r = await api(`/api/projects/${u(name)}/profiles`, { method: "POST", body: fd });
      profileMsg.className = "ok"; profileMsg.textContent = `${t("imported")}: ${r.profiles} ${t("profiles_count")}`;
    } catch (e) { profileMsg.className = "error"; profileMsg.textContent = e.message; }
  } }, h("h2", {}, t("profiles_import")), h("p", { class: "muted" }, t("profiles_note")),
  h("p", {}, h("input", { type: "file", accept: ".csv,.xlsx,.json", required: true, "aria-label": t("file") })),
  h("button", { type: "submit", class: "action" }, t("upload")), profileMsg) : null;
  mount(el(), h("h1", {}, t("challenges")),
    h("div", { class: "row" }, card(null, dataTable(rows, [
      { key: "id", label: "#", cell: (c) => h("a", { href: link(name, "challenges", c.id), id: `ch-${c.id}` }, c.id) },
      { key: "title", label: t("title") },
      { key: "nodes", label: t("nodes_col"), value: (c) => (c.nodes || []).map((n) => nodeName[n] || n).join(", ") },
      { key: "status", label: t("status"), value: (c) => tv("challenge_status", c.status) },
      { key: "deadline", label: t("deadline") }], { id: "challenges" })), form, profiles),
    detail);
  if (!id) return;
  const showAll = h("input", { type: "checkbox", id: "include-restricted" });
  const draw = async () => {
    try {
      const [c, m] = await Promise.all([api(`${base}/${u(id)}`),
        api(`${base}/${u(id)}/matches?top=${showAll.checked ? 500 : 100}&lang=${state.lang}${showAll.checked ? "&include_restricted=true" : ""}`)]);
      const bid = async (actor) => {
        try { await api(`${base}/${u(id)}/bids`, json({ actor })); draw(); } catch (e) { mount(detail, errorBox(e.message)); }
      };
      mount(detail, card(null, h("h2", { id: "challenge-title" }, `${c.id} ${c.title}`), h("p", { class: "muted" }, c.description),
        h("p", {}, `${t("nodes_col")}: `, (c.nodes || []).map((n) => [h("a", { href: link(name, "node", n) }, nodeName[n] || n), " "])),
        h("p", {}, `${t("bids")}: `, c.bids.length ? c.bids.map((b) => `${nameOf(actorById[b.actor] || { name: b.actor })}${b.note ? ` (${b.note})` : ""}`).join(", ") : t("none")),
        h("p", {}, h("label", {}, showAll, " ", t("include_restricted"))),
        h("h3", {}, `${t("solvers")} (${m.total})`),
        dataTable(m.candidates, [
          { key: "rank", label: t("rank") },
          { key: "name", label: t("name") },
          { key: "country", label: t("country"), cell: (r) => [r.country, " ", r.restricted ? h("span", { class: "badge lv-I" }, t("restricted")) : null] },
          { key: "standing", label: t("standing"), value: (r) => tv("standing", r.standing) },
          { key: "score", label: t("score"), cell: (r) => num(r.score) },
          { key: "explanation", label: t("explanation"), class: "muted" },
          { key: "bid", label: "", cell: (r) => (OFFICERS.includes(state.me.role) && !r.restricted ? h("button", { type: "button", class: "action bid", onclick: () => bid(r.actor) }, t("record_bid")) : "") },
        ], { id: "match-table" })));
    } catch (e) { mount(detail, errorBox(e.message)); }
  };
  showAll.addEventListener("change", draw);
  await draw();
}
