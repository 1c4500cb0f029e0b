/* The one rendering rule of the web UI: pages build DOM nodes; data only ever becomes text.
 *
 * h(tag, props, ...children) creates an element. Children that are strings or numbers become
 * text nodes (never markup); null, undefined and false are skipped; arrays are flattened.
 * props: "class", "id", "style" (object), "dataset" (object), "on<event>" (listener), any
 * other key becomes an attribute (a property for "value", "checked", "disabled", "selected").
 * No module of the UI writes innerHTML, outerHTML or insertAdjacentHTML; a test greps for them.
 */
const PROPS = new Set(["value", "checked", "disabled", "selected", "multiple"]);

export function h(tag, props, ...children) {
  const el = tag === "svg" || SVG_TAGS.has(tag)
    ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "style") Object.assign(el.style, value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (PROPS.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

const SVG_TAGS = new Set(["svg", "g", "rect", "circle", "line", "text", "path", "title"]);

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace everything inside ``el`` with ``children``. */
export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
