// VM and scale set operations beyond the seed walkthroughs: models, no-op changes, desired state, extensions.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { msi, startEmulator, unique, hook, vmModel } from './helpers.mjs'

const emulator = await startEmulator(after)
const client = emulator.client()
const rg = unique('rg')
await client.createResourceGroup(rg, 'westus')
const u1 = await client.createUserIdentity(rg, 'uai1')
const u2 = await client.createUserIdentity(rg, 'uai2')

test('create from a caller model with both identities; get; delete', async () => {
  const vm = await client.createVm(rg, 'fromModel', { model: vmModel(), systemAssigned: true, userAssigned: ['uai1', u2.id] })
  assert.equal(vm.identity.type, 'SystemAssigned, UserAssigned')
  assert.equal(Object.keys(vm.identity.userAssignedIdentities).length, 2)
  assert.equal((await client.getVm(rg, 'fromModel')).name, 'fromModel')
  assert.equal(await client.deleteVm(rg, 'fromModel'), true)
  assert.equal(await client.deleteVm(rg, 'fromModel'), false)
})

test('an identity change that is already in place sends no write', async () => {
  await client.createVm(rg, 'noop', { model: vmModel(), systemAssigned: true })
  await hook(emulator, 'DELETE', '/_emulator/requests')
  const u = await client.assignVmIdentity(rg, 'noop', { systemAssigned: true })
  assert.equal(u.changed, false)
  assert.equal(u.resource.name, 'noop')
  const log = (await hook(emulator, 'GET', '/_emulator/requests?path_contains=/noop')).body
  assert.equal(log.counts.PATCH ?? 0, 0)
  const removed = await client.removeVmIdentity(rg, 'noop', { systemAssigned: true })
  assert.equal(removed.changed, true)
})

test('desired state and remove-all on a scale set', async () => {
  await client.createVmss(rg, 'ss', { image: 'Ubuntu2204', instanceCount: 3, systemAssigned: true })
  let u = await client.setVmssIdentity(rg, 'ss', { type: 'SystemAssigned, UserAssigned', userAssigned: ['uai1', 'uai2'] })
  assert.equal(u.identity.type, 'SystemAssigned, UserAssigned')
  assert.equal(u.identity.userAssignedIdentities.length, 2)
  u = await client.removeVmssIdentity(rg, 'ss', { allUserAssigned: true })
  assert.equal(u.identity.type, 'SystemAssigned')
  assert.equal((await client.getVmss(rg, 'ss')).sku.capacity, 3)
  assert.equal(await client.deleteVmss(rg, 'ss'), true)
})

test('MSI extension on a scale set: set, get, delete', async () => {
  await client.createVmss(rg, 'ssx', { image: 'UbuntuLTS' })
  const e = await client.setVmssMsiExtension(rg, 'ssx', { type: 'ManagedIdentityExtensionForLinux', port: 50343 })
  assert.equal(e.properties.settings.port, 50343)
  assert.equal((await client.getVmssExtension(rg, 'ssx', 'ManagedIdentityExtensionForLinux')).properties.type, 'ManagedIdentityExtensionForLinux')
  assert.equal(await client.deleteVmssExtension(rg, 'ssx', 'ManagedIdentityExtensionForLinux'), true)
  await assert.rejects(client.getVmssExtension(rg, 'ssx', 'ManagedIdentityExtensionForLinux'), msi.ResourceNotFoundError)
  await assert.rejects(client.setVmMsiExtension(rg, 'nosuchvm', { type: 'ManagedIdentityExtensionForLinux' }), msi.ResourceNotFoundError)
})
