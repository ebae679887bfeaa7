// The JS-credential bridge: any object with getToken(scopes) (the @azure/core-auth TokenCredential shape) drives
// the client; its failures keep their meaning.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { msi, startEmulator, unique, adminToken, runNode } from './helpers.mjs'

const emulator = await startEmulator(after)
const token = await adminToken(emulator)
const rg = unique('rg')
await emulator.client().createResourceGroup(rg, 'westus')
const options = { endpoint: emulator.endpoint, subscriptionId: emulator.subscriptionId, caCert: emulator.caCertPem }

test('a class instance: getToken called as a method, with the ARM scope, its token used', async () => {
  class Cred {
    constructor() {
      this.calls = []
    }
    async getToken(scopes, opts) {
      this.calls.push(scopes)
      return { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp }
    }
  }
  const cred = new Cred()
  const client = new msi.MsiClient(cred, options)
  assert.equal((await client.getResourceGroup(rg)).name, rg)
  assert.ok(cred.calls.length >= 1)
  assert.deepEqual(cred.calls[0], ['https://management.azure.com/.default'])
  assert.equal(client.subscriptionId, emulator.subscriptionId)
  assert.equal(client.endpoint, emulator.endpoint)
})

test('a getToken that answers synchronously, or through a thenable chain, works too', async () => {
  const sync = new msi.MsiClient({ getToken: () => token }, options)
  assert.equal((await sync.getResourceGroup(rg)).name, rg)
  const slow = new msi.MsiClient(
    { getToken: () => new Promise((r) => setTimeout(() => r(token), 20)) },
    options,
  )
  assert.equal((await slow.getResourceGroup(rg)).name, rg)
})

test('credential failures: CredentialUnavailableError by name, our own errors keep their fields, else ClientAuthenticationError', async () => {
  const unavailable = Object.assign(new Error('no managed identity endpoint'), { name: 'CredentialUnavailableError' })
  const cases = [
    [{ getToken: async () => { throw unavailable } }, msi.CredentialUnavailableError, /no managed identity endpoint/],
    [{ getToken: () => { throw new Error('sync boom') } }, msi.ClientAuthenticationError, /sync boom/],
    [{ getToken: async () => null }, msi.ClientAuthenticationError, /no token/],
    [{ getToken: async () => ({ token: 'x' }) }, msi.ClientAuthenticationError, /expiresOnTimestamp/],
    [{ getToken: async () => Promise.reject('a string') }, msi.ClientAuthenticationError, /non-Error/],
    [
      { getToken: async () => { throw new msi.ThrottledError('slow down', { statusCode: 429, code: 'TooMany', requestId: 'r1' }) } },
      msi.ThrottledError,
      /slow down/,
    ],
  ]
  for (const [cred, C, re] of cases) {
    const e = await new msi.MsiClient(cred, options).getResourceGroup(rg).catch((e) => e)
    assert.ok(e instanceof C, `${C.name} expected, got ${e}`)
    assert.match(e.message, re)
  }
  const t = await new msi.MsiClient(cases[5][0], options).getResourceGroup(rg).catch((e) => e)
  assert.deepEqual([t.statusCode, t.code, t.requestId], [429, 'TooMany', 'r1'])
})

test('a client holding a JS credential does not keep Node running', async () => {
  const script = `
    const msi = require('.')
    const t = ${JSON.stringify(token)}
    const c = new msi.MsiClient({ getToken: async () => t }, ${JSON.stringify(options)})
    c.getResourceGroup(${JSON.stringify(rg)}).then((g) => console.log('got', g.name))`
  const r = await runNode(script, {}, 20_000)
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, new RegExp(`got ${rg}`))
})

test('@azure/identity ClientSecretCredential against the emulator Entra endpoint drives MsiClient unchanged', async () => {
  const script = `
    const { ClientSecretCredential } = require('@azure/identity')
    const msi = require('.')
    const e = process.env
    ;(async () => {
      const cred = new ClientSecretCredential(e.AZURE_TENANT_ID, e.AZURE_CLIENT_ID, e.AZURE_CLIENT_SECRET, {
        authorityHost: e.MSI_ARM_ENDPOINT,
        disableInstanceDiscovery: true,
      })
      const client = new msi.MsiClient(cred, { endpoint: e.MSI_ARM_ENDPOINT, subscriptionId: e.AZURE_SUBSCRIPTION_ID })
      const u = await client.createUserIdentity(${JSON.stringify(rg)}, 'fromAzureIdentity')
      const fromEnv = msi.MsiClient.fromEnv(undefined, cred)
      const got = await fromEnv.getUserIdentity(${JSON.stringify(rg)}, 'fromAzureIdentity')
      console.log(JSON.stringify({ same: u.id === got.id }))
      const bad = new ClientSecretCredential(e.AZURE_TENANT_ID, e.AZURE_CLIENT_ID, 'wrong', {
        authorityHost: e.MSI_ARM_ENDPOINT,
        disableInstanceDiscovery: true,
      })
      const err = await new msi.MsiClient(bad, { endpoint: e.MSI_ARM_ENDPOINT, subscriptionId: e.AZURE_SUBSCRIPTION_ID })
        .getUserIdentity(${JSON.stringify(rg)}, 'fromAzureIdentity').catch((x) => x)
      console.log(JSON.stringify({ name: err.name, code: err.code }))
    })().catch((x) => { console.error(x); process.exit(1) })`
  const r = await runNode(script, emulator.env())
  assert.equal(r.code, 0, r.stderr)
  const [ok, err] = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
  assert.deepEqual(ok, { same: true })
  // @azure/identity's own error (its name) is the code
  assert.deepEqual(err, { name: 'ClientAuthenticationError', code: 'AuthenticationRequiredError' })
})
