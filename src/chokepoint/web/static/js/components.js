/* Building blocks of the pages: tables, badges, bars, cards and charts (all DOM, no markup). */
import { h, mount } from "./dom.js";
import { t, tv, state } from "./core.js";

window.addEventListener("resize", () => state.charts.forEach((c) => { try { if (!c.isDisposed()) c.resize(); } catch (e) { console.warn("chart resize", e); } }));

export const LEVEL_COLORS = { I: "#d4380d", II: "#fa8c16", III: "#fadb14", IV: "#69b1ff", low: "#95de64", insufficient_data: "#bfbfbf" };
export const LEVELS = ["I", "II", "III", "IV", "low", "insufficient_data"];

export const badge = (level) => h("span", { class: `badge lv-${level}` }, tv("level", level));
export const card = (title, ...children) => h("section", { class: "card" }, title ? h("h2", {}, title) : null, ...children);
export const muted = (...children) => h("span", { class: "muted" }, ...children);
export const none = () => h("p", { class: "muted" }, t("none"));

/** A horizontal bar for a share in [0, 1] (coloured by class: home, restricted). */
export const bar = (share, cls = "") =>
  h("span", { class: `bar ${cls}`, style: { width: `${Math.round(Math.max(0, Math.min(1, share || 0)) * 100)}%` }, role: "presentation" });

/**
 * A table with headers from ``columns`` ([{key, label, value(row), cell(row) -> node|string,
 * sort(row) -> comparable, class}]): click a header to sort (Enter too), type to filter, pages of
 * ``pageSize`` rows. Returns the wrapper; ``id`` names the <table>.
 */
export function dataTable(rows, columns, { id, pageSize = 25, filter = true, empty } = {}) {
  let sortKey = null; let asc = true; let page = 0; let query = "";
  const body = h("tbody");
  const info = h("span", { class: "muted pager-info" });
  const prev = h("button", { type: "button", class: "pager", onclick: () => { page -= 1; draw(); } }, t("previous"));
  const next = h("button", { type: "button", class: "pager", onclick: () => { page += 1; draw(); } }, t("next"));
  const head = h("tr", {}, columns.map((c) => h("th", {
    scope: "col", tabindex: "0", dataset: { k: c.key }, "aria-sort": "none",
    onclick: () => sortBy(c.key), onkeydown: (e) => { if (e.key === "Enter") sortBy(c.key); },
  }, c.label)));
  const sortBy = (key) => { asc = sortKey === key ? !asc : true; sortKey = key; page = 0; draw(); };
  const text = (r) => columns.map((c) => String(c.value ? c.value(r) ?? "" : r[c.key] ?? "")).join(" ").toLowerCase();
  const draw = () => {
    let shown = query ? rows.filter((r) => text(r).includes(query)) : rows.slice();
    const col = columns.find((c) => c.key === sortKey);
    if (col) {
      const key = col.sort || col.value || ((r) => r[col.key]);
      shown.sort((x, y) => {
        const a = key(x); const b = key(y);
        if (a == null && b == null) return 0; if (a == null) return 1; if (b == null) return -1;
        return (a > b ? 1 : a < b ? -1 : 0) * (asc ? 1 : -1);
      });
    }
    head.querySelectorAll("th").forEach((th) => th.setAttribute("aria-sort", th.dataset.k === sortKey ? (asc ? "ascending" : "descending") : "none"));
    const pages = Math.max(1, Math.ceil(shown.length / pageSize));
    page = Math.max(0, Math.min(page, pages - 1));
    const slice = shown.slice(page * pageSize, (page + 1) * pageSize);
    mount(body, slice.length ? slice.map((r) => h("tr", {}, columns.map((c) =>
      h("td", { class: c.class || null }, c.cell ? c.cell(r) : c.value ? c.value(r) : r[c.key])))) :
      h("tr", {}, h("td", { colspan: String(columns.length), class: "muted" }, empty || t("none"))));
    info.textContent = `${shown.length ? page * pageSize + 1 : 0}–${page * pageSize + slice.length} / ${shown.length} ${t("rows")}`;
    prev.disabled = page === 0; next.disabled = page >= pages - 1;
    pagerRow.hidden = pages <= 1;
  };
  const search = filter ? h("input", { type: "search", class: "table-filter", placeholder: t("filter"), "aria-label": t("filter"),
    oninput: (e) => { query = e.target.value.toLowerCase(); page = 0; draw(); } }) : null;
  const table = h("table", { id: id || null }, h("thead", {}, head), body);
  const pagerRow = h("div", { class: "pager-row" }, prev, info, next);
  draw();
  const wrap = h("div", { class: "table-wrap" }, search, h("div", { class: "scroll" }, table), pagerRow);
  wrap.redraw = (newRows) => { rows = newRows; draw(); };
  return wrap;
}

