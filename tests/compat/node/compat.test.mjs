// The official Azure Node SDKs, unmodified, against the msi emulator (started by scripts/sdk-compat).
// Every managed-identity step of the seed guides, in order, one emulator, one resource group; after each
// step the SDK's view is compared with `msi`'s view of the same resource. Environment (from the banner):
//   MSI_ARM_ENDPOINT, MSI_CA_CERT (= NODE_EXTRA_CA_CERTS), AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID,
//   AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, MSI_BIN (target/debug/msi)
// The steps build on each other: after a failure the rest are skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { ClientSecretCredential } from "@azure/identity";
import { ComputeManagementClient } from "@azure/arm-compute";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ResourceManagementClient } from "@azure/arm-resources";
import { NetworkManagementClient } from "@azure/arm-network";

const env = process.env;
const endpoint = env.MSI_ARM_ENDPOINT.replace(/\/$/, "");
const tenant = env.AZURE_TENANT_ID;
const sub = env.AZURE_SUBSCRIPTION_ID;
const scope = "https://management.azure.com/.default";
const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const G = "sdknode";
const location = "westus";
const rgId = `/subscriptions/${sub}/resourceGroups/${G}`;
const password = "Emulator-only-1!"; // a throwaway VM on a local emulator
const imageReference = {
  publisher: "Canonical",
  offer: "0001-com-ubuntu-server-jammy",
  sku: "22_04-lts-gen2",
  version: "latest",
};

const cred = new ClientSecretCredential(tenant, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_SECRET, {
  authorityHost: endpoint,
  disableInstanceDiscovery: true,
});
// Both spellings: the TypeSpec-generated clients read `credentials.scopes`, the AutoRest ones `credentialScopes`.
const opts = { endpoint, credentialScopes: [scope], credentials: { scopes: [scope] } };
const compute = new ComputeManagementClient(cred, sub, opts);
const network = new NetworkManagementClient(cred, sub, opts);
const msiClient = new ManagedServiceIdentityClient(cred, sub, opts);
const auth = new AuthorizationManagementClient(cred, sub, opts);
const resources = new ResourceManagementClient(cred, sub, opts);

const state = {};
let failed = false;
function step(name, fn) {
  test(name, async (t) => {
    if (failed) return t.skip("an earlier step failed");
    try {
      await fn();
    } catch (e) {
      failed = true;
      throw e;
    }
  });
}

function msi(...args) {
  const out = execFileSync(env.MSI_BIN, [...args, "-o", "json"], { encoding: "utf8", timeout: 60_000 });
  return out.trim() ? JSON.parse(out) : null;
}
const msiIdentity = (kind, name) => msi(kind, "identity", "show", "-g", G, "-n", name) ?? {};
const typeOf = (identity) => (identity?.type ?? "None").replace(/ /g, "").toLowerCase();

