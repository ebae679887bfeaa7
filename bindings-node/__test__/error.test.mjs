// Every error kind arrives as its typed class with the fields of core's error model.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { msi, startEmulator, unique, hook, vmModel } from './helpers.mjs'

const emulator = await startEmulator(after)
const client = emulator.client()
const rg = unique('rg')
await client.createResourceGroup(rg, 'westus')

function fields(e) {
  return { name: e.name, code: e.code, kind: e.kind, statusCode: e.statusCode, errorCode: e.errorCode }
}

test('every error is an MsiIdentityError and an Error, with a stable code per class', () => {
  const classes = [
    ['InvalidArgumentError', 'MSI_INVALID_ARGUMENT', 'invalid_argument'],
    ['BadRequestError', 'MSI_BAD_REQUEST', 'bad_request'],
    ['ResourceNotFoundError', 'MSI_NOT_FOUND', 'not_found'],
    ['ConflictError', 'MSI_CONFLICT', 'conflict'],
    ['AuthenticationError', 'MSI_AUTHENTICATION', 'authentication'],
    ['AuthorizationError', 'MSI_AUTHORIZATION', 'authorization'],
    ['CredentialUnavailableError', 'MSI_CREDENTIAL_UNAVAILABLE', 'credential_unavailable'],
    ['ThrottledError', 'MSI_THROTTLED', 'throttled'],
    ['ServiceError', 'MSI_SERVICE', 'service'],
    ['ConnectionError', 'MSI_CONNECTION', 'connection'],
    ['TimeoutError', 'MSI_TIMEOUT', 'timeout'],
  ]
  for (const [name, code, kind] of classes) {
    const e = new msi[name]('m', { statusCode: 400 })
    assert.ok(e instanceof msi.MsiIdentityError && e instanceof Error, name)
    assert.deepEqual([e.name, e.code, e.kind, e.statusCode, e.message], [name, code, kind, 400, 'm'])
  }
  assert.equal(msi.ResourceExistsError, msi.ConflictError)
})

test('404: ResourceNotFoundError with status, service code and request id', async () => {
  const e = await client.getVm(rg, 'missing').catch((e) => e)
  assert.ok(e instanceof msi.ResourceNotFoundError)
  assert.deepEqual(fields(e), {
    name: 'ResourceNotFoundError',
    code: 'MSI_NOT_FOUND',
    kind: 'not_found',
    statusCode: 404,
    errorCode: 'ResourceNotFound',
  })
  assert.match(e.requestId, /^[0-9a-f-]{36}$/)
  assert.match(e.message, /missing/)
  const g = await client.getResourceGroup(unique('nogroup')).catch((e) => e)
  assert.equal(g.errorCode, 'ResourceGroupNotFound')
})

test('409 and 412: ConflictError (ResourceExistsError)', async () => {
  // 412: creation never overwrites (If-None-Match: *)
  await client.createVm(rg, 'twice', { model: vmModel() })
  const e412 = await client.createVm(rg, 'twice', { model: vmModel() }).catch((e) => e)
  assert.ok(e412 instanceof msi.ConflictError && e412 instanceof msi.ResourceExistsError)
  assert.equal(e412.statusCode, 412)
  assert.equal(e412.errorCode, 'PreconditionFailed')
  // 409: a resource group in another location
  const e409 = await client.createResourceGroup(rg, 'eastus').catch((e) => e)
  assert.ok(e409 instanceof msi.ConflictError)
  assert.deepEqual([e409.statusCode, e409.errorCode], [409, 'InvalidResourceGroupLocation'])
})

test('400 FailedIdentityOperation: BadRequestError keeps the service code', async () => {
  await client.createVm(rg, 'vm400', { model: vmModel() })
  const e = await client.assignVmIdentity(rg, 'vm400', { userAssigned: ['doesNotExist'] }).catch((e) => e)
  assert.ok(e instanceof msi.BadRequestError)
  assert.deepEqual([e.code, e.statusCode, e.errorCode], ['MSI_BAD_REQUEST', 400, 'FailedIdentityOperation'])
  assert.match(e.message, /doesNotExist/)
})

test('401 bad client secret: AuthenticationError with Entra code', async () => {
  const bad = msi.MsiClient.fromSettings({
    endpoint: emulator.endpoint,
    subscriptionId: emulator.subscriptionId,
    tenantId: emulator.tenantId,
    clientId: emulator.adminClientId,
    clientSecret: 'not-the-secret',
    caCert: emulator.caCertPath,
  })
  const e = await bad.getResourceGroup(rg).catch((e) => e)
  assert.ok(e instanceof msi.AuthenticationError)
  assert.deepEqual([e.code, e.statusCode, e.errorCode], ['MSI_AUTHENTICATION', 401, 'invalid_client'])
  // An access token ARM does not accept: 401 from ARM itself
  const forged = msi.MsiClient.fromSettings({
    endpoint: emulator.endpoint,
    subscriptionId: emulator.subscriptionId,
    accessToken: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
    caCert: emulator.caCertPem,
  })
  const e2 = await forged.getResourceGroup(rg).catch((e) => e)
  assert.ok(e2 instanceof msi.AuthenticationError)
  assert.equal(e2.statusCode, 401)
  assert.equal(e2.errorCode, 'InvalidAuthenticationToken')
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
    assert.ok(e instanceof msi.InvalidArgumentError, `${f}: ${e}`)
    assert.equal(e.code, 'MSI_INVALID_ARGUMENT')
    assert.equal(e.statusCode, undefined)
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

test('connection refused: ConnectionError', async () => {
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
  assert.ok(e instanceof msi.ConnectionError, String(e))
  assert.equal(e.code, 'MSI_CONNECTION')
  assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`))
})

test('429 after the retries: ThrottledError; 5xx: ServiceError', async () => {
  const vm = 'throttled'
  await client.createVm(rg, vm, { model: vmModel() })
  await hook(emulator, 'POST', '/_emulator/faults', { method: 'GET', path_contains: `/${vm}`, status: 429, count: 5, retry_after: 0 })
  const e = await client.getVm(rg, vm).catch((e) => e)
  assert.ok(e instanceof msi.ThrottledError, String(e))
  assert.equal(e.statusCode, 429)
  await hook(emulator, 'POST', '/_emulator/faults', { method: 'GET', path_contains: `/${vm}`, status: 503, count: 5, retry_after: 0 })
  const s = await client.getVm(rg, vm).catch((e) => e)
  assert.ok(s instanceof msi.ServiceError, String(s))
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
  assert.ok((await noRetry.getVm(rg, vm).catch((e) => e)) instanceof msi.ServiceError)
  await hook(emulator, 'DELETE', '/_emulator/faults')
})
