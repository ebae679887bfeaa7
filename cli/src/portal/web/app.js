// The page's router: #/ (resources), #/resource?id=ID&tab=system|user (the Identity blade),
// #/identities and #/identity?id=ID (Managed Identities).
import { api, el, showError, clearError } from "./ui.js";
import { resourcesPage } from "./resources.js";
import { bladePage } from "./blade.js";
import { identitiesPage, identityPage } from "./identities.js";

const pages = {
  "": resourcesPage,
  resource: bladePage,
  identities: identitiesPage,
  identity: identityPage,
};

async function route() {
  clearError();
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, query] = hash.split("?");
  const page = pages[name] || resourcesPage;
  const params = new URLSearchParams(query || "");
  document.querySelectorAll("nav a").forEach((a) => {
    const current = (name.startsWith("identit") ? "nav-identities" : "nav-resources") === a.id;
    if (current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  try {
    await page(params);
  } catch (err) {
    showError(err);
  }
}

async function start() {
  try {
    const ctx = await api("GET", "/api/context");
    document.getElementById("context").replaceChildren(
      el("span", {}, ctx.embedded ? "Embedded emulator · " : `${ctx.endpoint} · `),
      el("span", {}, `Subscription ${ctx.subscriptionId}`),
    );
  } catch (err) {
    showError(err);
  }
  window.addEventListener("hashchange", route);
  await route();
}

start();
