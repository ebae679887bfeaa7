// Desired state from a file (src/desired.rs, lib/bulk.js over core's `desired`) against the in-process emulator:
// a plan that reads only, an apply that creates, a second apply that writes nothing, drift seen by the plan, and a
// bad file rejecting with InvalidArgumentError (naming file, line and field) before any write.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { msi, startEmulator, unique, hook, vmModel } from './helpers.mjs'

const emulator = await startEmulator(after)
const client = emulator.client()
const WRITES = ['PUT', 'PATCH', 'DELETE', 'POST']

const uaiId = (rg, name) =>
  `/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`

const desired = (rg) => `targets:
  - kind: vm
    resourceGroup: ${rg}
    identity:
      systemAssigned: true
      userAssigned:
        exactly: [id-web]
    roles:
      - role: Reader
        scope: /subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}
    msiExtension:
      type: ManagedIdentityExtensionForLinux
      port: 50342
`

/** A group with vm1, vm2 and the user-assigned identities id-web and id-old. */
async function fleet() {
  const rg = unique('rgdesired')
  await client.createResourceGroup(rg, 'westus')
  for (const id of ['id-web', 'id-old']) await client.createUserIdentity(rg, id)
  for (const vm of ['vm1', 'vm2']) await client.createVm(rg, vm, { model: vmModel() })
  return rg
}

async function writes(rg) {
  const { counts } = (await hook(emulator, 'GET', `/_emulator/requests?path_contains=/${rg}/`)).body
  return WRITES.reduce((n, m) => n + (counts[m] ?? 0), 0)
}

async function collect(run) {
  const out = []
  for await (const r of run) out.push(r)
  return out
}

const byName = (items) => Object.fromEntries(items.map((t) => [t.id.split('/').pop(), t]))
const lower = (xs) => xs.map((x) => x.toLowerCase())

test('plan reads only, apply creates, a second apply writes nothing, drift is seen and fixed', async () => {
  const rg = await fleet()
  const text = desired(rg)

  await hook(emulator, 'DELETE', '/_emulator/requests')
  let plan = await client.planDesired(text, { source: 'identities.yaml' })
  assert.equal(await writes(rg), 0)
  assert.equal(plan.source, 'identities.yaml')
  assert.equal(plan.changes, true)
  assert.deepEqual(plan.summary, { create: 2, update: 0, noChange: 0, error: 0 })
  const t = byName(plan.targets).vm1
  assert.equal(t.status, 'create')
  assert.equal(t.kind, 'vm')
  assert.deepEqual(t.changes.systemAssigned, { before: false, after: true })
  assert.deepEqual(lower(t.changes.userAssigned.add), lower([uaiId(rg, 'id-web')]))
  assert.equal(t.changes.roles.add[0].identity, 'system')
  assert.ok(plan.text.includes('    + userAssigned id-web'), plan.text)
  assert.ok(plan.text.includes('2 to create, 0 to update, 0 unchanged, 0 error(s)'), plan.text)

  const seen = []
  const run = client.applyDesired(text, { concurrency: 2, onProgress: (p) => seen.push(p) })
  assert.ok(run instanceof msi.BulkRun)
  const got = byName(await collect(run))
  assert.deepEqual(Object.fromEntries(Object.entries(got).map(([n, r]) => [n, r.status])), {
    vm1: 'changed',
    vm2: 'changed',
  })
  assert.equal(run.total, 2)
  assert.equal(got.vm1.identity.type, 'SystemAssigned, UserAssigned')
  assert.equal(got.vm1.detail.status, 'create')
  assert.equal(seen.at(-1).done, 2)
  const shown = await client.showVmIdentity(rg, 'vm2')
  assert.equal(shown.type, 'SystemAssigned, UserAssigned')
  assert.deepEqual(lower(Object.keys(shown.userAssignedIdentities)), lower([uaiId(rg, 'id-web')]))
  const roles = await client.listRoleAssignments(
    `/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}`,
    shown.principalId,
  )
  assert.equal(roles.length, 1)

  await hook(emulator, 'DELETE', '/_emulator/requests')
  const again = await collect(client.applyDesired(text))
  assert.deepEqual(new Set(again.map((r) => r.status)), new Set(['unchanged']))
  assert.equal(await writes(rg), 0)
  plan = await client.planDesired(text)
  assert.equal(plan.changes, false)
  assert.equal(plan.summary.noChange, 2)
  assert.ok(plan.text.includes('No changes'), plan.text)

  await client.assignVmIdentity(rg, 'vm1', { identities: ['id-old'] })
  plan = await client.planDesired(text)
  assert.equal(plan.changes, true)
  assert.equal(plan.summary.update, 1)
  const drifted = byName(plan.targets).vm1
  assert.equal(drifted.status, 'update')
  assert.deepEqual(lower(drifted.changes.userAssigned.remove), lower([uaiId(rg, 'id-old')]))
  assert.ok(plan.text.includes(`~ ${drifted.id}`), plan.text)
  const fixed = byName(await collect(client.applyDesired(text)))
  assert.equal(fixed.vm1.status, 'changed')
  assert.equal(fixed.vm2.status, 'unchanged')
  const after = await client.showVmIdentity(rg, 'vm1')
  assert.deepEqual(lower(Object.keys(after.userAssignedIdentities)), lower([uaiId(rg, 'id-web')]))
})

test('a bad file rejects with InvalidArgumentError naming file, line and field, before anything is written', async () => {
  const rg = await fleet()
  const bad = desired(rg).replace('systemAssigned: true', 'systemAssigned: "yes"')
  await hook(emulator, 'DELETE', '/_emulator/requests')
  const line = /fleet\.yaml:5:\d+: targets\[0\]\.identity\.systemAssigned/
  const typed = (re) => (e) => e instanceof msi.InvalidArgumentError && e.kind === 'invalid_argument' && re.test(e.message)
  await assert.rejects(client.planDesired(bad, { source: 'fleet.yaml' }), typed(line))
  await assert.rejects(collect(client.applyDesired(bad, { source: 'fleet.yaml' })), typed(line))
  const unknown = desired(rg).replace('msiExtension:', 'msiExtensions:')
  await assert.rejects(
    collect(client.applyDesired(unknown)),
    typed(/identities\.yaml:\d+:\d+: targets\[0\]: unknown field `msiExtensions`/),
  )
  await assert.rejects(collect(client.applyDesired(desired(rg).replace('id-web', 'id-missing'))), typed(/id-missing/))
  assert.equal(await writes(rg), 0)
  assert.equal((await client.showVmIdentity(rg, 'vm1')).type, 'None')
})

test('an aborted signal rejects planDesired and applyDesired with AbortError', async () => {
  const rg = await fleet()
  const ac = new AbortController()
  ac.abort()
  await assert.rejects(client.planDesired(desired(rg), { abortSignal: ac.signal }), msi.AbortError)
  await assert.rejects(collect(client.applyDesired(desired(rg), { abortSignal: ac.signal })), msi.AbortError)
  assert.equal((await client.showVmIdentity(rg, 'vm1')).type, 'None')
})