/** Label/value pairs as a definition list. */
export const facts = (pairs) => h("dl", { class: "facts" }, pairs.filter(([, v]) => v != null && v !== "").map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));

/** An ECharts chart in a new container; disposed when the page changes. */
export function chart(option, { id, height = 360 } = {}) {
  const el = h("div", { class: "chart", id: id || null, style: { height: `${height}px` } });
  requestAnimationFrame(() => {
    if (!el.isConnected || !window.echarts) return;
    const c = window.echarts.init(el, null, { renderer: "svg" });
    // tooltips render as chart text (richText), never as HTML: names from the data stay text
    const tooltip = option.tooltip ? { ...option.tooltip, renderMode: "richText" } : undefined;
    c.setOption({ textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', sans-serif" }, animation: false, ...option, tooltip });
    el.chart = c;
    state.charts.push(c);
  });
  return el;
}

/** A ranked horizontal bar chart: [{label, value}] (value in [0, 1] shown as %). */
export function rankedBars(items, { name, id, percent = true, color = "#1f3864" } = {}) {
  const shown = items.slice(0, 20).reverse();
  return chart({
    grid: { left: 24, right: 40, top: 10, bottom: 30, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => (percent ? `${(v * 100).toFixed(1)}%` : v) },
    xAxis: { type: "value", name, nameLocation: "middle", nameGap: 24, max: percent ? 1 : null,
      axisLabel: { formatter: (v) => (percent ? `${Math.round(v * 100)}%` : v) } },
    yAxis: { type: "category", data: shown.map((x) => x.label), axisLabel: { width: 200, overflow: "truncate" } },
    series: [{ type: "bar", data: shown.map((x) => x.value), itemStyle: { color } }],
  }, { id, height: Math.max(160, 26 * shown.length + 50) });
}

/** A download link (a real <a>, so the browser saves the file). */
export const download = (href, label, id) => h("a", { class: "action", href, id: id || null, download: "" }, label);

/** An error message box. */
export const errorBox = (message) => h("p", { class: "error", role: "alert" }, message);

/** Register the vendored world map once (Natural Earth 1:110m, features named by ISO3). */
let worldLoaded = null;
export function worldMap() {
  worldLoaded = worldLoaded || fetch("/static/vendor/world-110m.geo.json").then((r) => r.json()).then((geo) => { window.echarts.registerMap("world", geo); });
  return worldLoaded;
}

/** A world map coloured by a share in [0, 1] per ISO3 code: [{code, value}], names from ``names``. */
export function shareMap(items, names, { id, label } = {}) {
  const el = h("div", { class: "chart", id: id || null, style: { height: "360px" } });
  worldMap().then(() => {
    if (!el.isConnected) return;
    const c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption({
      animation: false,
      tooltip: { trigger: "item", renderMode: "richText", formatter: (p) => (p.value >= 0 ? `${names[p.name] || p.name}: ${(p.value * 100).toFixed(1)}%` : `${names[p.name] || p.name}`) },
      visualMap: { min: 0, max: 1, left: 10, bottom: 10, text: [`${label || ""} 100%`, "0%"], calculable: false, inRange: { color: ["#deebf7", "#08519c"] } },
      series: [{ type: "map", map: "world", roam: true, emphasis: { label: { show: false } }, itemStyle: { areaColor: "#eaeef2", borderColor: "#afb8c1", borderWidth: 0.5 },
        data: items.map((x) => ({ name: x.code, value: x.value })) }],
    });
    el.chart = c; state.charts.push(c);
  });
  return el;
}
