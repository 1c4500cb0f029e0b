/* State, translation, API calls and number formats shared by every page. */
import { STRINGS, VALUES } from "./i18n.js";

export const state = { lang: localStorage.getItem("lang") || "en", me: null, cache: {}, seq: 0, charts: [] };

/** Translations that were asked for but do not exist (the browser tests fail on any). */
window.__missing = window.__missing || [];

/** The UI string ``key`` in the current language. */
export function t(key) {
  const table = STRINGS[state.lang] || STRINGS.en;
  if (key in table) return table[key];
  window.__missing.push(`${state.lang}:${key}`);
  return key;
}

/** A value from the core (level, quadrant, status, kind, component, basis, role) in words. */
export function tv(group, value) {
  if (value == null || value === "") return "";
  const table = (VALUES[state.lang] || VALUES.en)[group] || {};
  if (value in table) return table[value];
  if (group === "problem") return table.other; // a new validation code: the reason column says what
  window.__missing.push(`${state.lang}:${group}.${value}`);
  return String(value);
}

export const zh = () => state.lang === "zh";
export const nameOf = (row) => (zh() && row?.name_zh ? row.name_zh : row?.name ?? "");
export const u = (s) => encodeURIComponent(String(s ?? "")); // every data value inside a URL
export const link = (...parts) => `#/p/${parts.map(u).join("/")}`;

export function pct(x, digits = 1) {
  if (x == null || Number.isNaN(x)) return "";
  return `${(x * 100).toFixed(digits).replace(/\.0+$/, "")}%`;
}
export function num(x, digits = 2) {
  return x == null || Number.isNaN(x) ? "" : Number(x).toFixed(digits);
}
export function when(s) {
  if (!s) return "";
  const d = new Date(String(s).replace(" ", "T"));
  return Number.isNaN(d.getTime()) ? String(s) : d.toLocaleString(zh() ? "zh-CN" : "en", { dateStyle: "medium", timeStyle: "short" });
}
export function int(x) {
  return x == null ? "" : Number(x).toLocaleString(zh() ? "zh-CN" : "en");
}

export class ApiError extends Error {}

/** The CSRF cookie's value, echoed in X-CSRF-Token by every state-changing request. */
export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)chokepoint_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export async function api(path, options = {}) {
  const method = (options.method || "GET").toUpperCase();
  const headers = { ...(options.headers || {}) };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken();
  const res = await fetch(path, { credentials: "same-origin", ...options, headers });
  const type = res.headers.get("content-type") || "";
  const body = type.includes("json") ? await res.json() : await res.text();
  if (res.status === 401 && !path.endsWith("/api/login")) {
    location.hash = "#/login";
    const e = new ApiError("unauthenticated"); e.status = 401; throw e;
  }
  if (!res.ok) {
    const e = new ApiError(body?.error?.message || res.statusText);
    e.status = res.status; e.code = body?.error?.code; e.body = body; throw e;
  }
  return body;
}

export const json = (body, method = "POST") => ({
  method, headers: { "content-type": "application/json" }, body: JSON.stringify(body),
});

export async function cached(key, make) {
  if (!(key in state.cache)) state.cache[key] = make();
  try { return await state.cache[key]; } catch (e) { delete state.cache[key]; throw e; }
}

/** A background job (sweep, Monte Carlo): poll until done, reporting progress. */
export async function finished(job, onProgress) {
  let s;
  do {
    await new Promise((r) => setTimeout(r, 300));
    s = await api(job.status_url);
    onProgress?.(s);
  } while (s.status === "running");
  if (s.status !== "done") throw new ApiError(s.error || s.status);
  return api(s.result_url);
}

export const project = {
  assessment: (p) => cached(`assessment:${p}:${state.lang}`, () => api(`/api/projects/${u(p)}/assessment?lang=${state.lang}`)),
  summary: (p) => cached(`summary:${p}`, () => api(`/api/projects/${u(p)}`)),
  layout: (p) => cached(`layout:${p}`, () => api(`/api/projects/${u(p)}/layout`)),
  actors: (p) => cached(`actors:${p}`, () => api(`/api/projects/${u(p)}/actors`)),
  perspective: (p) => cached(`perspective:${p}`, () => api(`/api/projects/${u(p)}/perspective`)),
  countries: (p) => cached(`countries:${p}:${state.lang}`, () => api(`/api/projects/${u(p)}/countries?lang=${state.lang}`)),
};

/** Which pages a role may use (the API checks every request; this only shapes the navigation). */
export const ROLE_PAGES = {
  admin: ["map", "chokepoints", "regions", "network", "experts", "scenario", "alerts", "monitoring", "report", "lists", "tasks", "challenges", "data", "admin"],
  analyst: ["map", "chokepoints", "regions", "network", "experts", "scenario", "alerts", "monitoring", "report", "lists", "tasks", "challenges", "data"],
  officer: ["map", "chokepoints", "regions", "network", "experts", "scenario", "alerts", "monitoring", "report", "lists", "tasks", "challenges", "data"],
  viewer: ["map", "chokepoints", "regions", "network", "experts", "scenario", "alerts", "monitoring", "lists", "tasks", "challenges", "data"],
  reporter: ["report"],
};
