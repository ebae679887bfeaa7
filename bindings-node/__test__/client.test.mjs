// MsiClient: construction (credential, explicit settings, environment), resource groups, concurrency.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { msi, startEmulator, unique, runNode, hook, vmModel } from './helpers.mjs'

const emulator = await startEmulator(after)
const client = emulator.client()

test('resource groups: create, get', async () => {
  const rg = unique('rg')
  const g = await client.createResourceGroup(rg, 'westus')
  assert.deepEqual([g.name, g.location], [rg, 'westus'])
  assert.equal((await client.getResourceGroup(rg)).id, `/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}`)
})

test('fromSettings: explicit service principal, CA as PEM text or as a path', async () => {
  for (const caCert of [emulator.caCertPem, emulator.caCertPath]) {
    const c = msi.MsiClient.fromSettings({
      endpoint: emulator.endpoint,
      subscriptionId: emulator.subscriptionId,
      tenantId: emulator.tenantId,
      clientId: emulator.adminClientId,
      clientSecret: emulator.adminClientSecret,
      caCert,
    })
    assert.equal(c.endpoint, emulator.endpoint)
    const rg = unique('rg')
    assert.equal((await c.createResourceGroup(rg, 'westus')).name, rg)
  }
  assert.throws(() => msi.MsiClient.fromSettings({ subscriptionId: 's', accessToken: 't', caCert: '/no/such/file.pem' }), msi.InvalidArgumentError)
})

test('fromEnv reads the environment exactly as core does (emulator.env()), explicit settings win', async () => {
  const rg = unique('rg')
  await client.createResourceGroup(rg, 'westus')
  const script = `
    const msi = require('.')
    const c = msi.MsiClient.fromEnv()
    const d = msi.MsiClient.fromEnv({ subscriptionId: 'other-subscription' })
    c.getResourceGroup(${JSON.stringify(rg)}).then((g) => console.log(g.name, c.subscriptionId === process.env.AZURE_SUBSCRIPTION_ID, d.subscriptionId))`
  const r = await runNode(script, emulator.env())
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), `${rg} true other-subscription`)
  const none = await runNode(
    "const msi = require('.'); try { msi.MsiClient.fromEnv() } catch (e) { console.log(e.name) }",
    { AZURE_SUBSCRIPTION_ID: '', MSI_ACCESS_TOKEN: '', AZURE_CLIENT_SECRET: '' },
  )
  assert.equal(none.stdout.trim(), 'InvalidArgumentError')
})

test('50 concurrent calls on one client', async () => {
  const rg = unique('rg')
  await client.createResourceGroup(rg, 'westus')
  await client.createVm(rg, 'vm', { model: vmModel() })
  const ids = await Promise.all(
    Array.from({ length: 20 }, (_, i) => client.createUserIdentity(rg, `uai${i}`).then((u) => u.id)),
  )
  await hook(emulator, 'DELETE', '/_emulator/requests')
  const results = await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => client.assignVmIdentity(rg, 'vm', { userAssigned: [ids[i]] })),
    ...Array.from({ length: 30 }, (_, i) => (i % 2 ? client.getUserIdentity(rg, `uai${i % 20}`) : client.showVmIdentity(rg, 'vm'))),
  ])
  assert.equal(results.length, 50)
  // concurrent identity writers never lose each other's changes (core re-plans on 412)
  const final = await client.showVmIdentity(rg, 'vm')
  assert.equal(Object.keys(final.userAssignedIdentities).length, 20)
  assert.equal(final.type, 'UserAssigned')
})
