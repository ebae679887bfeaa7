// ManagedIdentityCredential against the emulator's token endpoints (IMDS, MSI extension, App Service), and as a
// TokenCredential of @azure/core-rest-pipeline.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import https from 'node:https'
import { msi, require, startEmulator, unique, runNode } from './helpers.mjs'

const emulator = await startEmulator(after)
const admin = emulator.client()
const rg = unique('rg')
await admin.createResourceGroup(rg, 'westus')
const uai = await admin.createUserIdentity(rg, 'uai1')
const vm = await admin.createVm(rg, 'vm', { image: 'UbuntuLTS', systemAssigned: true, userAssigned: [uai.id] })
const base = emulator.imdsBaseUrl(vm.id)
const ARM = 'https://management.azure.com/.default'

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())
}

test('IMDS: system-assigned, then each user-assigned selector; tokens cached per resource', async () => {
  const cred = new msi.ManagedIdentityCredential({ source: 'imds', endpoint: base })
  assert.equal(cred.source, 'imds')
  const t = await cred.getToken(ARM)
  assert.equal(claims(t.token).oid, vm.identity.principalId)
  assert.ok(t.expiresOnTimestamp > Date.now() + 60_000 && t.expiresOnTimestamp < Date.now() + 2 * 86_400_000)
  await cred.getToken([ARM])
  assert.equal(cred.requestsSent, 1)
  for (const sel of [{ clientId: uai.clientId }, { objectId: uai.principalId }, { resourceId: uai.id }]) {
    const c = new msi.ManagedIdentityCredential({ source: 'imds', endpoint: base, ...sel })
    assert.equal(claims((await c.getToken(ARM)).token).oid, uai.principalId, JSON.stringify(sel))
  }
  const byClientId = new msi.ManagedIdentityCredential(uai.clientId)
  assert.equal(byClientId.source, 'imds')
})

test('IMDS: an identity not assigned here is CredentialUnavailableError with the IMDS code', async () => {
  const c = new msi.ManagedIdentityCredential({ source: 'imds', endpoint: base, clientId: '00000000-0000-0000-0000-000000000000' })
  const e = await c.getToken(ARM).catch((e) => e)
  assert.ok(e instanceof msi.CredentialUnavailableError, String(e))
  assert.deepEqual([e.kind, e.statusCode, e.code], ['credential_unavailable', 400, 'invalid_request'])
  await assert.rejects(c.getToken([ARM, 'https://vault.azure.net/.default']), msi.InvalidArgumentError)
})

test('the legacy MSI extension endpoint, once the extension is set', async () => {
  await admin.setVmMsiExtension(rg, 'vm', { type: 'ManagedIdentityExtensionForLinux', port: 50342 })
  const c = new msi.ManagedIdentityCredential({ source: 'msiExtension', endpoint: base })
  assert.equal(c.source, 'msiExtension')
  assert.equal(claims((await c.getToken(ARM)).token).oid, vm.identity.principalId)
})

test('App Service endpoint, explicit and from IDENTITY_ENDPOINT/IDENTITY_HEADER; IMDS from AZURE_POD_IDENTITY_AUTHORITY_HOST', async () => {
  const env = emulator.appServiceEnv(vm.id)
  const c = new msi.ManagedIdentityCredential({ source: 'appService', endpoint: env.IDENTITY_ENDPOINT, identityHeader: env.IDENTITY_HEADER })
  assert.equal(claims((await c.getToken(ARM)).token).oid, vm.identity.principalId)
  const script = `
    const msi = require('.')
    const c = new msi.ManagedIdentityCredential()
    c.getToken(${JSON.stringify(ARM)}).then((t) => console.log(c.source, t.token.split('.').length))`
  let r = await runNode(script, env)
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), 'appService 3')
  r = await runNode(script, { AZURE_POD_IDENTITY_AUTHORITY_HOST: base, IDENTITY_ENDPOINT: '', IDENTITY_HEADER: '' })
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), 'imds 3')
})

test('bad options are InvalidArgumentError', () => {
  for (const o of [
    { source: 'nowhere' },
    { endpoint: 'http://x' },
    { source: 'appService', endpoint: 'http://x' },
    { source: 'imds', endpoint: 'not a url' },
    { source: 'imds', resourceId: 'not-an-id' },
    { source: 'msiExtension', port: 70000 },
  ]) {
    assert.throws(() => new msi.ManagedIdentityCredential(o), msi.InvalidArgumentError, JSON.stringify(o))
  }
})

test('as the credential of MsiClient and of an @azure/core-rest-pipeline bearerTokenAuthenticationPolicy', async () => {
  const scope = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}`
  await admin.createRoleAssignment({ scope, role: 'Reader', principalId: vm.identity.principalId })
  const cred = new msi.ManagedIdentityCredential({ source: 'imds', endpoint: base })

  // MsiClient: the VM's identity may read the group, not write in it
  const client = new msi.MsiClient(cred, { endpoint: emulator.endpoint, subscriptionId: emulator.subscriptionId, caCert: emulator.caCertPath })
  assert.equal((await client.getUserIdentity(rg, 'uai1')).id, uai.id)
  await assert.rejects(client.createUserIdentity(rg, 'nope'), msi.ClientAuthorizationError)

  // @azure/core-rest-pipeline: a real GET to the emulator's ARM over HTTPS
  const { createEmptyPipeline, bearerTokenAuthenticationPolicy, createPipelineRequest, createDefaultHttpClient } =
    require('@azure/core-rest-pipeline')
  const pipeline = createEmptyPipeline()
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential: cred, scopes: ARM }))
  const request = createPipelineRequest({ url: `${emulator.endpoint}${scope}?api-version=2022-09-01` })
  request.agent = new https.Agent({ ca: emulator.caCertPem }) // what NODE_EXTRA_CA_CERTS would do
  const response = await pipeline.sendRequest(createDefaultHttpClient(), request)
  assert.equal(response.status, 200, response.bodyAsText)
  assert.equal(JSON.parse(response.bodyAsText).name, rg)
  assert.equal(response.request.headers.get('authorization')?.split(' ')[0], 'Bearer')
})
