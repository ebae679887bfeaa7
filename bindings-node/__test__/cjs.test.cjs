// The package as CommonJS, required by name (a self-reference through package.json's "exports").
const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { MsiClient, Emulator, ResourceNotFoundError, MsiIdentityError, AbortError } = require('msi-identity')

test('require by name gives the CommonJS entry with its named exports', async () => {
  assert.equal(require.resolve('msi-identity'), path.join(__dirname, '..', 'lib', 'index.js'))
  assert.equal(typeof MsiClient, 'function')
  assert.ok(new ResourceNotFoundError('m') instanceof MsiIdentityError)
  assert.equal(AbortError, require('@azure/abort-controller').AbortError)
  // import() of the same name is the ES module entry over the same objects
  const esm = await import('msi-identity')
  assert.equal(esm.MsiClient, MsiClient)
  assert.equal(esm.default, require('msi-identity'))
  const e = await Emulator.start()
  try {
    await assert.rejects(e.client().getResourceGroup('missing'), ResourceNotFoundError)
  } finally {
    await e.stop()
  }
})
