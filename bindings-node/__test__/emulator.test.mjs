// The in-process emulator: properties, env(), CA file, persistence, stop.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { msi } from './helpers.mjs'

test('in memory: endpoint, tenant, subscription, admin, env(), a CA file that goes away on stop', async () => {
  const e = await msi.Emulator.start()
  assert.match(e.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/)
  assert.match(e.caCertPem, /BEGIN CERTIFICATE/)
  assert.equal(fs.readFileSync(e.caCertPath, 'utf8'), e.caCertPem)
  assert.deepEqual(e.env(), {
    MSI_ARM_ENDPOINT: e.endpoint,
    MSI_CA_CERT: e.caCertPath,
    AZURE_SUBSCRIPTION_ID: e.subscriptionId,
    AZURE_TENANT_ID: e.tenantId,
    AZURE_CLIENT_ID: e.adminClientId,
    AZURE_CLIENT_SECRET: e.adminClientSecret,
    NODE_EXTRA_CA_CERTS: e.caCertPath,
  })
  assert.match(e.imdsEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(e.running, true)
  await e.stop()
  assert.equal(e.running, false)
  assert.equal(fs.existsSync(e.caCertPath), false)
  await e.stop()
  assert.throws(() => e.imdsBaseUrl('/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v'), msi.InvalidArgumentError)
})

test('with a data directory: state, CA and tenant survive a restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msi-node-emu-'))
  try {
    const a = await msi.Emulator.start({ dataDir: dir })
    assert.equal(a.caCertPath, path.join(dir, 'ca.pem'))
    await a.client().createResourceGroup('kept', 'westus')
    const tenant = a.tenantId
    await a.stop()
    const b = await msi.Emulator.start({ dataDir: dir })
    assert.equal(b.tenantId, tenant)
    assert.equal((await b.client().getResourceGroup('kept')).name, 'kept')
    await b.stop()
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('imdsBaseUrl of an unknown resource is an error; bad options are invalid arguments', async () => {
  const e = await msi.Emulator.start({ lroDelayMs: 0, pageSize: 5 })
  try {
    assert.throws(() => e.imdsBaseUrl(`/subscriptions/${e.subscriptionId}/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/none`), msi.MsiIdentityError)
  } finally {
    await e.stop()
  }
  await assert.rejects(msi.Emulator.start({ port: 70000 }), msi.InvalidArgumentError)
})
