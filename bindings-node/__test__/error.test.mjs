// Every error kind arrives as its typed class (the Python binding's names), a RestError of
// @azure/core-rest-pipeline with the fields of core's error model.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { inspect } from 'node:util'
import { msi, require, startEmulator, unique, hook, vmModel } from './helpers.mjs'

const emulator = await startEmulator(after)
const client = emulator.client()
const rg = unique('rg')
await client.createResourceGroup(rg, 'westus')

// `isRestError` and `RestError` of the real @azure/core-rest-pipeline: every error of ours must pass them.
const { isRestError, RestError } = require('@azure/core-rest-pipeline')

function fields(e) {
  return { name: e.name, code: e.code, kind: e.kind, statusCode: e.statusCode }
}

test("the classes are the Python binding's, all MsiIdentityError, RestError and Error", () => {
  const classes = [
    ['InvalidArgumentError', 'MsiIdentityError', 'invalid_argument'],
    ['HttpResponseError', 'MsiIdentityError', 'service'],
    ['BadRequestError', 'HttpResponseError', 'bad_request'],
    ['ClientAuthenticationError', 'HttpResponseError', 'authentication'],
    ['CredentialUnavailableError', 'ClientAuthenticationError', 'credential_unavailable'],
    ['ClientAuthorizationError', 'HttpResponseError', 'authorization'],
    ['ResourceNotFoundError', 'HttpResponseError', 'not_found'],
    ['ResourceExistsError', 'HttpResponseError', 'conflict'],
    ['ResourceModifiedError', 'HttpResponseError', 'conflict'],
    ['ThrottledError', 'HttpResponseError', 'throttled'],
    ['ServiceRequestError', 'MsiIdentityError', 'connection'],
    ['ServiceResponseError', 'MsiIdentityError', undefined],
    ['ServiceResponseTimeoutError', 'ServiceResponseError', 'timeout'],
  ]
  for (const [name, base, kind] of classes) {
    const e = new msi[name]('m', { statusCode: 400, code: 'SomeCode' })
    assert.ok(e instanceof msi[base] && e instanceof msi.MsiIdentityError && e instanceof Error, name)
    assert.ok(e instanceof RestError && isRestError(e), `${name} is a RestError`)
    assert.deepEqual([e.name, e.kind, e.statusCode, e.code, e.message], [name, kind, 400, 'SomeCode', 'm'])
    assert.equal(msi[name].kind, kind)
  }
  assert.equal(msi.MsiIdentityError.REQUEST_SEND_ERROR, RestError.REQUEST_SEND_ERROR)
  // every kind core has is rendered as its class
  for (const kind of msi.errorKinds()) assert.equal(msi.classFor(kind).kind, kind, kind)
  assert.equal(msi.classFor('conflict', 412), msi.ResourceModifiedError)
})

test('404: ResourceNotFoundError, code = the service code, status, request and response as RestError has them', async () => {
  const e = await client.getVm(rg, 'missing').catch((e) => e)
  assert.ok(e instanceof msi.ResourceNotFoundError)
  assert.ok(isRestError(e))
  assert.deepEqual(fields(e), { name: 'ResourceNotFoundError', code: 'ResourceNotFound', kind: 'not_found', statusCode: 404 })
  assert.match(e.requestId, /^[0-9a-f-]{36}$/)
  assert.match(e.message, /missing/)
  assert.equal(e.response.status, 404)
  assert.equal(e.response.headers.get('x-ms-request-id'), e.requestId)
  assert.equal(e.request.method, 'GET')
  assert.ok(e.request.url.startsWith(`${emulator.endpoint}/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/missing`), e.request.url)
  assert.equal(e.response.request, e.request)
  // non-enumerable, as RestError keeps them
  assert.deepEqual(Object.keys(e).filter((k) => k === 'request' || k === 'response'), [])
  const g = await client.getResourceGroup(unique('nogroup')).catch((e) => e)
  assert.equal(g.code, 'ResourceGroupNotFound')
})

