// A VM's or scale set's Identity blade: the System assigned tab (Status Off/On, Save, the object (principal) ID,
// its Azure role assignments) and the User assigned tab (the list, Add with a picker, Remove with a
// confirmation). Every change is one call to the API, which goes through core.
import { api, url, el, show, busy, tabs, table, dialog, confirm } from "./ui.js";

const kindLabel = { vm: "Virtual machine", vmss: "Virtual machine scale set" };

export async function bladePage(params) {
  const id = params.get("id") || "";
  const ident = await busy("Loading the identity", "Identity loaded", () => api("GET", url("/api/identity", { id })));
  if (!ident) {
    show(el("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, el("a", { href: "#/" }, "Resources")),
      el("h1", {}, "Identity"), el("p", {}, "This resource's identity could not be read."));
    return;
  }
  render(ident, params.get("tab") || "system");
}

function render(ident, tab) {
  const r = ident.resource;
  const system = el("div", { class: "panel" });
  const user = el("div", { class: "panel" });
  fillSystem(system, ident);
  fillUser(user, ident);
  show(
    el("nav", { class: "crumbs", "aria-label": "Breadcrumb" },
      el("a", { href: "#/" }, "Resources"), " › ", el("span", { "aria-current": "page" }, r.name)),
    el("h1", {}, `${r.name} | Identity`),
    el("p", { class: "sub" }, `${kindLabel[r.kind]} · resource group ${r.resourceGroup}`),
    tabs("Identity", [
      { id: "system", label: "System assigned", panel: system },
      { id: "user", label: "User assigned", panel: user },
    ], tab, (t) => history.replaceState(null, "", `#/resource?id=${encodeURIComponent(r.id)}&tab=${t}`)),
  );
}

/** Refill both tabs from the identity an operation answered with, keeping focus where it was. */
function refresh(ident) {
  const focused = document.activeElement && document.activeElement.id;
  fillSystem(document.getElementById("panel-system"), ident);
  fillUser(document.getElementById("panel-user"), ident);
  const again = focused && document.getElementById(focused);
  if (again && !again.disabled) again.focus();
}

function fillSystem(panel, ident) {
  const on = ident.systemAssigned;
  const save = el("button", { type: "button", id: "save", class: "primary", disabled: true }, "Save");
  const discard = el("button", { type: "button", id: "discard", disabled: true }, "Discard");
  const reload = el("button", { type: "button", id: "refresh-system" }, "Refresh");
  const radio = (value, label) => [
    el("input", { type: "radio", name: "status", id: `status-${value}`, value, checked: (value === "on") === on }),
    el("label", { for: `status-${value}` }, label),
  ];
  const status = el("fieldset", { class: "toggle" }, el("legend", {}, "Status"), radio("off", "Off"), radio("on", "On"));
  const chosen = () => status.querySelector("input:checked").value === "on";
  status.addEventListener("change", () => {
    save.disabled = discard.disabled = chosen() === on;
  });
  discard.addEventListener("click", () => fillSystem(panel, ident));
  reload.addEventListener("click", () => reloadIdentity(ident.resource.id));
  save.addEventListener("click", async () => {
    const turnOn = chosen();
    const verb = turnOn ? "assign" : "remove";
    const result = await busy(
      `${turnOn ? "Enabling" : "Disabling"} the system assigned identity of ${ident.resource.name}`,
      (r) => `Saved: the system assigned identity of ${r.resource.name} is ${r.systemAssigned ? "On" : "Off"}`,
      () => api("POST", url(`/api/identity/${verb}`, { id: ident.resource.id }), { systemAssigned: true }),
    );
    if (result) refresh(result);
  });
  const content = [
    el("p", { class: "help" }, "A system assigned managed identity is restricted to one per resource and is tied to the lifecycle of this resource. It is registered with Microsoft Entra ID."),
    el("div", { class: "toolbar", role: "toolbar", "aria-label": "System assigned" }, save, discard, reload),
    status,
  ];
  if (on) {
    const roles = el("div", { id: "role-assignments" }, el("p", {}, "Loading role assignments…"));
    content.push(
      el("dl", { class: "props" }, el("dt", {}, "Object (principal) ID"), el("dd", { id: "principal-id" }, ident.principalId || "")),
      el("section", { "aria-labelledby": "h-roles" }, el("h2", { id: "h-roles" }, "Azure role assignments"), roles),
    );
    loadRoles(roles, ident.principalId);
  }
  panel.replaceChildren(...content);
}

async function loadRoles(box, principal) {
  try {
    const list = await api("GET", url("/api/role-assignments", { principal }));
    box.replaceChildren(table("Azure role assignments", ["Role", "Scope"], list.map((a) => [a.role, a.scope]),
      "This identity has no role assignments in this subscription."));
  } catch (err) {
    box.replaceChildren(el("p", { class: "inline-error" }, `Role assignments could not be read: ${err.code}: ${err.message}`));
  }
}

async function reloadIdentity(id) {
  const ident = await busy("Refreshing", "Identity refreshed", () => api("GET", url("/api/identity", { id })));
  if (ident) refresh(ident);
}

function fillUser(panel, ident) {
  const add = el("button", { type: "button", id: "add-user" }, "+ Add");
  const remove = el("button", { type: "button", id: "remove-user", disabled: true }, "Remove");
  const reload = el("button", { type: "button", id: "refresh-user" }, "Refresh");
  const rows = ident.userAssigned.map((u, i) => {
    const box = el("input", { type: "checkbox", id: `ua-${i}`, dataset: { id: u.id, name: u.name } });
    return [[box, el("label", { for: box.id, class: "visually-hidden" }, `Select ${u.name}`)], u.name, u.resourceGroup, u.clientId || ""];
  });
  const list = table("User assigned managed identities", ["Select", "Name", "Resource group", "Client ID"], rows,
    "No user assigned managed identities are attached to this resource.");
  const wrap = el("div", {}, list);
  const selected = () => [...wrap.querySelectorAll("tbody input:checked")];
  wrap.addEventListener("change", () => { remove.disabled = selected().length === 0; });
  add.addEventListener("click", () => addIdentities(ident));
  remove.addEventListener("click", () => removeIdentities(ident, selected().map((b) => b.dataset)));
  reload.addEventListener("click", () => reloadIdentity(ident.resource.id));
  panel.replaceChildren(
    el("p", { class: "help" }, "User assigned managed identities enable Azure resources to authenticate to cloud services without storing credentials in code. One identity can be attached to many resources."),
    el("div", { class: "toolbar", role: "toolbar", "aria-label": "User assigned" }, add, remove, reload),
    wrap,
  );
}

async function addIdentities(ident) {
  const all = await busy("Loading the subscription's user assigned identities", "", () => api("GET", "/api/identities"));
  if (!all) return;
  const attached = new Set(ident.userAssigned.map((u) => u.id.toLowerCase()));
  const items = all.map((u, i) => {
    const has = attached.has(u.id.toLowerCase());
    const box = el("input", { type: "checkbox", id: `pick-${i}`, disabled: has, dataset: { id: u.id, name: u.name } });
    return el("li", {}, box, el("label", { for: box.id }, `${u.name} `, el("span", { class: "sub" }, `(${u.resourceGroup}${has ? ", already added" : ""})`)));
  });
  const body = items.length
    ? el("fieldset", { class: "picker" }, el("legend", {}, "User assigned managed identities in this subscription"), el("ul", {}, items))
    : el("p", {}, "There are no user assigned managed identities in this subscription: create one under Managed Identities.");
  let picked = [];
  const choice = await dialog("Add user assigned managed identity", body, [
    { label: "Add", value: "add", primary: true, id: "picker-add" },
    { label: "Cancel", value: "cancel", id: "picker-cancel" },
  ], (d) => {
    const ok = d.querySelector("#picker-add");
    const update = () => {
      picked = [...d.querySelectorAll(".picker input:checked")].map((b) => b.dataset.id);
      ok.disabled = picked.length === 0;
    };
    body.addEventListener("change", update);
    update();
  });
  if (choice !== "add" || !picked.length) return;
  const result = await busy(`Adding ${picked.length} user assigned identit${picked.length > 1 ? "ies" : "y"} to ${ident.resource.name}`,
    (r) => `Added: ${r.resource.name} has ${r.userAssigned.length} user assigned identit${r.userAssigned.length === 1 ? "y" : "ies"}`,
    () => api("POST", url("/api/identity/assign", { id: ident.resource.id }), { identities: picked }));
  if (result) refresh(result);
}

async function removeIdentities(ident, chosen) {
  if (!chosen.length) return;
  const names = chosen.map((c) => `'${c.name}'`).join(", ");
  const yes = await confirm("Remove user assigned managed identities", `Do you want to remove ${names} from '${ident.resource.name}'?`);
  if (!yes) return;
  const result = await busy(`Removing ${names} from ${ident.resource.name}`,
    (r) => `Removed: ${r.resource.name} has ${r.userAssigned.length} user assigned identit${r.userAssigned.length === 1 ? "y" : "ies"}`,
    () => api("POST", url("/api/identity/remove", { id: ident.resource.id }), { identities: chosen.map((c) => c.id) }));
  if (result) refresh(result);
}
