// User-assigned identities: create, get, list (paged), delete.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { msi, startEmulator, unique } from './helpers.mjs'

const emulator = await startEmulator(after, { pageSize: 2 })
const client = emulator.client()

test('create, get, list by group and subscription across pages, delete', async () => {
  const rg = unique('rg')
  await client.createResourceGroup(rg, 'westus')
  const a = await client.createUserIdentity(rg, 'id-a', { tags: { team: 'x' } })
  assert.equal(a.name, 'id-a')
  assert.equal(a.location, 'westus')
  assert.equal(a.resourceGroup.toLowerCase(), rg.toLowerCase())
  assert.equal(a.tenantId, emulator.tenantId)
  assert.match(a.clientId, /^[0-9a-f-]{36}$/)
  assert.match(a.principalId, /^[0-9a-f-]{36}$/)
  assert.deepEqual(a.raw.tags, { team: 'x' })
  await client.createUserIdentity(rg, 'id-b', { location: 'eastus' })
  await client.createUserIdentity(rg, 'id-c')
  const got = await client.getUserIdentity(rg, 'id-a')
  assert.deepEqual([got.id, got.clientId], [a.id, a.clientId])
  const listed = await client.listUserIdentities(rg)
  assert.deepEqual(listed.map((u) => u.name).sort(), ['id-a', 'id-b', 'id-c'])
  assert.ok((await client.listUserIdentities()).length >= 3)
  assert.equal(await client.deleteUserIdentity(rg, 'id-b'), true)
  assert.equal(await client.deleteUserIdentity(rg, 'id-b'), false)
  await assert.rejects(client.getUserIdentity(rg, 'id-b'), msi.ResourceNotFoundError)
  await assert.rejects(client.createUserIdentity(rg, 'bad.name'), msi.InvalidArgumentError)
})

test('by ID: get and delete, the ID followed into its own subscription', async () => {
  const rg = unique('rg')
  await client.createResourceGroup(rg, 'westus')
  const a = await client.createUserIdentity(rg, 'id-byid')
  assert.equal((await client.getUserIdentityById(a.id)).clientId, a.clientId)
  const elsewhere = a.id.replace(emulator.subscriptionId, '00000000-0000-4000-8000-0000000000aa')
  await assert.rejects(client.getUserIdentityById(elsewhere), msi.ResourceNotFoundError)
  await assert.rejects(client.getUserIdentityById(`/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}`), msi.InvalidArgumentError)
  assert.equal(await client.deleteUserIdentityById(a.id), true)
  assert.equal(await client.deleteUserIdentityById(a.id), false)
})
