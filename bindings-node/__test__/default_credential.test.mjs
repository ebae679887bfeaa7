// DefaultAzureCredential: core's chain as a @azure/core-auth TokenCredential; its environment source (a service
// principal with a secret, azure-identity's variables) against the emulator's Entra endpoint.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { msi, require, startEmulator, unique } from './helpers.mjs'

const { isTokenCredential } = require('@azure/core-auth')

const emulator = await startEmulator(after)
const ARM = 'https://management.azure.com/.default'
const VARS = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_AUTHORITY_HOST', 'AZURE_FEDERATED_TOKEN_FILE', 'MSI_CA_CERT']

/** Set exactly these of azure-identity's variables (this file runs in its own process). */
function environment(vars) {
  for (const v of VARS) delete process.env[v]
  Object.assign(process.env, vars)
}

const servicePrincipal = () => ({
  AZURE_TENANT_ID: emulator.tenantId,
  AZURE_CLIENT_ID: emulator.adminClientId,
  AZURE_CLIENT_SECRET: emulator.adminClientSecret,
  AZURE_AUTHORITY_HOST: emulator.endpoint,
  MSI_CA_CERT: emulator.caCertPath,
})

test('the environment source: a token for the service principal, then an MsiClient with it', async () => {
  environment(servicePrincipal())
  const cred = new msi.DefaultAzureCredential()
  assert.ok(isTokenCredential(cred))
  assert.equal(cred.chosen, null)
  const t = await cred.getToken(ARM)
  assert.match(t.token, /^ey/)
  assert.ok(t.expiresOnTimestamp > Date.now())
  assert.equal(cred.chosen, 'EnvironmentCredential')
  const client = new msi.MsiClient(cred, { endpoint: emulator.endpoint, subscriptionId: emulator.subscriptionId, caCert: emulator.caCertPem })
  const rg = unique('rg')
  assert.equal((await client.createResourceGroup(rg, 'westus')).name, rg)
  // options win over the environment: the CA given, the tenant
  environment({ ...servicePrincipal(), MSI_CA_CERT: '', AZURE_TENANT_ID: 'not-a-tenant' })
  const explicit = new msi.DefaultAzureCredential({ tenantId: emulator.tenantId, caCert: emulator.caCertPem })
  assert.match((await explicit.getToken([ARM])).token, /^ey/)
})

test('a wrong secret stops the chain with ClientAuthenticationError; the secret is not in it', async () => {
  environment({ ...servicePrincipal(), AZURE_CLIENT_SECRET: 'wrong-secret-value' })
  const e = await new msi.DefaultAzureCredential().getToken(ARM).catch((x) => x)
  assert.ok(e instanceof msi.ClientAuthenticationError, String(e))
  assert.deepEqual([e.statusCode, e.code], [401, 'invalid_client'])
  assert.ok(!`${e.message}${e.stack}`.includes('wrong-secret-value'))
})

test('nothing configured: CredentialUnavailableError naming every source tried', async () => {
  environment({})
  const cred = new msi.DefaultAzureCredential({ excludeManagedIdentityCredential: true, excludeAzureCliCredential: true })
  const e = await cred.getToken(ARM).catch((x) => x)
  assert.ok(e instanceof msi.CredentialUnavailableError, String(e))
  assert.match(e.message, /EnvironmentCredential/)
  assert.match(e.message, /WorkloadIdentityCredential/)
  // abortSignal, as GetTokenOptions has it
  environment(servicePrincipal())
  await assert.rejects(new msi.DefaultAzureCredential().getToken(ARM, { abortSignal: AbortSignal.abort() }), msi.AbortError)
})
