// Bulk changes (src/bulk.rs, lib/bulk.js over core's bulk engine) against the in-process emulator: selection by
// tag, by group and by IDs, idempotent re-runs, a missing target failing alone with its typed error, bad input
// rejecting before any write, progress up to done === total, and stopping early.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { msi, startEmulator, unique, hook, vmModel } from './helpers.mjs'

const emulator = await startEmulator(after)
const client = emulator.client()
const ASSIGN = { action: 'assign' }

const vmId = (rg, name) =>
  `/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`

/** A group with six VMs, vm0..vm5; the even ones tagged env=prod, the others env=dev. */
async function fleet() {
  const rg = unique('rgbulk')
  await client.createResourceGroup(rg, 'westus')
  for (let i = 0; i < 6; i++) {
    await client.createVm(rg, `vm${i}`, { model: { ...vmModel(), tags: { env: i % 2 === 0 ? 'prod' : 'dev' } } })
  }
  return rg
}

async function collect(run) {
  const out = []
  for await (const r of run) out.push(r)
  return out
}

const statuses = (results) => Object.fromEntries(results.map((r) => [r.id.split('/').pop(), r.status]))

test('assign by tag, then over the group, then again: changed, then only the rest, then nothing', async () => {
  const rg = await fleet()
  const seen = []
  const run = client.bulkVm(ASSIGN, { resourceGroup: rg, tag: 'env=prod' }, { onProgress: (p) => seen.push(p) })
  assert.ok(run instanceof msi.BulkRun)
  assert.equal(run.total, undefined)
  const results = await collect(run)
  assert.equal(run.total, 3)
  assert.deepEqual(statuses(results), { vm0: 'changed', vm2: 'changed', vm4: 'changed' })
  for (const r of results) {
    assert.equal(r.identity.type, 'SystemAssigned')
    assert.ok(r.identity.principalId)
    assert.equal(r.error, undefined)
  }
  const last = seen.at(-1)
  assert.equal(last.done, 3)
  assert.equal(last.total, 3)
  assert.equal(last.changed, 3)
  assert.equal(last.inFlight, 0)
  assert.deepEqual(run.progress, last)
  assert.equal((await client.showVmIdentity(rg, 'vm1')).type, 'None')

  const st = statuses(await collect(client.bulkVm(ASSIGN, { resourceGroup: rg })))
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((i) => st[`vm${i}`]),
    ['unchanged', 'changed', 'unchanged', 'changed', 'unchanged', 'changed'],
  )

  await hook(emulator, 'DELETE', '/_emulator/requests')
  const again = client.bulkVm(ASSIGN, { resourceGroup: rg }, { concurrency: 2 })
  assert.deepEqual(new Set(Object.values(statuses(await collect(again)))), new Set(['unchanged']))
  assert.equal(again.progress.unchanged, 6)
  assert.equal(again.progress.done, again.progress.total)
  const log = (await hook(emulator, 'GET', `/_emulator/requests?path_contains=/${rg}/`)).body
  assert.equal(log.counts.PATCH ?? 0, 0)
})

test('ids with a missing VM: that one fails with ResourceNotFoundError, the others are done', async () => {
  const rg = await fleet()
  const ids = [vmId(rg, 'vm1'), vmId(rg, 'missing'), vmId(rg, 'vm3')]
  const results = await collect(client.bulkVm({ action: 'assign' }, { ids }))
  assert.deepEqual(statuses(results), { vm1: 'changed', missing: 'failed', vm3: 'changed' })
  const failed = results.find((r) => r.status === 'failed')
  assert.ok(failed.error instanceof msi.ResourceNotFoundError)
  assert.ok(failed.error instanceof msi.MsiIdentityError)
  assert.equal(failed.error.kind, 'not_found')
  assert.equal(failed.error.code, 'ResourceNotFound')
  assert.equal(failed.error.statusCode, 404)
  assert.match(failed.error.message, /missing/)
  assert.equal((await client.showVmIdentity(rg, 'vm3')).type, 'SystemAssigned')
})

test('bad input rejects the first next() with InvalidArgumentError, before anything is written', async () => {
  const rg = await fleet()
  await hook(emulator, 'DELETE', '/_emulator/requests')
  const cases = [
    [ASSIGN, { ids: [vmId(rg, 'vm0')], resourceGroup: rg }, /not both/],
    [ASSIGN, { resourceGroup: rg, tag: '=x' }, /invalid tag '=x'/],
    [ASSIGN, {}, /name the targets/],
    [{ action: 'paint' }, { resourceGroup: rg }, /unknown bulk action 'paint'/],
    [{ action: 'assign', colour: 'red' }, { resourceGroup: rg }, /'assign' action/],
  ]
  for (const [action, selection, message] of cases) {
    const run = client.bulkVm(action, selection)
    await assert.rejects(collect(run), (e) => e instanceof msi.InvalidArgumentError && message.test(e.message))
    assert.deepEqual(await run.next(), { done: true, value: undefined })
  }
  assert.throws(() => client.bulkVm(ASSIGN, { ids: 'x' }), msi.InvalidArgumentError)
  assert.throws(() => client.bulkVm(ASSIGN, { resourceGroup: rg }, { onProgress: 3 }), msi.InvalidArgumentError)
  const log = (await hook(emulator, 'GET', `/_emulator/requests?path_contains=/${rg}/`)).body
  assert.equal(log.counts.PATCH ?? 0, 0)
  for (let i = 0; i < 6; i++) assert.equal((await client.showVmIdentity(rg, `vm${i}`)).type, 'None')
})

test('an onProgress that throws stops the iteration with its error', async () => {
  const rg = await fleet()
  const run = client.bulkVm(ASSIGN, { resourceGroup: rg }, {
    onProgress: async () => {
      throw new Error('from onProgress')
    },
  })
  await assert.rejects(collect(run), /from onProgress/)
})

test('scale sets; break stops the change and a second run completes it', async () => {
  const rg = unique('rgbulkss')
  await client.createResourceGroup(rg, 'westus')
  for (let i = 0; i < 3; i++) await client.createVmss(rg, `ss${i}`, { image: 'Ubuntu2204', instanceCount: 1 })
  const set = { action: 'set', type: 'SystemAssigned' }
  const run = client.bulkVmss(set, { resourceGroup: rg }, { concurrency: 1 })
  for await (const r of run) {
    assert.equal(r.status, 'changed')
    break
  }
  assert.equal(run.total, 3)
  assert.deepEqual(await run.next(), { done: true, value: undefined })
  const results = await collect(client.bulkVmss(set, { resourceGroup: rg }))
  assert.equal(results.length, 3)
  assert.ok(results.some((r) => r.status === 'unchanged'))
  for (let i = 0; i < 3; i++) assert.equal((await client.showVmssIdentity(rg, `ss${i}`)).type, 'SystemAssigned')
})

test('an aborted signal rejects with AbortError', async () => {
  const rg = await fleet()
  const ac = new AbortController()
  ac.abort()
  await assert.rejects(collect(client.bulkVm(ASSIGN, { resourceGroup: rg }, { abortSignal: ac.signal })), msi.AbortError)
  assert.equal((await client.showVmIdentity(rg, 'vm0')).type, 'None')
})
