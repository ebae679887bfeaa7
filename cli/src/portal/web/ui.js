// Shared pieces of the page: calls to the portal's API, the status line, ARM's errors, a modal dialog, tabs.

/** An error answered by the API: ARM's code, message and request id, and the HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || "Error";
    this.requestId = e.requestId || "";
  }
}

/** Call the API; resolves to the JSON answer, rejects with an ApiError. */
export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!r.ok) throw new ApiError(r.status, json);
  return json;
}

/** `/api/x?k=v` with every value encoded. */
export function url(path, params) {
  const q = new URLSearchParams(params).toString();
  return q ? `${path}?${q}` : path;
}

/** Make an element: el("button", {type: "button", onclick: f}, "text", child, ...). */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function setStatus(text) {
  document.getElementById("status").textContent = text;
}

export function clearError() {
  const box = document.getElementById("error");
  box.hidden = true;
  box.replaceChildren();
}

/** Show ARM's error: code, message, request id, status. */
export function showError(err) {
  const box = document.getElementById("error");
  const fields = [["Code", err.code || "Error"], ["Message", err.message]];
  if (err.requestId) fields.push(["Request ID", err.requestId]);
  if (err.status) fields.push(["HTTP status", String(err.status)]);
  box.replaceChildren(
    el("h2", {}, "The operation failed"),
    el("dl", {}, fields.map(([k, v]) => [el("dt", {}, k), el("dd", { class: `err-${k.toLowerCase().replace(/\W+/g, "-")}` }, v)])),
  );
  box.hidden = false;
}

/**
 * Run an operation with progress shown: every button of the page disabled, the status line saying what runs,
 * then what happened; ARM's error shown when it fails. Resolves to the result, or undefined on failure.
 */
export async function busy(label, done, op) {
  clearError();
  // Disabling the focused button would drop focus to <body>: it is given back when the operation ends.
  const had = document.activeElement;
  document.body.dataset.busy = "1";
  document.getElementById("main").setAttribute("aria-busy", "true");
  const disabled = [...document.querySelectorAll("main button:not([disabled]), main input:not([disabled]), main select:not([disabled])")];
  disabled.forEach((b) => { b.disabled = true; });
  setStatus(`${label}…`);
  try {
    const result = await op();
    setStatus(typeof done === "function" ? done(result) : done);
    return result;
  } catch (err) {
    setStatus(`${label}: failed`);
    showError(err);
    return undefined;
  } finally {
    disabled.forEach((b) => { if (b.isConnected) b.disabled = false; });
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost && had && had !== document.body && had.isConnected && !had.disabled) had.focus();
    document.getElementById("main").removeAttribute("aria-busy");
    delete document.body.dataset.busy;
  }
}

/**
 * A modal dialog (the native <dialog>: focus stays inside, Escape cancels) with `body` and buttons
 * [{label, value, primary, id}]. Resolves to the value of the button pressed ("" on Escape); focus returns to
 * the element that had it.
 */
export function dialog(title, body, buttons, onOpen) {
  const d = document.getElementById("dialog");
  const opener = document.activeElement;
  document.getElementById("dialog-title").textContent = title;
  document.getElementById("dialog-body").replaceChildren(...[body].flat());
  document.getElementById("dialog-buttons").replaceChildren(
    ...buttons.map((b) => el("button", { value: b.value, id: b.id, class: b.primary ? "primary" : undefined }, b.label)),
  );
  d.returnValue = "";
  return new Promise((resolve) => {
    d.addEventListener("close", () => {
      if (opener && opener.isConnected) opener.focus();
      resolve(d.returnValue);
    }, { once: true });
    d.showModal();
    if (onOpen) onOpen(d);
  });
}

/** Yes/No confirmation; resolves to true for Yes. */
export async function confirm(title, text, yesId) {
  const v = await dialog(title, el("p", {}, text), [
    { label: "Yes", value: "yes", primary: true, id: yesId || "confirm-yes" },
    { label: "No", value: "no", id: "confirm-no" },
  ]);
  return v === "yes";
}

/**
 * Tabs over [{id, label, panel: Element}]: role=tablist/tab/tabpanel, one tab in the focus order, arrow keys
 * (and Home/End) move between tabs and select them.
 */
export function tabs(label, items, selected, onSelect) {
  const list = el("div", { role: "tablist", "aria-label": label, class: "tablist" });
  const panels = [];
  const buttons = items.map((t) => el("button", {
    type: "button", role: "tab", id: `tab-${t.id}`, "aria-controls": `panel-${t.id}`,
  }, t.label));
  items.forEach((t, i) => {
    const p = t.panel;
    p.id = `panel-${t.id}`;
    p.setAttribute("role", "tabpanel");
    p.setAttribute("aria-labelledby", `tab-${t.id}`);
    p.tabIndex = 0;
    panels.push(p);
    buttons[i].addEventListener("click", () => select(i, false));
  });
  function select(i, focus) {
    buttons.forEach((b, j) => {
      b.setAttribute("aria-selected", String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    if (focus) buttons[i].focus();
    if (onSelect) onSelect(items[i].id);
  }
  list.addEventListener("keydown", (e) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    const n = buttons.length;
    const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    select(to, true);
  });
  list.append(...buttons);
  select(Math.max(0, items.findIndex((t) => t.id === selected)), false);
  return [list, ...panels];
}

/** A table with a caption, column headings and rows of cells. */
export function table(caption, headings, rows, empty) {
  if (!rows.length) return el("p", { class: "empty" }, empty);
  return el("table", {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c))))));
}

/** Replace the page's content and move focus to its heading (so screen readers announce the new page). */
export function show(...content) {
  const main = document.getElementById("main");
  main.replaceChildren(...content.flat());
  const h = main.querySelector("h1");
  if (h) { h.tabIndex = -1; h.focus(); }
}
