// The Managed Identities page: create and list the subscription's user assigned identities; one identity's
// properties (client ID, principal ID, tenant), the resources it is attached to, and Delete.
import { api, url, el, show, busy, table, confirm } from "./ui.js";
import { bladeLink } from "./resources.js";

export async function identitiesPage() {
  const data = await busy("Loading managed identities", "Managed identities loaded",
    () => Promise.all([api("GET", "/api/identities"), api("GET", "/api/groups")]));
  if (!data) return;
  const [list, groups] = data;
  const group = el("select", { id: "new-group", name: "resourceGroup", required: true },
    groups.map((g) => el("option", { value: g.name }, g.name)));
  const name = el("input", { id: "new-name", name: "name", required: true, autocomplete: "off", minlength: "3", maxlength: "128" });
  const location = el("input", { id: "new-location", name: "location", autocomplete: "off", placeholder: "the resource group's" });
  const form = el("form", { id: "create-form", class: "create" },
    el("fieldset", {}, el("legend", {}, "Create a user assigned managed identity"),
      el("div", { class: "field" }, el("label", { for: "new-group" }, "Resource group"), group),
      el("div", { class: "field" }, el("label", { for: "new-name" }, "Name"), name),
      el("div", { class: "field" }, el("label", { for: "new-location" }, "Region (optional)"), location),
      el("button", { type: "submit", id: "create", class: "primary" }, "Create")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { resourceGroup: group.value, name: name.value };
    if (location.value.trim()) body.location = location.value.trim();
    const made = await busy(`Creating ${body.name}`, (u) => `Created: ${u.name}`, () => api("POST", "/api/identities", body));
    if (made) {
      await identitiesPage();
      document.getElementById("status").textContent = `Created: ${made.name}`;
    }
  });
  show(
    el("h1", {}, "Managed Identities"),
    form,
    el("section", { "aria-labelledby": "h-list" },
      el("h2", { id: "h-list" }, "User assigned managed identities"),
      table("User assigned managed identities", ["Name", "Resource group", "Location", "Client ID"],
        list.map((u) => [identityLink(u), u.resourceGroup, u.location, u.clientId || ""]),
        "No user assigned managed identities in this subscription.")),
  );
}

function identityLink(u) {
  return el("a", { href: `#/identity?id=${encodeURIComponent(u.id)}`, dataset: { identity: u.name } }, u.name);
}

export async function identityPage(params) {
  const id = params.get("id") || "";
  const data = await busy("Loading the managed identity", "Managed identity loaded",
    () => Promise.all([api("GET", url("/api/identities/one", { id })), api("GET", url("/api/identities/attachments", { id }))]));
  const crumbs = el("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, el("a", { href: "#/identities" }, "Managed Identities"));
  if (!data) {
    show(crumbs, el("h1", {}, "Managed identity"), el("p", {}, "This identity could not be read."));
    return;
  }
  const [u, used] = data;
  const del = el("button", { type: "button", id: "delete-identity", class: "danger" }, "Delete");
  del.addEventListener("click", async () => {
    const yes = await confirm("Delete managed identity", `Do you want to delete '${u.name}'? Resources it is attached to lose it.`);
    if (!yes) return;
    const gone = await busy(`Deleting ${u.name}`, `Deleted: ${u.name}`, () => api("DELETE", url("/api/identities", { id: u.id })));
    if (gone) {
      location.hash = "#/identities";
      document.getElementById("status").textContent = `Deleted: ${u.name}`;
    }
  });
  const prop = (k, v, pid) => [el("dt", {}, k), el("dd", { id: pid }, v || "")];
  show(
    crumbs,
    el("h1", {}, u.name),
    el("div", { class: "toolbar", role: "toolbar", "aria-label": "Managed identity" }, del),
    el("section", { "aria-labelledby": "h-props" },
      el("h2", { id: "h-props" }, "Properties"),
      el("dl", { class: "props" },
        prop("Client ID", u.clientId, "prop-client-id"),
        prop("Object (principal) ID", u.principalId, "prop-principal-id"),
        prop("Tenant ID", u.tenantId, "prop-tenant-id"),
        prop("Resource group", u.resourceGroup, "prop-group"),
        prop("Location", u.location, "prop-location"),
        prop("Resource ID", u.id, "prop-id"))),
    el("section", { "aria-labelledby": "h-used" },
      el("h2", { id: "h-used" }, "Azure resources"),
      table("Resources this identity is attached to", ["Name", "Type", "Resource group"],
        used.map((r) => [bladeLink(r), r.kind === "vm" ? "Virtual machine" : "Virtual machine scale set", r.resourceGroup]),
        "This identity is not attached to any VM or scale set.")),
  );
}