test('409: ResourceExistsError; 412: ResourceModifiedError', async () => {
  // 412: creation never overwrites (If-None-Match: *)
  await client.createVm(rg, 'twice', { model: vmModel() })
  const e412 = await client.createVm(rg, 'twice', { model: vmModel() }).catch((e) => e)
  assert.ok(e412 instanceof msi.ResourceModifiedError && e412 instanceof msi.HttpResponseError, String(e412))
  assert.deepEqual([e412.kind, e412.statusCode, e412.code], ['conflict', 412, 'PreconditionFailed'])
  // 409: a resource group in another location
  const e409 = await client.createResourceGroup(rg, 'eastus').catch((e) => e)
  assert.ok(e409 instanceof msi.ResourceExistsError)
  assert.deepEqual([e409.statusCode, e409.code], [409, 'InvalidResourceGroupLocation'])
})

test('400 FailedIdentityOperation: BadRequestError keeps the service code', async () => {
  await client.createVm(rg, 'vm400', { model: vmModel() })
  const e = await client.assignVmIdentity(rg, 'vm400', { userAssigned: ['doesNotExist'] }).catch((e) => e)
  assert.ok(e instanceof msi.BadRequestError)
  assert.deepEqual([e.kind, e.statusCode, e.code], ['bad_request', 400, 'FailedIdentityOperation'])
  assert.match(e.message, /doesNotExist/)
})

test('401 bad client secret: ClientAuthenticationError with the Entra code; secrets appear nowhere', async () => {
  const bad = msi.MsiClient.fromSettings({
    endpoint: emulator.endpoint,
    subscriptionId: emulator.subscriptionId,
    tenantId: emulator.tenantId,
    clientId: emulator.adminClientId,
    clientSecret: 'not-the-secret',
    caCert: emulator.caCertPath,
  })
  const e = await bad.getResourceGroup(rg).catch((e) => e)
  assert.ok(e instanceof msi.ClientAuthenticationError && isRestError(e))
  assert.deepEqual([e.kind, e.statusCode, e.code], ['authentication', 401, 'invalid_client'])
  // An access token ARM does not accept: 401 from ARM itself
  const forgedToken = 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln'
  const forged = msi.MsiClient.fromSettings({
    endpoint: emulator.endpoint,
    subscriptionId: emulator.subscriptionId,
    accessToken: forgedToken,
    caCert: emulator.caCertPem,
  })
  const e2 = await forged.getResourceGroup(rg).catch((e) => e)
  assert.ok(e2 instanceof msi.ClientAuthenticationError)
  assert.equal(e2.statusCode, 401)
  assert.equal(e2.code, 'InvalidAuthenticationToken')
  for (const [err, secret] of [[e, 'not-the-secret'], [e2, forgedToken]]) {
    const shown = [err.message, err.stack, inspect(err, { showHidden: true, depth: 10 }), JSON.stringify(err), JSON.stringify(err.request), inspect(err.response, { depth: 10 })].join('\n')
    assert.ok(!shown.includes(secret), `a secret leaked: ${shown}`)
  }
})

