/* Scenarios: compose shocks (blockades, outages, capacity losses, with start and duration), run
 * now or over time, save and reopen, sweeps by country, enterprise or pair, and Monte Carlo. */
import { h, mount } from "../dom.js";
import { api, finished, json, t, tv, nameOf, link, pct, num, project, state, u } from "../core.js";
import { card, chart, dataTable, errorBox, muted, rankedBars } from "../components.js";

export async function scenario(el, name, open) {
  const [actors, countries, layout, saved, persp] = await Promise.all([project.actors(name), project.countries(name), project.layout(name),
    api(`/api/projects/${u(name)}/scenarios`).catch(() => []), project.perspective(name)]);
  const home = new Set(persp?.home || []);
  const canSave = ["admin", "analyst"].includes(state.me.role);
  const codes = [...new Set(actors.filter((x) => ["country", "region"].includes(x.kind)).map((x) => x.country))].filter((c) => !home.has(c)).sort();
  const firms = actors.filter((x) => x.kind === "enterprise").sort((x, y) => nameOf(x).localeCompare(nameOf(y)));
  const nodes = layout.nodes.slice().sort((x, y) => nameOf(x).localeCompare(nameOf(y)));
  const shocks = h("tbody", { id: "shocks" });
  const result = h("div", { id: "result" });
  const days = h("input", { type: "number", id: "days", min: "1", max: "3650", value: "180", "aria-label": t("horizon_days") });
  const scName = h("input", { id: "scenario-name", placeholder: t("scenario_name"), "aria-label": t("scenario_name") });

  const targetFor = (type) => (type === "blockade"
    ? h("select", { class: "target", "aria-label": t("country") }, codes.map((c) => h("option", { value: c }, `${countries[c] || c} (${c})`)))
    : type === "outage"
      ? h("select", { class: "target", "aria-label": t("enterprise") }, firms.map((f) => h("option", { value: f.id }, `${nameOf(f)} (${f.country})`)))
      : h("select", { class: "target", "aria-label": t("node") }, nodes.map((n) => h("option", { value: n.id }, nameOf(n)))));
  const addShock = (shock = { type: "blockade" }) => {
    const type = h("select", { class: "type", "aria-label": t("shock_type") }, ["blockade", "outage", "capacity"].map((x) => h("option", { value: x, selected: x === shock.type }, t(`shock_${x}`))));
    const cell = h("td", {}, targetFor(shock.type));
    const depth = h("input", { type: "number", class: "depth", min: "1", max: "100", value: String(Math.round(100 * (shock.depth ?? shock.loss ?? 1))), "aria-label": t("depth") });
    const start = h("input", { type: "number", class: "start", min: "0", value: String(shock.start ?? 0), "aria-label": t("start_day") });
    const duration = h("input", { type: "number", class: "duration", min: "1", value: shock.duration ?? "", placeholder: t("open_ended"), "aria-label": t("duration_days") });
    type.addEventListener("change", () => mount(cell, targetFor(type.value)));
    const row = h("tr", {}, h("td", {}, type), cell, h("td", {}, depth, " %"), h("td", {}, start), h("td", {}, duration),
      h("td", {}, h("button", { type: "button", class: "remove", "aria-label": t("remove"), onclick: () => row.remove() }, "×")));
    if (shock.nodes) row.dataset.nodes = JSON.stringify(shock.nodes); // a blockade limited to some nodes
    shocks.append(row);
    const target = shock.country || shock.actor || shock.node;
    if (target) cell.querySelector("select").value = target;
  };
  let loaded = {}; // a reopened saved scenario: its description and perspective are kept
  const body = () => ({
    ...loaded,
    name: scName.value.trim() || "scenario",
    shocks: [...shocks.querySelectorAll("tr")].map((row) => {
      const type = row.querySelector(".type").value; const target = row.querySelector(".target").value;
      const depth = Number(row.querySelector(".depth").value) / 100;
      const start = Number(row.querySelector(".start").value || 0); const dur = row.querySelector(".duration").value;
      const s = type === "blockade" ? { type, country: target, depth } : type === "outage" ? { type, actor: target, depth } : { type, node: target, loss: depth };
      return { ...s, ...(row.dataset.nodes ? { nodes: JSON.parse(row.dataset.nodes) } : {}), start, duration: dur ? Number(dur) : null };
    }),
  });
  const guard = (fn) => async () => { try { await fn(); } catch (e) { mount(result, errorBox(e.message)); } };
  const runNow = guard(async () => {
    mount(result, muted(t("running")));
    const r = await api(`/api/projects/${u(name)}/scenarios/run?lang=${state.lang}`, json(body()));
    mount(result, h("h2", {}, `${t("impacted")}: ${r.impacted_nodes}`),
      h("p", { id: "final-lost" }, `${t("stopped")}: ${pct(r.final_value_lost)}`, r.final_value_lost_upper > r.final_value_lost ? ` (${t("up_to")} ${pct(r.final_value_lost_upper)})` : ""),
      rankedBars(r.nodes.slice(0, 15).map((n) => ({ label: nameOf(n), value: n.loss })), { name: t("loss"), id: "loss-bars", color: "#cf222e" }),
      dataTable(r.nodes, [
        { key: "name", label: t("node"), value: (n) => nameOf(n), cell: (n) => h("a", { href: link(name, "node", n.id) }, nameOf(n)) },
        { key: "loss", label: t("loss"), cell: (n) => n.loss_note },
        { key: "availability", label: t("availability"), cell: (n) => pct(n.availability) },
        { key: "coverage", label: t("coverage"), cell: (n) => pct(n.coverage) },
        { key: "path", label: t("path"), class: "muted" }], { id: "impacted" }));
  });
  const runOverTime = guard(async () => {
    mount(result, muted(t("running")));
    const d = Math.max(1, Number(days.value || 180));
    const step = d > 400 ? 7 : 1;
    const r = await api(`/api/projects/${u(name)}/scenarios/dynamics?days=${d}&step=${step}`, json(body()));
    const nameById = Object.fromEntries(layout.nodes.map((n) => [n.id, nameOf(n)]));
    const series = [{ name: t("final_value_lost"), type: "line", showSymbol: false, lineStyle: { width: 3, color: "#cf222e" }, data: r.curves.days.map((x, i) => [x, r.curves.final_value_lost[i]]) }]
      .concat(Object.entries(r.curves.nodes).map(([id, ys]) => ({ name: nameById[id] || id, type: "line", showSymbol: false, data: r.curves.days.map((x, i) => [x, ys[i]]) })));
    mount(result, h("h2", {}, t("over_time")),
      h("p", {}, `${t("lost_final_value_days")}: ${num(r.lost_final_value_days, 1)}`),
      chart({ legend: { type: "scroll", top: 0 }, grid: { left: 50, right: 20, top: 40, bottom: 40 },
        tooltip: { trigger: "axis", valueFormatter: (v) => `${(v * 100).toFixed(1)}%` },
        xAxis: { type: "value", name: t("day"), nameLocation: "middle", nameGap: 26 },
        yAxis: { type: "value", min: 0, max: 1, name: t("loss"), axisLabel: { formatter: (v) => `${Math.round(v * 100)}%` } }, series }, { id: "loss-curves", height: 380 }),
      dataTable(r.nodes, [
        { key: "name", label: t("node"), value: (n) => nameById[n.id] || n.name },
        { key: "time_to_survive", label: t("time_to_survive"), cell: (n) => (n.time_to_survive == null ? "" : num(n.time_to_survive, 0)) },
        { key: "time_to_recover", label: t("time_to_recover"), cell: (n) => (n.time_to_recover == null ? t("not_recovered") : num(n.time_to_recover, 0)) },
        { key: "worst_loss", label: t("worst_loss"), cell: (n) => pct(n.worst_loss) },
        { key: "loss_days", label: t("loss_days"), cell: (n) => num(n.loss_days, 1) }], { id: "dynamics" }));
  });
  const save = guard(async () => {
    const b = body();
    await api(`/api/projects/${u(name)}/scenarios/${u(b.name)}`, json(b, "PUT"));
    location.hash = link(name, "scenario", b.name);
  });
  const sweep = (by) => guard(async () => {
    const status = h("span", { class: "muted", id: "sweep-status" }, t("running"));
    mount(result, status);
    const job = await api(`/api/projects/${u(name)}/scenarios/sweep?by=${by}`, { method: "POST" });
    const res = await finished(job, (s) => { status.textContent = `${s.done}/${s.total ?? "?"}`; });
    const who = (r) => (by === "country" ? `${countries[r.country] || r.name || r.country} (${r.country})` : by === "pair" ? `${r.pair.split("+").map((c) => countries[c] || c).join(" + ")} (${r.pair})` : r.name);
    mount(result, h("h2", {}, t(`sweep_${by}`)),
      rankedBars(res.ranking.map((r) => ({ label: who(r), value: r.final_value_stopped })), { name: t("stopped"), id: "sweep-chart", color: "#cf222e" }),
      dataTable(res.ranking, [
        { key: "rank", label: t("rank") },
        { key: "who", label: by === "enterprise" ? t("enterprise") : t("country"), value: who },
        { key: "final_value_stopped", label: t("stopped"), cell: (r) => pct(r.final_value_stopped) },
        { key: "nodes_impacted", label: t("impacted") },
        { key: "nodes_stopped", label: t("nodes_stopped") }], { id: "sweep" }));
  });
  const monteCarlo = guard(async () => {
    const runs = Number(mcRuns.value || 500);
    const status = h("span", { class: "muted", id: "mc-status" }, t("running"));
    mount(result, status);
    const job = await api(`/api/projects/${u(name)}/scenarios/montecarlo?runs=${runs}&seed=${Number(mcSeed.value || 0)}&days=364&step=7`, { method: "POST" });
    const m = await finished(job, (s) => { status.textContent = `${s.done}/${s.total ?? "?"}`; });
    const edges = m.loss_distribution.edges;
    const width = edges.length > 1 ? edges[1] - edges[0] : 1;
    const digits = width >= 10 ? 0 : width >= 1 ? 1 : 2;
    mount(result, h("h2", {}, t("montecarlo")),
      h("p", { id: "mc-summary" }, `${t("runs")}: ${m.runs} (${t("mc_basis")}); ${t("expected_loss")}: ${num(m.expected_loss, 1)} ${t("final_value_days")}; ${t("var95")}: ${num(m.value_at_risk_95, 1)} ${t("final_value_days")}`),
      chart({ grid: { left: 50, right: 20, top: 20, bottom: 50 }, tooltip: { trigger: "axis" },
        xAxis: { type: "category", name: t("lost_final_value_days"), nameLocation: "middle", nameGap: 32,
          data: m.loss_distribution.counts.map((_, i) => `${edges[i].toFixed(digits)}–${edges[i + 1].toFixed(digits)}`) },
        yAxis: { type: "value", name: t("runs"), minInterval: 1 },
        series: [{ type: "bar", data: m.loss_distribution.counts, itemStyle: { color: "#1f3864" },
          markLine: { symbol: "none", label: { formatter: t("var95") }, data: [{ xAxis: m.loss_distribution.counts.findIndex((_, i) => edges[i + 1] >= m.value_at_risk_95) }] } }] }, { id: "mc-chart", height: 320 }),
      dataTable(m.most_critical, [
        { key: "name", label: t("node"), value: (n) => nameOf(layout.nodes.find((x) => x.id === n.id) || n) },
        { key: "share_of_runs_critical", label: t("share_runs_critical"), cell: (n) => pct(n.share_of_runs_critical) }], { id: "mc-critical", filter: false }));
  });
  const mcRuns = h("input", { type: "number", id: "mc-runs", min: "1", max: "5000", value: "500", "aria-label": t("runs") });
  const mcSeed = h("input", { type: "number", id: "mc-seed", min: "0", value: "0", "aria-label": t("seed") });

  mount(el(), h("h1", {}, t("scenario")),
    card(t("compose"), h("p", { class: "muted" }, t("compose_note")),
      h("div", { class: "scroll" }, h("table", { class: "compose" }, h("thead", {}, h("tr", {}, [t("shock_type"), t("target"), t("depth"), t("start_day"), t("duration_days"), ""].map((x) => h("th", {}, x)))), shocks)),
      h("p", { class: "toolbar" }, h("button", { type: "button", class: "action", id: "add-shock", onclick: () => addShock() }, `+ ${t("add_shock")}`),
        h("button", { type: "button", class: "action", id: "run-scenario", onclick: runNow }, t("run")),
        h("label", {}, t("horizon_days"), " ", days), h("button", { type: "button", class: "action", id: "run-dynamics", onclick: runOverTime }, t("run_over_time")),
        canSave ? [scName, h("button", { type: "button", class: "action", id: "save-scenario", onclick: save }, t("save"))] : null)),
    h("div", { class: "row" },
      card(t("sweeps"), h("p", { class: "toolbar" },
        h("button", { type: "button", class: "action", id: "run-sweep", onclick: sweep("country") }, t("sweep_country")),
        h("button", { type: "button", class: "action", id: "run-sweep-enterprise", onclick: sweep("enterprise") }, t("sweep_enterprise")),
        h("button", { type: "button", class: "action", id: "run-sweep-pair", onclick: sweep("pair") }, t("sweep_pair")))),
      card(t("montecarlo"), h("p", { class: "toolbar" }, h("label", {}, t("runs"), " ", mcRuns), h("label", {}, t("seed"), " ", mcSeed),
        h("button", { type: "button", class: "action", id: "run-mc", onclick: monteCarlo }, t("run")))),
      card(t("saved_scenarios"), saved.length ? h("ul", { id: "saved" }, saved.map((s) => h("li", {}, h("a", { href: link(name, "scenario", s) }, s), " ",
        canSave ? h("button", { type: "button", class: "pager", "aria-label": `${t("delete")} ${s}`, onclick: guard(async () => {
          if (!window.confirm(t("confirm_delete_scenario"))) return;
          await api(`/api/projects/${u(name)}/scenarios/${u(s)}`, { method: "DELETE" });
          location.hash = link(name, "scenario"); scenario(el, name);
        }) }, t("delete")) : null))) : h("p", { class: "muted" }, t("none")))),
    result);
  if (open) {
    const sc = await api(`/api/projects/${u(name)}/scenarios/${u(open)}`).catch(() => null);
    if (sc) { loaded = { description: sc.description, perspective: sc.perspective }; scName.value = sc.name; (sc.shocks || []).forEach((s) => addShock(s)); return; }
  }
  addShock({ type: "blockade", country: codes.includes("NLD") ? "NLD" : codes[0] });
}