async function hook(path) {
  const { token } = await cred.getToken(scope);
  const r = await fetch(`${endpoint}${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

const miScript = fileURLToPath(new URL("./mi-token.mjs", import.meta.url));
function miClaims(extraEnv, clientId) {
  const childEnv = { ...env, ...extraEnv };
  for (const k of ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"]) delete childEnv[k];
  const args = clientId ? [miScript, clientId] : [miScript];
  return JSON.parse(execFileSync(process.execPath, args, { env: childEnv, encoding: "utf8", timeout: 60_000 }));
}

step("resource group (arm-resources)", async () => {
  const rg = await resources.resourceGroups.createOrUpdate(G, { location });
  assert.equal(rg.name, G);
  assert.equal(msi("group", "show", "-n", G).id.toLowerCase(), rgId.toLowerCase());
});

step("vnet, subnet and NIC (arm-network)", async () => {
  const vnet = await network.virtualNetworks.beginCreateOrUpdateAndWait(G, "vnet", {
    location,
    addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
    subnets: [{ name: "default", addressPrefix: "10.0.0.0/24" }],
  });
  const nic = await network.networkInterfaces.beginCreateOrUpdateAndWait(G, "nic", {
    location,
    ipConfigurations: [{ name: "ipconfig1", subnet: { id: vnet.subnets[0].id } }],
  });
  assert.equal(nic.provisioningState, "Succeeded");
  state.nic = nic.id;
});

step("VM with a system-assigned identity (beginCreateOrUpdateAndWait)", async () => {
  const vm = await compute.virtualMachines.beginCreateOrUpdateAndWait(G, "vm1", {
    location,
    identity: { type: "SystemAssigned" },
    hardwareProfile: { vmSize: "Standard_B1s" },
    storageProfile: { imageReference },
    osProfile: { computerName: "vm1", adminUsername: "azureuser", adminPassword: password },
    networkProfile: { networkInterfaces: [{ id: state.nic }] },
  });
  assert.equal(typeOf(vm.identity), "systemassigned");
  assert.ok(vm.identity.principalId);
  assert.equal(vm.identity.tenantId, tenant);
  const seen = msiIdentity("vm", "vm1");
  assert.equal(seen.type, "SystemAssigned");
  assert.equal(seen.principalId, vm.identity.principalId);
  state.vmId = vm.id;
  state.vmPrincipal = vm.identity.principalId;
});

step("VM: disable the system identity (beginUpdateAndWait)", async () => {
  const vm = await compute.virtualMachines.beginUpdateAndWait(G, "vm1", { identity: { type: "None" } });
  assert.equal(typeOf(vm.identity), "none");
  assert.equal(typeOf(msiIdentity("vm", "vm1")), "none");
});

step("VM: enable the system identity again", async () => {
  const vm = await compute.virtualMachines.beginUpdateAndWait(G, "vm1", { identity: { type: "SystemAssigned" } });
  assert.equal(typeOf(vm.identity), "systemassigned");
  const seen = msiIdentity("vm", "vm1");
  assert.equal(seen.principalId, vm.identity.principalId);
  state.vmPrincipal = vm.identity.principalId;
});

step("user-assigned identity (arm-msi)", async () => {
  const id = await msiClient.userAssignedIdentities.createOrUpdate(G, "id1", { location });
  assert.ok(id.clientId && id.principalId);
  assert.equal(id.tenantId, tenant);
  const seen = msi("identity", "show", "-g", G, "-n", "id1").properties;
  assert.equal(seen.clientId, id.clientId);
  assert.equal(seen.principalId, id.principalId);
  state.uai = id;
});

step("VM: assign the user-assigned identity", async () => {
  const { uai } = state;
  const vm = await compute.virtualMachines.beginUpdateAndWait(G, "vm1", {
    identity: { type: "SystemAssigned, UserAssigned", userAssignedIdentities: { [uai.id]: {} } },
  });
  assert.equal(typeOf(vm.identity), "systemassigned,userassigned");
  assert.equal(vm.identity.principalId, state.vmPrincipal);
  const entries = Object.entries(vm.identity.userAssignedIdentities);
  assert.equal(entries.length, 1);
  assert.equal(entries[0][0].toLowerCase(), uai.id.toLowerCase());
  assert.equal(entries[0][1].clientId, uai.clientId);
  const seen = msiIdentity("vm", "vm1");
  assert.equal(seen.type, "SystemAssigned, UserAssigned");
  assert.deepEqual(Object.values(seen.userAssignedIdentities).map((v) => v.clientId), [uai.clientId]);
});

step("role assignment: Reader at the group for the VM's principal (arm-authorization)", async () => {
  const name = randomUUID();
  const ra = await auth.roleAssignments.create(rgId, name, {
    roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
    principalId: state.vmPrincipal,
    principalType: "ServicePrincipal",
  });
  assert.equal(ra.name, name);
  assert.equal(ra.principalId, state.vmPrincipal);
  const listed = [];
  for await (const a of auth.roleAssignments.listForScope(rgId)) if (a.principalId === state.vmPrincipal) listed.push(a.name);
  assert.deepEqual(listed, [name]);
  const seen = msi("role", "assignment", "list", "--scope", rgId, "--assignee", state.vmPrincipal);
  assert.deepEqual(seen.map((a) => a.name), [name]);
  assert.ok((seen[0].properties ?? seen[0]).roleDefinitionId.toLowerCase().endsWith(READER));
  state.ra = ra.id;
});

step("IMDS token of the system identity (ManagedIdentityCredential, AZURE_POD_IDENTITY_AUTHORITY_HOST)", async () => {
  state.vmUrls = await hook(`/_emulator/identity-endpoints?resourceId=${encodeURIComponent(state.vmId)}`);
  const claims = miClaims({ AZURE_POD_IDENTITY_AUTHORITY_HOST: state.vmUrls.imdsBaseUrl });
  assert.equal(claims.oid, state.vmPrincipal);
  assert.equal(claims.tid, tenant);
  assert.equal(claims.aud, "https://management.azure.com");
});

step("IMDS token of the user-assigned identity (clientId)", async () => {
  const claims = miClaims({ AZURE_POD_IDENTITY_AUTHORITY_HOST: state.vmUrls.imdsBaseUrl }, state.uai.clientId);
  assert.equal(claims.oid, state.uai.principalId);
  assert.equal(claims.appid, state.uai.clientId);
});

step("App Service token (IDENTITY_ENDPOINT / IDENTITY_HEADER), system and user-assigned", async () => {
  const e = { IDENTITY_ENDPOINT: state.vmUrls.identityEndpoint, IDENTITY_HEADER: state.vmUrls.identityHeader };
  assert.equal(miClaims(e).oid, state.vmPrincipal);
  assert.equal(miClaims(e, state.uai.clientId).oid, state.uai.principalId);
});

step("role assignment: delete", async () => {
  await auth.roleAssignments.deleteById(state.ra);
  const seen = msi("role", "assignment", "list", "--scope", rgId, "--assignee", state.vmPrincipal) ?? [];
  assert.deepEqual(seen, []);
});

step("VM: remove the user-assigned identity (type SystemAssigned)", async () => {
  const vm = await compute.virtualMachines.beginUpdateAndWait(G, "vm1", { identity: { type: "SystemAssigned" } });
  assert.equal(typeOf(vm.identity), "systemassigned");
  assert.ok(!vm.identity.userAssignedIdentities || Object.keys(vm.identity.userAssignedIdentities).length === 0);
  const seen = msiIdentity("vm", "vm1");
  assert.equal(seen.type, "SystemAssigned");
  assert.ok(!seen.userAssignedIdentities);
});

step("scale set with a system-assigned identity (beginCreateOrUpdateAndWait)", async () => {
  const ss = await compute.virtualMachineScaleSets.beginCreateOrUpdateAndWait(G, "ss1", {
    location,
    sku: { name: "Standard_B1s", capacity: 1 },
    identity: { type: "SystemAssigned" },
    upgradePolicy: { mode: "Manual" },
    virtualMachineProfile: {
      storageProfile: { imageReference },
      osProfile: { computerNamePrefix: "ss1", adminUsername: "azureuser", adminPassword: password },
    },
  });
  assert.equal(typeOf(ss.identity), "systemassigned");
  const seen = msiIdentity("vmss", "ss1");
  assert.equal(seen.type, "SystemAssigned");
  assert.equal(seen.principalId, ss.identity.principalId);
  state.ssId = ss.id;
  state.ssPrincipal = ss.identity.principalId;
});

step("scale set: assign the user-assigned identity", async () => {
  const { uai } = state;
  const ss = await compute.virtualMachineScaleSets.beginUpdateAndWait(G, "ss1", {
    identity: { type: "SystemAssigned, UserAssigned", userAssignedIdentities: { [uai.id]: {} } },
  });
  assert.equal(typeOf(ss.identity), "systemassigned,userassigned");
  assert.equal(ss.identity.principalId, state.ssPrincipal);
  const seen = msiIdentity("vmss", "ss1");
  assert.equal(seen.type, "SystemAssigned, UserAssigned");
  assert.deepEqual(Object.values(seen.userAssignedIdentities).map((v) => v.clientId), [uai.clientId]);
});

step("scale set: IMDS token of instance 0 (user-assigned)", async () => {
  const urls = await hook(`/_emulator/identity-endpoints?resourceId=${encodeURIComponent(state.ssId)}&instance=0`);
  const claims = miClaims({ AZURE_POD_IDENTITY_AUTHORITY_HOST: urls.imdsBaseUrl }, state.uai.clientId);
  assert.equal(claims.oid, state.uai.principalId);
});

step("scale set: disable the system identity (type UserAssigned)", async () => {
  const ss = await compute.virtualMachineScaleSets.beginUpdateAndWait(G, "ss1", { identity: { type: "UserAssigned" } });
  assert.equal(typeOf(ss.identity), "userassigned");
  assert.ok(!ss.identity.principalId);
  assert.equal(msiIdentity("vmss", "ss1").type, "UserAssigned");
});

step("scale set: remove the user-assigned identity (type None)", async () => {
  const ss = await compute.virtualMachineScaleSets.beginUpdateAndWait(G, "ss1", { identity: { type: "None" } });
  assert.equal(typeOf(ss.identity), "none");
  assert.equal(typeOf(msiIdentity("vmss", "ss1")), "none");
});

step("VM: disable every identity (type None)", async () => {
  const vm = await compute.virtualMachines.beginUpdateAndWait(G, "vm1", { identity: { type: "None" } });
  assert.equal(typeOf(vm.identity), "none");
  assert.equal(typeOf(msiIdentity("vm", "vm1")), "none");
});
