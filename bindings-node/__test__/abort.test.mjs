// `abortSignal` on every operation (`OperationOptions` of @azure/core-client, `GetTokenOptions` of
// @azure/core-auth): an aborted call rejects with @azure/abort-controller's AbortError and the Rust future is
// dropped, so nothing more is sent.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { msi, require, startEmulator, unique, hook, vmModel } from './helpers.mjs'

const { AbortError } = require('@azure/abort-controller')
const { isRestError } = require('@azure/core-rest-pipeline')

// Compute writes stay in progress for 4 s: a create is held in flight, polling its operation.
const emulator = await startEmulator(after, { lroDelayMs: 4000 })
const client = emulator.client()
const rg = unique('rg')
await client.createResourceGroup(rg, 'westus')

/** ARM requests the emulator has seen (the hooks' own requests are not under the subscription). */
async function armRequests() {
  return (await hook(emulator, 'GET', `/_emulator/requests?path_contains=${emulator.subscriptionId}`)).body.total
}

function assertAbortError(e) {
  assert.ok(e instanceof AbortError, `AbortError expected, got ${e?.stack ?? e}`)
  assert.equal(e.name, 'AbortError')
  assert.equal(isRestError(e), false)
}

test('a call held in flight (an LRO being polled) rejects with AbortError on abort, and sends nothing more', async () => {
  const vm = 'held'
  const ac = new AbortController()
  const started = Date.now()
  const call = client.createVm(rg, vm, { model: vmModel(), abortSignal: ac.signal })
  // wait until the PUT has been answered and the operation is being polled
  for (;;) {
    const puts = (await hook(emulator, 'GET', `/_emulator/requests?path_contains=/${vm}&method=PUT`)).body.total
    if (puts >= 1) break
    assert.ok(Date.now() - started < 3000, 'the PUT was not sent')
    await sleep(20)
  }
  await sleep(300)
  ac.abort()
  const abortedAt = Date.now()
  const e = await call.catch((x) => x)
  assertAbortError(e)
  assert.ok(Date.now() - abortedAt < 1000, 'the rejection came promptly')
  assert.ok(Date.now() - started < 3500, 'it did not wait for the operation')
  const n = await armRequests()
  await sleep(2000) // without the abort, core polls the operation 2 or 3 times in this window
  assert.equal(await armRequests(), n, 'requests were sent after the abort')
})

test('an already aborted signal rejects at once and sends nothing', async () => {
  const before = await armRequests()
  const signal = AbortSignal.abort()
  for (const f of [
    () => client.getVm(rg, 'x', { abortSignal: signal }),
    () => client.assignVmIdentity(rg, 'x', { abortSignal: signal }),
    () => client.setVmIdentity(rg, 'x', { type: 'None', abortSignal: signal }),
    () => client.listRoleAssignments(undefined, undefined, { abortSignal: signal }),
    () => client.createRoleAssignment({ scope: '/subscriptions/s', role: 'Reader', principalId: 'p', abortSignal: signal }),
    () => client.listUserIdentities(rg, { abortSignal: signal }),
    () => new msi.ManagedIdentityCredential({ source: 'imds', endpoint: 'http://127.0.0.1:9' }).getToken('s', { abortSignal: signal }),
  ]) {
    assertAbortError(await f().catch((x) => x))
  }
  assert.equal(await armRequests(), before)
})

test('a signal that never aborts changes nothing, and its listener is removed when the call settles', async () => {
  const listeners = new Set()
  const signal = {
    aborted: false,
    addEventListener: (type, l) => type === 'abort' && listeners.add(l),
    removeEventListener: (type, l) => type === 'abort' && listeners.delete(l),
  }
  const u = await client.createUserIdentity(rg, 'withSignal', { abortSignal: signal })
  assert.equal((await client.getUserIdentity(rg, 'withSignal', { abortSignal: signal })).id, u.id)
  await assert.rejects(client.getVm(rg, 'missing', { abortSignal: signal }), msi.ResourceNotFoundError)
  assert.equal(listeners.size, 0)
  // AbortSignal.timeout: the abort comes from the platform
  const e = await client.createVm(rg, 'timedOut', { model: vmModel(), abortSignal: AbortSignal.timeout(200) }).catch((x) => x)
  assertAbortError(e)
})

test('abortSignal must be an AbortSignal', async () => {
  await assert.rejects(client.getVm(rg, 'x', { abortSignal: 'soon' }), msi.InvalidArgumentError)
  await assert.rejects(client.getVm(rg, 'x', { abortSignal: {} }), msi.InvalidArgumentError)
})
