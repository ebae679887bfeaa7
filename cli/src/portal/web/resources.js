// The resource list: the subscription's resource groups, VMs and scale sets; each VM and scale set opens its
// Identity blade.
import { api, el, show, table, busy } from "./ui.js";

const kindLabel = { vm: "Virtual machine", vmss: "Virtual machine scale set" };

export function bladeLink(r) {
  return el("a", { href: `#/resource?id=${encodeURIComponent(r.id)}`, dataset: { resource: r.name } }, r.name);
}

function computeTable(caption, list) {
  return table(caption, ["Name", "Type", "Resource group", "Location", "Identity"],
    list.map((r) => [bladeLink(r), kindLabel[r.kind], r.resourceGroup, r.location || "", r.identityType || "None"]),
    `No ${caption.toLowerCase()} in this subscription.`);
}

export async function resourcesPage() {
  const data = await busy("Loading resources", "Resources loaded", () => Promise.all([
    api("GET", "/api/groups"), api("GET", "/api/vms"), api("GET", "/api/vmss"),
  ]));
  if (!data) return;
  const [groups, vms, sets] = data;
  show(
    el("h1", {}, "Resources"),
    el("section", { "aria-labelledby": "h-groups" },
      el("h2", { id: "h-groups" }, "Resource groups"),
      table("Resource groups", ["Name", "Location"], groups.map((g) => [g.name, g.location]),
        "No resource groups in this subscription.")),
    el("section", { "aria-labelledby": "h-vms" },
      el("h2", { id: "h-vms" }, "Virtual machines"), computeTable("Virtual machines", vms)),
    el("section", { "aria-labelledby": "h-vmss" },
      el("h2", { id: "h-vmss" }, "Virtual machine scale sets"), computeTable("Virtual machine scale sets", sets)),
  );
}
