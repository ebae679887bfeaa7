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
  assert.equal(Object.keys(u.identity.userAssignedIdentities).length, 2)
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

test("az's defaults are core's: nothing named is the system-assigned identity; [system]; role and scope", async () => {
  await client.createVm(rg, 'azDefaults', { model: vmModel() })
  let u = await client.assignVmIdentity(rg, 'azDefaults')
  assert.equal(u.identity.type, 'SystemAssigned')
  assert.equal(u.roleAssignment ?? null, null)
  u = await client.removeVmIdentity(rg, 'azDefaults')
  assert.equal(u.identity.type, 'None')
  const scope = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}`
  await assert.rejects(client.assignVmIdentity(rg, 'azDefaults', { scope }), msi.InvalidArgumentError)
  assert.equal((await client.showVmIdentity(rg, 'azDefaults')).type, 'None')
  u = await client.assignVmIdentity(rg, 'azDefaults', { identities: ['[system]', 'uai1'], role: 'Reader', scope })
  assert.equal(u.identity.type, 'SystemAssigned, UserAssigned')
  assert.equal(u.roleAssignment.principalId, u.identity.principalId)
  assert.equal(u.roleAssignment.scope, scope)
  // userAssigned is the same list as identities
  u = await client.removeVmIdentity(rg, 'azDefaults', { userAssigned: ['[system]'], identities: [u1.id] })
  assert.equal(u.identity.type, 'None')
})

test('create with az options: a bare --assign-identity, identityType, sshKeyValue', async () => {
  const ss = await client.createVmss(rg, 'azCreate', { assignIdentity: [], instanceCount: 1 })
  assert.equal(ss.identity.type, 'SystemAssigned')
  await assert.rejects(client.createVm(rg, 'azCreate2', { identityType: 'UserAssigned' }), msi.InvalidArgumentError)
  const vm = await client.createVm(rg, 'azCreate3', { sshKeyValue: 'ssh-rsa AAAAB3NzaC1yc2E test', identityType: 'UserAssigned', assignIdentity: ['uai2'] })
  assert.equal(vm.identity.type, 'UserAssigned')
  assert.equal(vm.properties.osProfile.linuxConfiguration.ssh.publicKeys[0].keyData, 'ssh-rsa AAAAB3NzaC1yc2E test')
})

test('MSI extension options as az gives them: name only, settings.port', async () => {
  await client.createVm(rg, 'azExt', { image: 'UbuntuLTS' })
  const e = await client.setVmMsiExtension(rg, 'azExt', { name: 'ManagedIdentityExtensionForLinux', settings: { port: '50344' } })
  assert.deepEqual([e.name, e.properties.type, e.properties.settings.port], ['ManagedIdentityExtensionForLinux', 'ManagedIdentityExtensionForLinux', 50344])
  await assert.rejects(client.setVmMsiExtension(rg, 'azExt', { name: 'ManagedIdentityExtensionForLinux', version: '2.0' }), msi.InvalidArgumentError)
})
