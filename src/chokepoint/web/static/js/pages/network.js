/* The reporting network (联网直报, 审核, 决策协同): a data set's completeness and timeliness by unit,
 * late reporters and reminders, the review queue, the exchange with other instances, the totals
 * received, and escalations with their decisions. Every value from the data goes in as text. */
import { h, mount } from "../dom.js";
import { api, json, t, tv, pct, state, u, when, zh } from "../core.js";
import { badge, card, dataTable, errorBox, muted, none } from "../components.js";

const rate = (v) => (v == null ? t("unknown") : pct(v));
/** A total's value in the indicator's measure (the mean of a rate or duration, else the sum) and unit. */
const measured = (r) => {
  const v = r.measure === "mean" ? r.mean : r.sum;
  if (v == null) return t("unknown");
  return r.unit === "fraction" ? pct(v) : `${Number(v).toLocaleString(zh() ? "zh-CN" : "en", { maximumFractionDigits: 2 })} ${tv("unit", r.unit)}`;
};

async function attempt(box, work) {
  try { await work(); } catch (e) { mount(box, errorBox(e.message)); }
}

export async function network(el, name, dataSet) {
  const officer = ["admin", "analyst", "officer"].includes(state.me.role);
  const sets = await api(`/api/projects/${u(name)}/data-sets`);
  const chosen = sets.find((s) => s.name === dataSet) || sets[0];
  const status = await api("/api/network").catch(() => null);
  const [rates, queue, escalations, totals, regionRates, found] = await Promise.all([
    chosen ? api(`/api/projects/${u(name)}/data-sets/${u(chosen.name)}/rates`) : [],
    officer ? api(`/api/projects/${u(name)}/review-queue`) : [],
    api("/api/escalations"),
    api("/api/network/totals"),
    api("/api/network/rates"),
    api("/api/network/chokepoints"),
  ]);
  const message = h("div", { id: "network-message", role: "status" });
  const reload = () => { state.cache = {}; network(el, name, chosen?.name); };
  const picker = h("select", { id: "data-set-pick", "aria-label": t("data_set"), onchange: (ev) => { location.hash = `#/p/${u(name)}/network/${u(ev.target.value)}`; } },
    sets.map((s) => h("option", { value: s.name, selected: s.name === chosen?.name }, `${(zh() && s.title_zh) || s.title || s.name} (${s.name})`)));
  const periods = [...new Set(rates.map((r) => r.period))].sort();
  const latest = periods[periods.length - 1];
  const rateTable = dataTable(rates, [
    { key: "unit", label: t("unit_col"), value: (r) => `${zh() ? r.name_zh : r.name} (${r.unit})` }, { key: "level", label: t("level"), value: (r) => tv("unit_level", r.level) },
    { key: "period", label: t("period") }, { key: "expected", label: t("col_expected") },
    { key: "submitted", label: t("col_submitted") }, { key: "on_time", label: t("col_on_time") },
    { key: "approved", label: t("col_approved") }, { key: "returned", label: t("col_returned") }, { key: "late", label: t("col_late") },
    { key: "completeness", label: t("col_completeness"), cell: (r) => rate(r.completeness), value: (r) => r.completeness },
    { key: "timeliness", label: t("col_timeliness"), cell: (r) => rate(r.timeliness), value: (r) => r.timeliness },
  ], { id: "network-rates", empty: t("network_no_reports") });
  const lateBox = h("div", { id: "network-late" });
  if (chosen && officer && latest) {
    const late = await api(`/api/projects/${u(name)}/data-sets/${u(chosen.name)}/late?period=${u(latest)}`);
    mount(lateBox, h("h3", {}, `${t("network_late")} · ${latest}`), dataTable(late, [
      { key: "name", label: t("enterprise"), value: (r) => (zh() ? r.name_zh : r.name) }, { key: "location", label: t("region") },
      { key: "state", label: t("status"), value: (r) => (r.state ? tv("report_state", r.state) : t("network_nothing")) },
      { key: "days_late", label: t("col_days_late") }, { key: "comment", label: t("comment") },
    ], { id: "late-table", empty: t("none") }),
    late.length ? h("button", { class: "action", type: "button", id: "remind-button", onclick: () => attempt(message, async () => {
      const done = await api(`/api/projects/${u(name)}/data-sets/${u(chosen.name)}/reminders?period=${u(latest)}`, { method: "POST" });
      mount(message, h("p", { class: "ok", id: "remind-ok" }, t("network_reminded").replace("{n}", done.reminded.length).replace("{m}", done.unreached.length)));
    }) }, t("network_remind")) : null);
  }
  const comment = h("input", { id: "review-comment", "aria-label": t("comment"), placeholder: t("network_comment_hint"), size: 40 });
  const act = (action, rows) => attempt(message, async () => {
    // one request per data set, at most 5,000 reports each (the route takes up to 10,000)
    const bySet = new Map();
    rows.forEach((r) => { if (!bySet.has(r.data_set)) bySet.set(r.data_set, []); bySet.get(r.data_set).push(r); });
    for (const [set, reports] of bySet) {
      for (let k = 0; k < reports.length; k += 5000) {
        await api(`/api/projects/${u(name)}/data-sets/${u(set)}/reviews`, json({
          action, comment: comment.value,
          reports: reports.slice(k, k + 5000).map((r) => ({ enterprise: r.enterprise, period: r.period, revision: r.revision })),
        }));
      }
    }
    reload();
  });
  const queueTable = officer ? [h("p", { class: "toolbar" }, h("label", {}, t("comment"), " ", comment),
    queue.length ? h("button", { class: "action", type: "button", id: "approve-all", onclick: () => act("approve", queue) }, t("network_approve_all")) : null),
  dataTable(queue, [
    { key: "name", label: t("enterprise"), value: (r) => (zh() ? r.name_zh : r.name) }, { key: "period", label: t("period") },
    { key: "data_set", label: t("data_set") }, { key: "state", label: t("status"), value: (r) => tv("report_state", r.state) },
    { key: "revision", label: t("col_revision") }, { key: "submitted_at", label: t("submitted"), value: (r) => when(r.submitted_at) },
    { key: "actions", label: t("actions"), cell: (r) => [
      h("button", { type: "button", class: "small", onclick: () => act("approve", [r]) }, t("network_approve")), " ",
      h("button", { type: "button", class: "small", onclick: () => act("query", [r]) }, t("network_query")), " ",
      h("button", { type: "button", class: "small", onclick: () => act("return", [r]) }, t("network_return"))] },
  ], { id: "review-queue", empty: t("network_queue_empty") })] : [muted(t("network_officers_only"))];
  const exchange = status ? [
    h("p", { id: "network-instance" }, `${status.instance.name} (${status.instance.unit}) · ${t("network_policy")}: ${tv("network_policy", status.instance.policy)} · ${t("network_fingerprint")} ${status.instance.fingerprint}`),
    dataTable(status.peers, [
      { key: "name", label: t("name") }, { key: "role", label: t("role"), value: (r) => tv("peer_role", r.role) }, { key: "unit", label: t("unit_col") },
      { key: "fingerprint", label: t("network_fingerprint") }, { key: "last_sequence", label: t("col_last_sequence") },
      { key: "last_exchange_at", label: t("col_last_exchange"), value: (r) => when(r.last_exchange_at) },
    ], { id: "network-peers" }),
    status.outbox.length ? muted(status.outbox.map((o) => t("network_outbox").replace("{r}", o.receiver).replace("{n}", o.bundles).replace("{w}", o.waiting)).join("; ")) : null,
  ] : [muted(t("network_no_identity"))];
  const received = totals.length ? dataTable(totals, [
    { key: "data_set", label: t("data_set") }, { key: "period", label: t("period") },
    { key: "indicator", label: t("indicator"), value: (r) => (zh() ? r.indicator_name_zh : r.indicator_name) },
    { key: "region", label: t("region"), value: (r) => (r.region === "national" ? t("network_national") : r.region) },
    { key: "measure", label: t("col_measure"), value: (r) => tv("measure", r.measure) },
    { key: "value", label: t("value"), value: (r) => measured(r) },
    { key: "enterprises", label: t("col_enterprises") }, { key: "conflicted", label: t("col_conflicted") },
  ], { id: "network-totals" }) : none();
  const regional = regionRates.length ? dataTable(regionRates, [
    { key: "region", label: t("region"), value: (r) => (r.region === "national" ? t("network_national") : r.region) },
    { key: "data_set", label: t("data_set") }, { key: "period", label: t("period") },
    { key: "completeness", label: t("col_completeness"), cell: (r) => rate(r.completeness), value: (r) => r.completeness },
    { key: "timeliness", label: t("col_timeliness"), cell: (r) => rate(r.timeliness), value: (r) => r.timeliness },
  ], { id: "network-region-rates" }) : none();
  const chokepoints = found.length ? dataTable(found, [
    { key: "level", label: t("level"), cell: (r) => badge(r.level) },
    { key: "name", label: t("node"), value: (r) => (zh() && r.name_zh ? r.name_zh : r.name) },
    { key: "project", label: t("project") }, { key: "regions", label: t("col_regions") },
    { key: "by_region", label: t("network_by_region"), value: (r) => r.by_region.map((x) => `${x.region} ${x.level}`).join("; ") },
  ], { id: "network-chokepoints", pageSize: 15 }) : none();
  const decision = h("input", { id: "decision-text", "aria-label": t("network_decision"), placeholder: t("network_decision"), size: 30 });
  const why = h("input", { id: "decision-why", "aria-label": t("network_why"), placeholder: t("network_why"), size: 30 });
  const decide = (e) => attempt(message, async () => {
    await api(`/api/escalations/${u(e.id)}/decision`, json({ decision: decision.value, why: why.value }));
    reload();
  });
  const escTable = dataTable(escalations, [
    { key: "raised_at", label: t("when"), value: (r) => when(r.raised_at) },
    { key: "alert", label: t("message"), value: (r) => (zh() ? r.alert.message_zh : r.alert.message_en) },
    { key: "route", label: t("network_route"), value: (r) => `${r.origin ? `${r.origin}: ` : ""}${r.from_unit} → ${r.to_unit}` },
    { key: "reason", label: t("reason") }, { key: "state", label: t("status"), value: (r) => tv("escalation_state", r.state) },
    { key: "decision", label: t("network_decision"), cell: (r) => (r.state === "decided" ? `${r.decision} (${r.why}; ${r.decided_by}, ${when(r.decided_at)})`
      : officer ? h("button", { type: "button", class: "small", onclick: () => decide(r) }, t("network_decide")) : "") },
  ], { id: "escalations", empty: t("none") });
  mount(el(), h("h1", {}, t("network")),
    sets.length ? h("p", { class: "toolbar" }, h("label", {}, t("data_set"), " ", picker)) : h("p", { class: "muted", id: "no-data-sets" }, t("network_no_sets")),
    message,
    card(t("network_rates"), rateTable, lateBox),
    card(t("network_review"), ...queueTable),
    card(t("network_exchange"), ...exchange),
    card(t("network_received"), h("h3", {}, t("network_totals")), received, h("h3", {}, t("network_region_rates")), regional,
      h("h3", {}, t("network_chokepoints")), chokepoints),
    card(t("network_escalations"), officer ? h("p", { class: "toolbar" }, decision, " ", why) : null, escTable));
}

/** The reports of the enterprises the user may read raw, with the reviewer's comment (for the report page). */
export async function myReports(name) {
  const rows = await api(`/api/projects/${u(name)}/data-reports`).catch(() => []);
  return dataTable(rows, [
    { key: "data_set", label: t("data_set") }, { key: "enterprise", label: t("enterprise") }, { key: "period", label: t("period") },
    { key: "state", label: t("status"), value: (r) => tv("report_state", r.state) }, { key: "revision", label: t("col_revision") },
    { key: "comment", label: t("comment"), class: "reason" },
  ], { id: "data-reports", empty: t("none") });
}