test('invalid arguments: InvalidArgumentError, nothing sent, synchronous or rejected', async () => {
  const before = (await hook(emulator, 'GET', '/_emulator/requests?path_contains=virtualMachines')).body.total
  const cases = [
    () => client.assignVmIdentity(rg, 'vm400', { userAssigned: ['a'] }), // identity names are 3..128
    () => client.setVmIdentity(rg, 'vm400', { type: 'Sometimes' }),
    () => client.getVm('bad group/name', 'x'),
    () => client.setVmMsiExtension(rg, 'vm400', { type: 'NotAnMsiExtension' }),
    () => client.createVm(rg, 'both', { model: vmModel(), image: 'UbuntuLTS' }),
    () => client.getVm(rg, 42), // napi's own argument check
  ]
  for (const f of cases) {
    const e = await Promise.resolve().then(f).catch((e) => e)
    assert.ok(e instanceof msi.InvalidArgumentError && isRestError(e), `${f}: ${e}`)
    assert.deepEqual([e.kind, e.code, e.statusCode, e.request], ['invalid_argument', undefined, undefined, undefined])
  }
  const afterCount = (await hook(emulator, 'GET', '/_emulator/requests?path_contains=virtualMachines')).body.total
  assert.equal(afterCount, before)
  assert.throws(() => msi.MsiClient.fromSettings({ subscriptionId: 's' }), msi.InvalidArgumentError)
  assert.throws(() => new msi.MsiClient({}, { subscriptionId: 's' }), msi.InvalidArgumentError)
  assert.throws(
    () => new msi.ManagedIdentityCredential({ clientId: 'a', objectId: 'b' }),
    msi.InvalidArgumentError,
  )
})

test('connection refused: ServiceRequestError, code REQUEST_SEND_ERROR, the request kept', async () => {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
  const c = msi.MsiClient.fromSettings({
    endpoint: `https://127.0.0.1:${port}`,
    subscriptionId: emulator.subscriptionId,
    accessToken: 'token',
  })
  const e = await c.getResourceGroup('rg').catch((e) => e)
  assert.ok(e instanceof msi.ServiceRequestError && isRestError(e), String(e))
  assert.deepEqual([e.kind, e.code, e.statusCode, e.response], ['connection', RestError.REQUEST_SEND_ERROR, undefined, undefined])
  assert.equal(e.request.method, 'GET')
  assert.ok(e.request.url.toLowerCase().startsWith(`https://127.0.0.1:${port}/subscriptions/${emulator.subscriptionId}/resourcegroups/rg`), e.request.url)
  assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
})

test('429 after the retries: ThrottledError; 5xx: HttpResponseError', async () => {
  const vm = 'throttled'
  await client.createVm(rg, vm, { model: vmModel() })
  await hook(emulator, 'POST', '/_emulator/faults', { method: 'GET', path_contains: `/${vm}`, status: 429, count: 5, retry_after: 0 })
  const e = await client.getVm(rg, vm).catch((e) => e)
  assert.ok(e instanceof msi.ThrottledError, String(e))
  assert.equal(e.statusCode, 429)
  assert.equal(e.response.headers.get('retry-after'), '0')
  await hook(emulator, 'POST', '/_emulator/faults', { method: 'GET', path_contains: `/${vm}`, status: 503, count: 5, retry_after: 0 })
  const s = await client.getVm(rg, vm).catch((e) => e)
  assert.ok(s instanceof msi.HttpResponseError && !(s instanceof msi.ThrottledError), String(s))
  assert.equal(s.statusCode, 503)
  await hook(emulator, 'DELETE', '/_emulator/faults')
  // and a transient one is retried away
  await hook(emulator, 'POST', '/_emulator/faults', { method: 'GET', path_contains: `/${vm}`, status: 503, count: 1, retry_after: 0 })
  assert.equal((await client.getVm(rg, vm)).name, vm)
  // unless the client's retry settings say not to retry
  const noRetry = msi.MsiClient.fromSettings({
    endpoint: emulator.endpoint,
    subscriptionId: emulator.subscriptionId,
    tenantId: emulator.tenantId,
    clientId: emulator.adminClientId,
    clientSecret: emulator.adminClientSecret,
    caCert: emulator.caCertPem,
    retry: { maxRetries: 0 },
  })
  await hook(emulator, 'POST', '/_emulator/faults', { method: 'GET', path_contains: `/${vm}`, status: 503, count: 1, retry_after: 0 })
  assert.ok((await noRetry.getVm(rg, vm).catch((e) => e)) instanceof msi.HttpResponseError)
  await hook(emulator, 'DELETE', '/_emulator/faults')
})
