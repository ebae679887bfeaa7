// Role assignments (the seeds' next step: give the identity access to another resource), and 403s.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { msi, startEmulator, unique, vmModel } from './helpers.mjs'

const emulator = await startEmulator(after)
const client = emulator.client()
const sub = `/subscriptions/${emulator.subscriptionId}`

test('grant a VM identity access to a resource group, list it, delete it', async () => {
  const rg = unique('rg')
  await client.createResourceGroup(rg, 'westus')
  await client.createVm(rg, 'vm', { model: vmModel(), systemAssigned: true })
  const { principalId } = await client.showVmIdentity(rg, 'vm')
  const scope = `${sub}/resourceGroups/${rg}`
  const a = await client.createRoleAssignment({ scope, role: 'Reader', principalId })
  assert.equal(a.principalId, principalId)
  assert.equal(a.scope, scope)
  assert.match(a.roleDefinitionId, /\/roleDefinitions\/acdd72a7-3385-48ef-bd42-f606fba81ae7$/)
  assert.equal(a.principalType, 'ServicePrincipal')
  // granting again returns the existing assignment
  assert.equal((await client.createRoleAssignment({ scope, role: 'Reader', principalId })).id, a.id)
  const listed = await client.listRoleAssignments(scope, principalId)
  assert.deepEqual(listed.map((x) => x.id), [a.id])
  assert.equal(await client.deleteRoleAssignment(a.id), true)
  assert.equal(await client.deleteRoleAssignment(a.id), false)
  await client.createRoleAssignment({ scope, role: 'Reader', principalId })
  const deleted = await client.deleteRoleAssignments({ scope, principalId, role: 'Reader' })
  assert.equal(deleted.length, 1)
  await assert.rejects(client.createRoleAssignment({ scope, role: 'Reader', principalId: 'not-a-guid' }), msi.InvalidArgumentError)
  await assert.rejects(client.listRoleAssignments('not/a/scope'), msi.InvalidArgumentError)
  // no scope: the client's subscription (core's default, as az's)
  const all = await client.listRoleAssignments()
  assert.ok(all.length >= 1)
  assert.deepEqual(await client.listRoleAssignments(null, principalId), [])
})

test('403: ClientAuthorizationError keeps AuthorizationFailed vs LinkedAuthorizationFailed', async () => {
  const em = await msi.Emulator.start()
  try {
    const c = em.client()
    const esub = `/subscriptions/${em.subscriptionId}`
    const rg = unique('rg')
    await c.createResourceGroup(rg, 'westus')
    await c.createVm(rg, 'vm', { model: vmModel() })
    const uai = await c.createUserIdentity(rg, 'uai403')
    // The admin keeps only Virtual Machine Contributor on the group: it may write VMs, not identities, and
    // not assign identities to them.
    const [owner] = await c.listRoleAssignments(esub)
    await c.createRoleAssignment({ scope: `${esub}/resourceGroups/${rg}`, role: 'Virtual Machine Contributor', principalId: owner.principalId })
    await c.deleteRoleAssignment(owner.id)

    const e = await c.createUserIdentity(rg, 'another').catch((e) => e)
    assert.ok(e instanceof msi.ClientAuthorizationError, String(e))
    assert.deepEqual([e.kind, e.statusCode, e.code], ['authorization', 403, 'AuthorizationFailed'])
    const linked = await c.assignVmIdentity(rg, 'vm', { userAssigned: [uai.id] }).catch((e) => e)
    assert.ok(linked instanceof msi.ClientAuthorizationError, String(linked))
    assert.deepEqual([linked.statusCode, linked.code], [403, 'LinkedAuthorizationFailed'])
    // what the role allows still works
    assert.equal((await c.assignVmIdentity(rg, 'vm', { systemAssigned: true })).identity.type, 'SystemAssigned')
  } finally {
    await em.stop()
  }
})
